// The report and the detector agree: on the boundary-report scenario (embedded ClickHouse, no
// broker) the report's detection queries — the detections' own SQL over the live views — return,
// at the report's as-of time, exactly the findings the detector opens when it evaluates at that
// time from its pw_eval_* snapshot. The report is built BEFORE any evaluation (the snapshot tables
// are still empty), so it cannot be reading them, and building it writes nothing to them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { parseBoundaryMap } from '../../core/config/load.ts';
import { evaluate } from '../../services/detector/evaluation/evaluate.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { listFindings } from '../../store/findings/findings.ts';
import { fingerprintOf } from '../../store/findings/lifecycle.ts';
import { DetectionRowSchema, loadDetections } from '../../store/detections/metadata.ts';
import { buildBoundaryReport, REPORT_DETECTIONS, type BoundaryReport } from '../../store/reports/boundary-report.ts';
import { parseReportPeriod } from '../../store/reports/period.ts';
import { SOURCES } from '../../sources/registry.ts';
import { deliver, normalizeAll } from '../helpers/scenario/load.ts';
import { boundaryReportScenario, NOW } from '../helpers/scenario/boundary-report-scenario.ts';

let ch: ClickHouse;
let map: BoundaryMap;
let report: BoundaryReport;
const sc = boundaryReportScenario('agree1');
const defaultPlaneOf = (v: string) => SOURCES[v]!.defaultPlane;
const count = async (table: string) => {
  const rs = await ch.client.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: string }>())[0]!.n);
};
const SNAPSHOT_TABLES = [
  'pw_eval_snapshots',
  'pw_eval_accounts',
  'pw_eval_person_accounts',
  'pw_eval_people',
  'pw_eval_credentials',
  'pw_eval_credential_gaps',
];

beforeAll(async () => {
  ch = createClickHouse({ dataDir: path.join(mkdtempSync(path.join(tmpdir(), 'pw-report-agree-')), 'clickhouse') });
  await migrate(ch.client);
  map = parseBoundaryMap(sc.configYaml, 'scenario.yaml');
  await deliver(ch.client, normalizeAll(sc.envelopes, map));
  report = await buildBoundaryReport(ch.client, map, defaultPlaneOf, {
    period: parseReportPeriod('2026-Q3'),
    now: NOW,
    wallClock: () => NOW,
  });
}, 120_000);
afterAll(async () => {
  await ch?.close();
});

/** Rows of the report's query for one detection, as the detector would fingerprint them: detection → sorted "fingerprint subject". */
async function reportRows(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const id of REPORT_DETECTIONS) {
    const trace = report.queries.find((q) => q.id === `detection:${id}`)!;
    const rs = await ch.client.query({ query: trace.sql, query_params: trace.params, format: 'JSONEachRow' });
    out[id] = (await rs.json<Record<string, unknown>>())
      .map((r) => DetectionRowSchema.parse(r))
      .map((r) => `${fingerprintOf(id, r)} ${r.subject_id}`)
      .sort();
  }
  return out;
}

describe('report detection queries vs the detector', () => {
  it('run on the live views: built with the snapshot tables empty, and leaves them so', async () => {
    expect(await Promise.all(SNAPSHOT_TABLES.map(count))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(
      report.queries.filter((q) => q.id.startsWith('detection:') && /\bpw_eval_/.test(q.sql.replace(/--[^\n]*/g, ''))).map((q) => q.id),
    ).toEqual([]);
  });

  it('find what the scenario was built to show, and exactly the findings the detector opens at the same time', async () => {
    const live = await reportRows();
    const subjects = Object.fromEntries(Object.entries(live).map(([id, rows]) => [id, rows.map((r) => r.split(' ')[1]).sort()]));
    const { ids } = sc;
    expect(subjects).toEqual({
      'PW-UNMANAGED-ACCOUNT': [ids.oaiC],
      'PW-PROVISIONING-DISABLED': [],
      'PW-DEPROV-OVERDUE': [ids.keyL1, ids.oaiL1].sort(),
      'PW-ACTIVITY-AFTER-DEPROVISION': [],
      'PW-STALE-CREDENTIAL': [],
      'PW-ORPHANED-CREDENTIAL': [ids.keyL1],
      'PW-SOURCE-SILENT': [ids.wf],
      'PW-CUSTOMER-IN-PLATFORM': [],
      'PW-PLATFORM-IN-TENANT': [],
      'PW-NHI-HUMAN-ACTION': [],
    });

    const detections = loadDetections({ customDir: map.detections.custom_dir, disabled: map.detections.disabled });
    const result = await evaluate(ch.client, { cache: cacheOf(ch.client), detections, map, now: NOW, defaultPlaneOf, snapshot: 'full' });
    expect(result.errors).toEqual([]);
    expect(await count('pw_eval_accounts')).toBeGreaterThan(0);
    const open = await listFindings(ch.client, { status: 'open' });
    const detector = Object.fromEntries(
      REPORT_DETECTIONS.map((id) => [
        id,
        open
          .filter((f) => f.detection === id)
          .map((f) => `${f.fingerprint} ${f.subject.id}`)
          .sort(),
      ]),
    );
    expect(live).toEqual(detector);
  });
});
