// The snapshot build aggregates the state tables in key order (store/read-models/snapshot.ts
// BUILD_SETTINGS), which cannot spill to disk. When that exceeds the memory bound (seen at 10 M
// stored events under live ingest), the table's build step is redone from its start with the
// caller's settings (hash aggregation, spilling) and stays so in this process. Forced here with a
// 64 KiB memory limit (every allocation tracked) on the in-order attempt only: every table falls back, nothing the failed
// attempt may have written survives (row counts equal the views'), the snapshot equals the views,
// and the evaluation still finds the scenario's ground truth. Real embedded ClickHouse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { evaluate } from '../../services/detector/evaluation/evaluate.ts';
import { EVALUATION_SETTINGS } from '../../services/detector/evaluation/run-detection.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { listFindings } from '../../store/findings/findings.ts';
import { BUILD_SETTINGS, refreshSnapshot } from '../../store/read-models/snapshot.ts';
import { compareSnapshotWithViews } from '../helpers/scenario/snapshot-vs-views.ts';
import { detectionParams } from '../../store/detections/params.ts';
import { SOURCES } from '../../sources/registry.ts';
import { buildScenario, type Scenario } from '../../demo/company/seeded-company.ts';
import { deliver, normalizeAll, resetStore, type Normalized } from '../helpers/scenario/load.ts';
import { rng } from '../../demo/company/random.ts';

let ch: ClickHouse;
let sc: Scenario;
let items: Normalized[];
const defaultPlaneOf = (vendor: string) => SOURCES[vendor]!.defaultPlane;
const ALL_TABLES = ['pw_eval_accounts', 'pw_eval_credential_gaps', 'pw_eval_credentials', 'pw_eval_people', 'pw_eval_person_accounts'];

beforeAll(async () => {
  ch = createClickHouse({ dataDir: mkdtempSync(path.join(tmpdir(), 'pw-snapshot-fallback-')) });
  await migrate(ch.client);
  sc = buildScenario(20261130, { scale: 1 });
  items = normalizeAll(sc.envelopes, sc.map);
});
afterAll(async () => {
  await ch?.close();
});

async function snapshotEqualsViews(): Promise<void> {
  for (const c of await compareSnapshotWithViews(ch.client, sc.map, sc.now, defaultPlaneOf)) {
    expect({ table: c.table, n: c.n, only_snapshot: c.only_snapshot, only_view: c.only_view }).toEqual({
      table: c.table,
      n: c.n_view,
      only_snapshot: '0',
      only_view: '0',
    });
    expect(Number(c.n)).toBeGreaterThan(0);
  }
}

describe('snapshot build over the memory bound', () => {
  it('falls back to the spilling aggregation per table, with no partial rows left, and stays correct', async () => {
    await resetStore(ch.client);
    const shuffled = rng(7).shuffle(items);
    const cut = Math.floor(shuffled.length * 0.9);
    await deliver(ch.client, shuffled.slice(0, cut));
    const params = detectionParams(sc.map, sc.now, defaultPlaneOf);

    const first = await refreshSnapshot(ch.client, params, {
      mode: 'full',
      settings: EVALUATION_SETTINGS,
      buildSettings: { ...BUILD_SETTINGS, max_memory_usage: '65536', max_untracked_memory: '1' },
    });
    expect([...first.spilled].sort()).toEqual(ALL_TABLES);
    await snapshotEqualsViews();

    // Later builds in this process go straight to the spilling aggregation for those tables.
    await deliver(ch.client, shuffled.slice(cut));
    const second = await refreshSnapshot(ch.client, params, { mode: 'incremental', settings: EVALUATION_SETTINGS });
    expect(second.mode).toBe('incremental');
    expect(second.touched).toBeGreaterThan(0);
    expect([...second.spilled].sort()).toEqual(ALL_TABLES);
    await snapshotEqualsViews();

    const detections = loadDetections();
    const r = await evaluate(ch.client, { cache: cacheOf(ch.client), detections, map: sc.map, now: sc.now, defaultPlaneOf });
    expect(r.errors).toEqual([]);
    const open = (await listFindings(ch.client, { status: 'open' })).map(
      (f) => `${f.detection}|${f.subject.kind}|${f.subject.id}|${f.tenant ?? ''}`,
    );
    expect(open.sort()).toEqual([...sc.truth(sc.now)].sort());
  }, 120_000);
});
