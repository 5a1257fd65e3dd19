// Credential-scoped detections (detection.yaml `scope: credential`, PW-STALE-CREDENTIAL) against the
// real ClickHouse engine: after a batch and as the clock advances, the detection re-runs only for the
// touched credentials and those that turned stale since the previous evaluation, keeps the other
// findings as committed, and agrees with a full evaluation at the same clock; a clock that goes back
// runs it in full.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { identityEventToRow, insertRows } from '../../core/clickhouse/rows.ts';
import { IdentityEventSchema } from '../../core/events/identity-event.ts';
import { validateBoundaryMap } from '../../core/config/load.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { evaluate } from '../../services/detector/evaluation/evaluate.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { TOUCHED_OVERLAP_MS } from '../../store/read-models/snapshot.ts';
import { migratedStore } from '../helpers/migrated-store.ts';

const store = migratedStore('pw-cred-scoped-');

const STALE = 'PW-STALE-CREDENTIAL';
const detections = loadDetections().filter((d) => d.id === STALE);
const map = validateBoundaryMap({}, 'test'); // platform stale_after: 90 days
const defaultPlaneOf = (vendor: string) => (vendor === 'openai' ? ('platform' as const) : ('application' as const));
const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T00:00:00Z');

/** An OpenAI project key listed on 30 May, last used at `lastUsed`. */
function key(id: string, lastUsed: string) {
  return identityEventToRow(
    IdentityEventSchema.parse({
      event_id: `${id}-${lastUsed}`,
      source: 'openai',
      connection_id: 'openai-main',
      plane: 'platform',
      tenant_id: 'proj_1',
      authoritative_for: null,
      category: 'inventory',
      action: 'observed',
      outcome: null,
      subject: { kind: 'api_key', id, email: null, name: null },
      actor: null,
      credential: {
        id,
        kind: 'project_key',
        owner_id: 'user-ann',
        owner_kind: 'human',
        scopes: [],
        created_at: Date.parse('2026-01-01T00:00:00Z'),
        last_used_at: Date.parse(lastUsed),
      },
      occurred_at: Date.parse('2026-05-30T00:00:00Z'),
      received_at: Date.parse('2026-05-30T00:00:00Z'),
      raw_id: `raw-${id}-${lastUsed}`,
      vendor_type: 'project_key.observed',
      ocsf_class_uid: null,
      ocsf_activity_id: null,
      attributes: {},
    }),
  );
}

async function staleFindings(): Promise<string[]> {
  const rs = await store.client.query({
    query: `SELECT status, subject_id FROM pw_findings WHERE detection = {d:String}
            ORDER BY fingerprint, version DESC LIMIT 1 BY fingerprint`,
    query_params: { d: STALE },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ status: string; subject_id: string }>()).map((f) => `${f.status} ${f.subject_id}`).sort();
}

describe('credential-scoped evaluation', () => {
  it('re-runs PW-STALE-CREDENTIAL for the touched and newly stale credentials only, and equals a full evaluation', async () => {
    await insertRows(
      store.client,
      'identity_events',
      [
        key('key_old', '2026-01-10T00:00:00Z'), // idle 142 days at T0: stale
        key('key_due', '2026-03-01T12:00:00Z'), // idle 91.5 days at T0: stale; 90 days at 30 May 12:00
        key('key_soon', '2026-03-04T00:00:00Z'), // idle 89 days at T0, 91 days at T0 + 2 d: turns stale
        key('key_used', '2026-01-20T00:00:00Z'), // stale at T0, used again in the batch below
        key('key_fresh', '2026-05-01T00:00:00Z'), // idle 31 / 33 days: never stale here
      ],
      `cred-scoped-${randomUUID()}`,
    );
    await new Promise((r) => setTimeout(r, TOUCHED_OVERLAP_MS + 1000));
    const cache = cacheOf(store.client);
    const first = await evaluate(store.client, { cache, detections, map, now: T0, defaultPlaneOf });
    expect(first.snapshot.mode).toBe('full');
    expect(first.credentialScoped).toEqual([]);
    expect(await staleFindings()).toEqual(['open key_due', 'open key_old', 'open key_used']);

    // Nothing new, one day later: nothing turned stale, nothing touched.
    const idle = await evaluate(store.client, { cache, detections, map, now: T0 + DAY, defaultPlaneOf });
    expect(idle.credentialScoped).toEqual([STALE]);
    expect([idle.matches, idle.changes.length]).toEqual([3, 0]);

    await insertRows(store.client, 'identity_events', [key('key_used', '2026-06-01T00:00:00Z')], `cred-scoped-${randomUUID()}`);
    // One of five keys touched: a forced incremental refresh (auto would rebuild in full above 25 %).
    const inc = await evaluate(store.client, { cache, detections, map, now: T0 + 2 * DAY, defaultPlaneOf, snapshot: 'incremental' });
    expect(inc.snapshot.mode).toBe('incremental');
    expect(inc.credentialScoped).toEqual([STALE]);
    // key_soon turned stale with the clock (untouched), key_used is fresh again (touched); key_old
    // and key_due stand as committed.
    expect(inc.changes.map((c) => `${c.transition} ${c.finding.subject_id}`).sort()).toEqual(['opened key_soon', 'resolved key_used']);
    expect(inc.matches).toBe(3);
    expect(await staleFindings()).toEqual(['open key_due', 'open key_old', 'open key_soon', 'resolved key_used']);

    const full = await evaluate(store.client, { cache, detections, map, now: T0 + 2 * DAY, defaultPlaneOf, snapshot: 'full' });
    expect(full.credentialScoped).toEqual([]);
    expect([full.matches, full.changes.length]).toEqual([3, 0]);

    // The clock goes back past key_soon's threshold: run in full, which resolves it.
    const back = await evaluate(store.client, { cache, detections, map, now: T0, defaultPlaneOf, snapshot: 'incremental' });
    expect(back.snapshot.mode).toBe('incremental');
    expect(back.credentialScoped).toEqual([]);
    expect(back.changes.map((c) => `${c.transition} ${c.finding.subject_id}`)).toEqual(['resolved key_soon']);
  }, 60_000);
});
