// pw_eval_credential_gaps (the costly snapshot table: every credential activity day) is kept across
// a full build whose inputs to it are unchanged (a link change here), and only the credentials
// touched since the previous build are recomputed; a requested full build recomputes every gap.
// On real embedded ClickHouse with the real migrations.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { insertRows } from '../../core/clickhouse/rows.ts';
import { credentialUseRow } from '../helpers/credential-use.ts';
import { validateBoundaryMap } from '../../core/config/load.ts';
import { detectionParams } from '../../store/detections/params.ts';
import { refreshSnapshot, TOUCHED_OVERLAP_MS } from '../../store/read-models/snapshot.ts';
import { resetStore } from '../helpers/scenario/load.ts';
import { migratedStore } from '../helpers/migrated-store.ts';

const plane = (vendor: string) => (vendor === 'workos' ? ('application' as const) : ('platform' as const));

const use = credentialUseRow;

const store = migratedStore('pw-gaps-');

async function gaps(): Promise<Array<[string, Array<[string, string, string, string, number]>]>> {
  const rs = await store.client.query({
    query: `SELECT credential_id, arrayMap(g -> (toString(g.1), toString(g.2), g.3, g.4, g.5), gaps) AS g FROM pw_eval_credential_gaps
            WHERE source = 'openai' ORDER BY credential_id`,
    format: 'JSONEachRow',
  });
  return (await rs.json<{ credential_id: string; g: Array<[string, string, string, string, number]> }>()).map((r) => [
    r.credential_id,
    r.g,
  ]);
}

describe('credential gaps across full snapshot builds', () => {
  it('recomputes the gaps of a credential whose use changed and keeps the untouched ones', async () => {
    await resetStore(store.client);
    const params = detectionParams(validateBoundaryMap({}, 'test'), Date.parse('2027-02-01T00:00:00Z'), plane);
    await insertRows(
      store.client,
      'identity_events',
      [
        use('a1', 'key_a', '2026-01-01T10:00:00Z'),
        use('a2', 'key_a', '2026-07-01T10:00:00Z'),
        use('b1', 'key_b', '2026-01-02T10:00:00Z'),
        use('b2', 'key_b', '2026-08-01T10:00:00Z'),
      ],
      `gaps-${randomUUID()}`,
    );
    // Let these inserts fall out of the touched-keys overlap before the first build's start.
    await new Promise((r) => setTimeout(r, TOUCHED_OVERLAP_MS + 1000));
    const first = await refreshSnapshot(store.client, params);
    expect([first.mode, first.reason, first.gapsKept]).toEqual(['full', 'first snapshot', false]);
    expect(await gaps()).toEqual([
      ['key_a', [['1767261600000', '1782900000000', 'a2', 'raw-a2', 0]]],
      ['key_b', [['1767348000000', '1785578400000', 'b2', 'raw-b2', 0]]],
    ]);
    // Mark key_b's kept row: a build that recomputed it would bring it back.
    await store.client.command({ query: `DELETE FROM pw_eval_credential_gaps WHERE credential_id = 'key_b'` });
    // key_a is used again after a long pause: a second gap (touched: key_a as subject and as credential).
    await insertRows(store.client, 'identity_events', [use('a3', 'key_a', '2027-01-15T10:00:00Z')], `gaps-${randomUUID()}`);
    // A link change forces a full build of the other tables; the gaps' inputs are unchanged.
    const second = await refreshSnapshot(store.client, { ...params, link_refs: ['openai-main:user-x'], link_emails: ['x@acme.example'] });
    expect([second.mode, second.reason, second.gapsKept, second.touched]).toEqual([
      'full',
      'links, directory sources or stale thresholds changed',
      true,
      2,
    ]);
    expect(await gaps()).toEqual([
      [
        'key_a',
        [
          ['1767261600000', '1782900000000', 'a2', 'raw-a2', 0],
          ['1782900000000', '1800007200000', 'a3', 'raw-a3', 0],
        ],
      ],
    ]);
    // A requested full build recomputes every credential's gaps.
    const forced = await refreshSnapshot(store.client, params, { mode: 'full' });
    expect([forced.mode, forced.reason, forced.gapsKept]).toEqual(['full', 'requested', false]);
    expect(await gaps()).toEqual([
      [
        'key_a',
        [
          ['1767261600000', '1782900000000', 'a2', 'raw-a2', 0],
          ['1782900000000', '1800007200000', 'a3', 'raw-a3', 0],
        ],
      ],
      ['key_b', [['1767348000000', '1785578400000', 'b2', 'raw-b2', 0]]],
    ]);
  });
});
