// An open finding's detail follows what the detection now says about it: a GitHub secret-scanning
// alert fitting no listed OpenAI key is a finding on the alert with match 'none'; once the
// inventory lists two keys that fit it, the same finding is updated to match 'ambiguous' with two
// candidates (same evidence, same severity: only the detail changed). Keys that follow the clock alone
// (PW-STALE-CREDENTIAL's idle_ms, declared in volatile_detail) update nothing, in a full evaluation
// at a later clock too. Real embedded ClickHouse, the real migrations and detections.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { insertRows } from '../../core/clickhouse/rows.ts';
import { validateBoundaryMap } from '../../core/config/load.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { evaluate, type EvaluationResult } from '../../services/detector/evaluation/evaluate.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { migratedStore } from '../helpers/migrated-store.ts';
import { identityEventRow } from '../helpers/identity-event.ts';

const store = migratedStore('pw-detail-updates-');
const EXPOSED = 'PW-EXPOSED-CREDENTIAL-ACTIVE';
const STALE = 'PW-STALE-CREDENTIAL';
const detections = loadDetections().filter((d) => [EXPOSED, STALE].includes(d.id));
const map = validateBoundaryMap({}, 'test'); // platform: exposure grace 1 h, stale after 90 days
const ALERT = 'github-alert:acme/app#1';

interface Ev {
  id: string;
  at: string;
  source: 'github' | 'openai';
  action: 'exposed' | 'observed' | 'revoked';
  subject: { kind: string; id: string };
  credential?: { id: string; last_used_at?: string };
  attributes?: Record<string, string>;
}
function row(e: Ev) {
  return identityEventRow({
    ...e,
    category: e.action === 'observed' ? 'inventory' : 'credential',
    credential: e.credential ? { ...e.credential, kind: 'project_key' } : null,
    vendor_type: `credential.${e.action}`,
  });
}
const insert = (events: Ev[]) => insertRows(store.client, 'identity_events', events.map(row), `detail-updates-${randomUUID()}`);
/** An OpenAI key as its inventory lists it (redacted value, by default one the alert below fits). */
const listedKey = (id: string, at: string, lastUsed?: string, hint = 'sk-abc...wxyz'): Ev => ({
  id: `inv-${id}`,
  at,
  source: 'openai',
  action: 'observed',
  subject: { kind: 'api_key', id },
  credential: { id, ...(lastUsed ? { last_used_at: lastUsed } : {}) },
  attributes: { key_hint: hint },
});

let cache: ReturnType<typeof cacheOf> | undefined;
const run = (now: string, snapshot?: 'full') =>
  evaluate(store.client, {
    cache: (cache ??= cacheOf(store.client)),
    detections,
    map,
    now: Date.parse(now),
    defaultPlaneOf: () => 'platform',
    ...(snapshot ? { snapshot } : {}),
  });
const changes = (r: EvaluationResult) =>
  r.changes
    .map((c) => ({
      detection: c.finding.detection,
      transition: c.transition,
      subject: `${c.finding.subject_kind}:${c.finding.subject_id}`,
      match: c.finding.detail.match ?? null,
      candidates: c.finding.detail.candidates ?? null,
    }))
    .sort((a, b) => `${a.detection}${a.subject}`.localeCompare(`${b.detection}${b.subject}`));

describe('finding detail updates', () => {
  it('updates an open finding when its detail changes, not when only a volatile key moved with the clock', async () => {
    // A key unused since June 2025 (stale), whose redacted value the alert does not fit, and the
    // alert: its fingerprint (first 16 and last 4 characters) fits no listed key yet.
    await insert([
      listedKey('key_old', '2025-01-01T00:00:00Z', '2025-06-01T00:00:00Z', 'sk-old...0000'),
      {
        id: 'gh-1',
        at: '2026-03-01T00:00:00Z',
        source: 'github',
        action: 'exposed',
        subject: { kind: 'other', id: ALERT },
        attributes: { secret_type: 'openai_api_key', exposure_vendor: 'openai', key_head: 'sk-abcDEF0123456', key_tail: 'wxyz' },
      },
    ]);
    const first = await run('2026-03-01T02:00:00Z');
    expect(changes(first)).toEqual([
      { detection: EXPOSED, transition: 'opened', subject: `other:${ALERT}`, match: 'none', candidates: null },
      { detection: STALE, transition: 'opened', subject: 'project_key:key_old', match: null, candidates: null },
    ]);

    // The inventory now lists two keys that fit the alert: the alert's finding says so.
    await insert([listedKey('key_1', '2026-03-01T03:00:00Z'), listedKey('key_2', '2026-03-01T03:00:00Z')]);
    const second = await run('2026-03-01T04:00:00Z');
    expect(changes(second)).toEqual([
      { detection: EXPOSED, transition: 'updated', subject: `other:${ALERT}`, match: 'ambiguous', candidates: '2' },
    ]);
    const updated = second.changes[0]!.finding;
    expect([updated.evidence_event_ids, updated.severity, updated.status]).toEqual([['gh-1'], 'critical', 'open']);

    // Nothing new, a full evaluation three hours later: key_old's idle_ms grew, nothing is updated.
    expect(changes(await run('2026-03-01T07:00:00Z', 'full'))).toEqual([]);
    const [stored] = await (
      await store.client.query({
        query: `SELECT detail['idle_ms'] AS idle_ms FROM pw_findings WHERE detection = {d:String} AND subject_id = 'key_old'
                ORDER BY version DESC LIMIT 1`,
        query_params: { d: STALE },
        format: 'JSONEachRow',
      })
    ).json<{ idle_ms: string }>();
    // As of the opening evaluation: 2026-03-01T02:00 − 2025-06-01T00:00 = 273 days 2 h.
    expect(stored!.idle_ms).toBe(String((273 * 24 + 2) * 3_600_000));
  }, 120_000);
});
