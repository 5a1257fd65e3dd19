// The clock-dependent detections that read an owner or a person — PW-ORPHANED-ACCOUNT,
// PW-DEPROV-OVERDUE, PW-ORPHANED-CREDENTIAL — across an evaluation with nothing new and an
// incremental one after a batch, with hand-written results: a grace or SLA ending with no new event
// opens an untouched key's finding; a key related to a touched one changes (an untouched credential
// whose owner's person left, or whose owner account was removed or appeared; an untouched account
// whose person left); a full evaluation at the same clock changes nothing. They run in full after a
// batch (docs/DETECTIONS.md "Nothing new": scoping them measured no faster); these are the results a
// scoped run of them would have to keep.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { insertRows } from '../../core/clickhouse/rows.ts';
import { validateBoundaryMap } from '../../core/config/load.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { evaluate } from '../../services/detector/evaluation/evaluate.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { TOUCHED_OVERLAP_MS } from '../../store/read-models/snapshot.ts';
import { migratedStore } from '../helpers/migrated-store.ts';
import { identityEventRow } from '../helpers/identity-event.ts';

const store = migratedStore('pw-clock-dependent-');

const OA = 'PW-ORPHANED-ACCOUNT';
const OC = 'PW-ORPHANED-CREDENTIAL';
const DO = 'PW-DEPROV-OVERDUE';
const detections = loadDetections().filter((d) => [OA, OC, DO].includes(d.id));
const map = validateBoundaryMap({}, 'test'); // platform: grace 1 h, deprovisioning SLA 24 h
const defaultPlaneOf = () => 'platform' as const;
const T1 = Date.parse('2026-03-05T00:00:00Z');
const T2 = Date.parse('2026-03-05T18:00:00Z');

interface Ev {
  id: string;
  at: string;
  source: 'workos' | 'openai';
  category: string;
  action: string;
  subject: { kind: string; id: string; email?: string };
  credential?: { id: string; owner: string };
}
function row(e: Ev) {
  const directory = e.source === 'workos';
  return identityEventRow({
    ...e,
    tenant: directory ? 'org_wf' : 'proj_1',
    authoritative_for: directory ? 'employees' : null,
    credential: e.credential
      ? {
          id: e.credential.id,
          kind: 'project_key',
          owner_id: e.credential.owner,
          owner_kind: 'human',
          created_at: '2026-01-01T00:00:00Z',
          last_used_at: '2026-03-03T00:00:00Z',
        }
      : null,
    attributes: directory ? { directory_id: 'dir_wf' } : {},
  });
}
const insert = (events: Ev[]) => insertRows(store.client, 'identity_events', events.map(row), `clock-dependent-${randomUUID()}`);

const dirDeleted = (name: string, at: string): Ev => ({
  id: `${name}-dir-deleted`,
  at,
  source: 'workos',
  category: 'account',
  action: 'deleted',
  subject: { kind: 'human', id: `du_${name}`, email: `${name}@acme.example` },
});
const openaiUser = (name: string): Ev => ({
  id: `${name}-openai`,
  at: '2026-01-02T00:00:00Z',
  source: 'openai',
  category: 'inventory',
  action: 'observed',
  subject: { kind: 'human', id: `user-${name}`, email: `${name}@acme.example` },
});
const projectKey = (name: string): Ev => ({
  id: `${name}-key`,
  at: '2026-03-03T00:00:00Z',
  source: 'openai',
  category: 'inventory',
  action: 'observed',
  subject: { kind: 'api_key', id: `key_${name}` },
  credential: { id: `key_${name}`, owner: `user-${name}` },
});
/** A person with a directory account, an OpenAI user and a project key that user owns; leaving at `leaves`. */
function person(name: string, leaves?: string): Ev[] {
  return [
    {
      id: `${name}-dir-created`,
      at: '2026-01-01T00:00:00Z',
      source: 'workos',
      category: 'account',
      action: 'created',
      subject: { kind: 'human', id: `du_${name}`, email: `${name}@acme.example` },
    },
    openaiUser(name),
    projectKey(name),
    ...(leaves ? [dirDeleted(name, leaves)] : []),
  ];
}

async function findings(): Promise<string[]> {
  const rs = await store.client.query({
    query: `SELECT detection, status, subject_id, detail['reason'] AS reason FROM pw_findings
            WHERE evaluation_id IN (SELECT evaluation_id FROM pw_evaluations)
            ORDER BY fingerprint, version DESC LIMIT 1 BY fingerprint`,
    format: 'JSONEachRow',
  });
  return (await rs.json<{ detection: string; status: string; subject_id: string; reason: string }>())
    .map((f) => `${f.detection} ${f.status} ${f.subject_id}${f.reason ? ` ${f.reason}` : ''}`)
    .sort();
}
const changes = (r: { changes: { transition: string; finding: { detection: string; subject_id: string } }[] }) =>
  r.changes.map((c) => `${c.finding.detection} ${c.transition} ${c.finding.subject_id}`).sort();

describe('the orphaned and overdue detections after a batch and as the clock advances', () => {
  it('open and resolve for the deadlines passed and the changed and related keys, and equal a full evaluation', async () => {
    await insert([
      ...person('ann', '2026-03-01T00:00:00Z'), // left 4 days before T1: past grace and SLA throughout
      ...person('bob'), // leaves in the batch below (03-05 01:00): past grace at T2, not past the SLA
      ...person('carl', '2026-03-04T12:00:00Z'), // 12 h at T1 (past grace), 30 h at T2: overdue by the clock alone
      ...person('dana'), // stays; her OpenAI user is removed in the batch: her key loses its owner
      ...person('erin', '2026-03-04T23:30:00Z'), // 30 min at T1 (within grace), 18.5 h at T2: orphaned by the clock alone
      ...person('gus'), // stays: nothing ever
      projectKey('frank'), // owner user-frank not seen yet: owner unknown; the user appears in the batch
    ]);
    // Out of the touched-keys overlap of the first snapshot, so the batch below is all that is touched.
    await new Promise((r) => setTimeout(r, TOUCHED_OVERLAP_MS + 1000));
    const cache = cacheOf(store.client);
    const first = await evaluate(store.client, { cache, detections, map, now: T1, defaultPlaneOf });
    expect(first.snapshot.mode).toBe('full');
    const atT1 = [
      `${DO} open key_ann`,
      `${DO} open user-ann`,
      `${OA} open user-ann`,
      `${OA} open user-carl`,
      `${OC} open key_ann owner_deprovisioned`,
      `${OC} open key_carl owner_deprovisioned`,
      `${OC} open key_frank owner_unknown`,
    ];
    expect(await findings()).toEqual(atT1);

    // Nothing new, at T1 + 1 h: erin's grace (ends 00:30) has passed, nothing else changed.
    const idle = await evaluate(store.client, { cache, detections, map, now: T1 + 3_600_000, defaultPlaneOf });
    expect(idle.snapshot).toMatchObject({ mode: 'incremental', touched: 0 });
    expect(changes(idle)).toEqual([`${OA} opened user-erin`, `${OC} opened key_erin`]);

    await insert([
      dirDeleted('bob', '2026-03-05T01:00:00Z'),
      {
        id: 'dana-openai-removed',
        at: '2026-03-05T02:00:00Z',
        source: 'openai',
        category: 'account',
        action: 'deleted',
        subject: { kind: 'human', id: 'user-dana', email: 'dana@acme.example' },
      },
      openaiUser('frank'),
    ]);
    const inc = await evaluate(store.client, { cache, detections, map, now: T2, defaultPlaneOf, snapshot: 'incremental' });
    expect(inc.snapshot.mode).toBe('incremental');
    expect(inc.errors).toEqual([]);
    expect(changes(inc)).toEqual([
      // Past the SLA with the clock alone (carl untouched).
      `${DO} opened key_carl`,
      `${DO} opened user-carl`,
      // Bob's directory account was touched: his OpenAI user (untouched) is orphaned ...
      `${OA} opened user-bob`,
      // ... and so is his key (neither it nor its owner account touched).
      `${OC} opened key_bob`,
      // Dana's OpenAI user (the key's owner) was removed; the key was not touched.
      `${OC} opened key_dana`,
      // Frank's key (untouched) has an owner now.
      `${OC} resolved key_frank`,
    ]);
    const atT2 = [
      `${DO} open key_ann`,
      `${DO} open key_carl`,
      `${DO} open user-ann`,
      `${DO} open user-carl`,
      `${OA} open user-ann`,
      `${OA} open user-bob`,
      `${OA} open user-carl`,
      `${OA} open user-erin`,
      `${OC} open key_ann owner_deprovisioned`,
      `${OC} open key_bob owner_deprovisioned`,
      `${OC} open key_carl owner_deprovisioned`,
      `${OC} open key_dana owner_removed`,
      `${OC} open key_erin owner_deprovisioned`,
      `${OC} resolved key_frank owner_unknown`,
    ];
    expect(await findings()).toEqual(atT2);

    // A full evaluation at the same clock agrees: same matches, no transition.
    const full = await evaluate(store.client, { cache, detections, map, now: T2, defaultPlaneOf, snapshot: 'full' });
    expect(full.matches).toBe(inc.matches);
    expect(changes(full)).toEqual([]);
    expect(await findings()).toEqual(atT2);
  }, 120_000);
});
