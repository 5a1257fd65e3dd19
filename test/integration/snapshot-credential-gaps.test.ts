// The gaps PW-STALE-CREDENTIAL-REUSED reads (pw_eval_credential_gaps, store/read-models/snapshot.ts)
// are computed from the activity-day rows as they are, without regrouping them per day first. A
// day can have several rows: each insert writes its own part and background merges come later,
// and a credential can be seen on two planes. Here every use day is split over separate inserts
// (and the reuse day over two planes), with the day's first use in one row and its last use in
// another (overlapping): a gap must still run from the previous day's LAST use to the reuse day's FIRST use, and
// name the reuse day's first event. Checked right after the inserts, and again after the parts are
// merged (OPTIMIZE … FINAL): the same gaps. On real embedded ClickHouse with the real migrations.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { insertRows } from '../../core/clickhouse/rows.ts';
import { credentialUseRow } from '../helpers/credential-use.ts';
import { validateBoundaryMap } from '../../core/config/load.ts';
import { detectionParams } from '../../store/detections/params.ts';
import { refreshSnapshot } from '../../store/read-models/snapshot.ts';
import { migratedStore } from '../helpers/migrated-store.ts';

const plane = (vendor: string) => (vendor === 'workos' ? ('application' as const) : ('platform' as const));

const use = credentialUseRow;

const store = migratedStore('pw-gaps-days-');

type Gap = [previousEnd: string, start: string, eventId: string, rawId: string, previousIsCreation: number];
async function gaps(): Promise<Record<string, Gap[]>> {
  const rs = await store.client.query({
    query: `SELECT credential_id, arrayMap(g -> (toString(fromUnixTimestamp64Milli(g.1, 'UTC')), toString(fromUnixTimestamp64Milli(g.2, 'UTC')), g.3, g.4, g.5), gaps) AS g
            FROM pw_eval_credential_gaps ORDER BY credential_id`,
    format: 'JSONEachRow',
  });
  return Object.fromEntries((await rs.json<{ credential_id: string; g: Gap[] }>()).map((r) => [r.credential_id, r.g]));
}

describe('credential use gaps from activity days split over several rows', () => {
  it("run from the previous day's last use to the reuse day's first use, before and after the parts merge", async () => {
    const params = detectionParams(validateBoundaryMap({}, 'test'), Date.parse('2027-02-01T00:00:00Z'), plane);
    // Background merges would combine the parts at a time of their choosing: held until the end.
    await store.client.command({ query: 'SYSTEM STOP MERGES pw_activity_days' });
    // Each inner list is one insert, so one part (no merge has run yet). Rows of one day overlap:
    // one row spans the day's first and last use, another lies in between.
    for (const batch of [
      // key_a: on 2026-01-01 used at 06:00 and 22:00 (one row) and at 12:00 (another row); on
      // 2026-06-01 at 15:00 (one row) and at 09:00 and 18:00 (a row on another plane); and 2026-06-02.
      [use('a-jan-early', 'key_a', '2026-01-01T06:00:00Z'), use('a-jan-late', 'key_a', '2026-01-01T22:00:00Z')],
      [use('a-jan-mid', 'key_a', '2026-01-01T12:00:00Z')],
      [use('a-jun-mid', 'key_a', '2026-06-01T15:00:00Z')],
      [use('a-jun-next', 'key_a', '2026-06-02T10:00:00Z')],
      [
        use('a-jun-early', 'key_a', '2026-06-01T09:00:00Z', { plane: 'application' }),
        use('a-jun-late', 'key_a', '2026-06-01T18:00:00Z', { plane: 'application' }),
      ],
      // key_c: its creation on 2026-01-01 reported as it happened, first used on 2026-05-01 (two
      // rows): planewatch watched it from its creation, so the gap runs from the creation.
      [use('c-created', 'key_c', '2026-01-01T00:00:00Z', { action: 'created', createdAt: '2026-01-01T00:00:00Z' })],
      [use('c-may-late', 'key_c', '2026-05-01T18:00:00Z', { createdAt: '2026-01-01T00:00:00Z' })],
      [use('c-may-early', 'key_c', '2026-05-01T07:00:00Z', { createdAt: '2026-01-01T00:00:00Z' })],
      // key_e: created 2026-01-01 but first heard of on 2026-05-01 with that day's use (first contact):
      // the four months before were never observed, so no gap (docs/IDENTITY-MODEL.md).
      [use('e-may', 'key_e', '2026-05-01T07:00:00Z', { createdAt: '2026-01-01T00:00:00Z' })],
      // key_d: created and first used the same day, then used every 30 days: no gap over 90 days.
      [use('d-1', 'key_d', '2026-01-01T12:00:00Z', { createdAt: '2026-01-01T06:00:00Z' })],
      [use('d-2', 'key_d', '2026-01-31T12:00:00Z')],
      [use('d-3', 'key_d', '2026-03-02T12:00:00Z')],
    ])
      await insertRows(store.client, 'identity_events', batch, `gap-days-${randomUUID()}`);

    const expected: Record<string, Gap[]> = {
      key_a: [['2026-01-01 22:00:00.000', '2026-06-01 09:00:00.000', 'a-jun-early', 'raw-a-jun-early', 0]],
      key_c: [['2026-01-01 00:00:00.000', '2026-05-01 07:00:00.000', 'c-may-early', 'raw-c-may-early', 1]],
    };
    const [rows] = await (
      await store.client.query({
        query: `SELECT count() AS n FROM pw_activity_days WHERE entity = 'credential' AND entity_id = 'key_a'`,
        format: 'JSONEachRow',
      })
    ).json<{ n: string }>();
    expect(Number(rows!.n)).toBe(5); // 3 days in 5 rows
    await refreshSnapshot(store.client, params, { mode: 'full' });
    expect(await gaps()).toEqual(expected);

    await store.client.command({ query: 'SYSTEM START MERGES pw_activity_days' });
    await store.client.command({ query: 'OPTIMIZE TABLE pw_activity_days FINAL' });
    await store.client.command({ query: 'OPTIMIZE TABLE pw_credential_state FINAL' });
    await refreshSnapshot(store.client, params, { mode: 'full' });
    expect(await gaps()).toEqual(expected);
  }, 60_000);
});
