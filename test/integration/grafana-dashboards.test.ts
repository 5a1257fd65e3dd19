// Every panel query of the Grafana dashboards in dashboards/ runs against the real ClickHouse
// engine (embedded chDB) on the seeded scenario, after substituting the ClickHouse data source
// plugin's macros the way the plugin does ($__timeFilter, $__fromTime, $__timeInterval, ...) and
// the dashboard's template variables (their defaults). A macro left over fails the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { evaluate } from '../../services/detector/evaluation/evaluate.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { SOURCES } from '../../sources/registry.ts';
import { buildScenario, DAY, type Scenario } from '../../demo/company/seeded-company.ts';
import { deliver, normalizeAll } from '../helpers/scenario/load.ts';

interface Panel {
  id: number;
  title: string;
  type: string;
  datasource: { type: string; uid: string };
  targets: { refId: string; rawSql: string; datasource: { type: string } }[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query: string }[] };
}

const DIR = path.resolve('dashboards');
const dashboards: [string, Dashboard][] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Dashboard]);

/** The grafana-clickhouse-datasource macros, expanded as the plugin expands them. */
export function expandMacros(sql: string, from: number, to: number, intervalS: number, vars: Record<string, string>): string {
  const s = (ms: number) => Math.floor(ms / 1000);
  let out = sql
    .replace(
      /\$__timeFilter_ms\(([^)]+)\)/g,
      (_, c: string) => `${c} >= fromUnixTimestamp64Milli(${from}) AND ${c} <= fromUnixTimestamp64Milli(${to})`,
    )
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, c: string) => `${c} >= toDateTime(${s(from)}) AND ${c} <= toDateTime(${s(to)})`)
    .replace(
      /\$__timeInterval_ms\(([^)]+)\)/g,
      (_, c: string) => `toStartOfInterval(toDateTime64(${c}, 3), INTERVAL ${intervalS * 1000} millisecond)`,
    )
    .replace(/\$__timeInterval\(([^)]+)\)/g, (_, c: string) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${intervalS} second)`)
    .replace(/\$__fromTime_ms\b/g, `fromUnixTimestamp64Milli(${from})`)
    .replace(/\$__toTime_ms\b/g, `fromUnixTimestamp64Milli(${to})`)
    .replace(/\$__fromTime\b/g, `toDateTime(${s(from)})`)
    .replace(/\$__toTime\b/g, `toDateTime(${s(to)})`)
    .replace(/\$__interval_s\b/g, String(intervalS));
  for (const [k, v] of Object.entries(vars)) out = out.replaceAll(`\${${k}}`, v).replace(new RegExp(`\\$${k}\\b`, 'g'), v);
  return out;
}

let ch: ClickHouse;
let sc: Scenario;
beforeAll(async () => {
  ch = createClickHouse({ dataDir: mkdtempSync(path.join(tmpdir(), 'pw-grafana-')) });
  await migrate(ch.client);
  sc = buildScenario(20261129, { scale: 1 });
  await deliver(ch.client, normalizeAll(sc.envelopes, sc.map));
  await evaluate(ch.client, {
    cache: cacheOf(ch.client),
    detections: loadDetections(),
    map: sc.map,
    now: sc.now,
    defaultPlaneOf: (v) => SOURCES[v]!.defaultPlane,
  });
}, 120_000);
afterAll(async () => {
  await ch?.close();
});

async function runPanel(d: Dashboard, title: string, from: number, to: number): Promise<Record<string, unknown>[]> {
  const p = d.panels.find((x) => x.title === title);
  if (!p) throw new Error(`no panel "${title}"`);
  const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, v.query]));
  const sql = expandMacros(p.targets[0]!.rawSql, from, to, 3600, vars);
  expect(sql, `${title}: a macro or variable was left unexpanded`).not.toMatch(/\$/);
  const rs = await ch.client.query({ query: sql, format: 'JSONEachRow' });
  return rs.json<Record<string, unknown>>();
}

describe('Grafana dashboards', () => {
  it('there is a dashboard, every panel uses the provisioned ClickHouse data source and has SQL', () => {
    expect(dashboards.map(([f]) => f)).toEqual(['planewatch-overview.json']);
    for (const [, d] of dashboards) {
      for (const p of d.panels) {
        expect(p.datasource).toEqual({ type: 'grafana-clickhouse-datasource', uid: 'planewatch-clickhouse' });
        expect(p.targets.length).toBeGreaterThan(0);
        for (const t of p.targets) expect(t.rawSql.trim().length).toBeGreaterThan(20);
      }
    }
  });

  it('every panel query of every dashboard runs on the real engine', async () => {
    for (const [, d] of dashboards) {
      for (const p of d.panels) {
        const rows = await runPanel(d, p.title, sc.now - 200 * DAY, sc.now);
        expect(rows.length, p.title).toBeGreaterThan(0);
      }
    }
  });

  const overview = () => dashboards.find(([f]) => f === 'planewatch-overview.json')![1];

  it('open findings by severity and plane', async () => {
    expect(await runPanel(overview(), 'Open findings by severity', sc.now - 200 * DAY, sc.now)).toEqual([
      { plane: 'application', severity: 'critical', findings: '1' },
      { plane: 'application', severity: 'high', findings: '3' },
      { plane: 'application', severity: 'medium', findings: '2' },
      { plane: 'application', severity: 'low', findings: '1' },
      { plane: 'platform', severity: 'critical', findings: '2' },
      { plane: 'platform', severity: 'high', findings: '11' },
      { plane: 'platform', severity: 'medium', findings: '3' },
      { plane: 'platform', severity: 'low', findings: '1' },
    ]);
  });

  it('deprovisioning lag against the SLA, for the dashboard time range', async () => {
    const rows = await runPanel(
      overview(),
      'Deprovisioning lag vs SLA (removals after a deprovision signal in the time range)',
      Date.parse('2026-01-01T12:00:00Z'),
      sc.now,
    );
    // the same figures as the lag statistics (API /api/v1/lag): application 2 units removed within the
    // SLA (a customer leaver's unit is her tenant membership), 1 pending; platform 6 removed (1 after
    // the 24 h SLA), 6 pending
    expect(rows).toEqual([
      { plane: 'application', bucket: '<= SLA/4', items: '2' },
      { plane: 'application', bucket: 'pending', items: '1' },
      { plane: 'platform', bucket: '<= SLA/4', items: '2' },
      { plane: 'platform', bucket: 'SLA/4 .. SLA', items: '3' },
      { plane: 'platform', bucket: '> SLA (breach)', items: '1' },
      { plane: 'platform', bucket: 'pending', items: '6' },
    ]);
  });

  it('overdue removals, stale/orphaned credentials, boundary crossings, source health', async () => {
    const o = overview();
    const range = [sc.now - 200 * DAY, sc.now] as const;
    expect((await runPanel(o, 'Overdue removals', ...range)).map((r) => r.fingerprint)).toEqual([
      '01eb643f7cb5cee4450f9abcc3effe71',
      '8f2d2dbddc2ffeef90ab1b3e9ba56d30',
      'c0d0205af1c5d99cdb4a606d95d44199',
      'becc837907302934eb476dd7dbb9d088',
    ]);
    expect(
      (await runPanel(o, 'Stale and orphaned credentials', ...range)).map(
        (r) => `${r.detection} ${r.credential_id} ${r.owner_id} ${r.last_used}`,
      ),
    ).toEqual([
      'PW-ORPHANED-CREDENTIAL key_JHQ5HA4AHS user-AMNBS0CZNK 2026-07-05 10:55:45.000',
      'PW-ORPHANED-CREDENTIAL key_R7JZB52JE2 user-0Y7VR18TP7 2026-07-03 10:53:30.000',
      'PW-STALE-CREDENTIAL key_KAQQD7R1X3 user-8C9FX9WK73 null',
      'PW-STALE-CREDENTIAL key_N5ZSRX1XDD user-8C9FX9WK73 2026-03-22 12:00:00.000',
      'PW-STALE-CREDENTIAL-REUSED key_VN2J85M03C user-8C9FX9WK73 2026-07-19 12:00:00.000',
    ]);
    expect((await runPanel(o, 'Boundary crossings', ...range)).map((r) => `${r.detection} ${r.subject_id}`)).toEqual([
      'PW-CUSTOMER-IN-PLATFORM user-AKWZ6CYD58',
      'PW-PLATFORM-IN-TENANT user_9952Z5GFEX',
    ]);
    expect(await runPanel(o, 'Source health', ...range)).toEqual([
      {
        source: 'openai',
        connection_id: 'openai-main',
        last_delivery: '2026-07-20 11:55:00.002',
        minutes_since_last: '5',
        deliveries_in_range: '61',
        dead_letters_in_range: '0',
      },
      {
        source: 'workos',
        connection_id: 'workos-eu',
        last_delivery: '2026-07-17 12:00:09.000',
        minutes_since_last: '4320',
        deliveries_in_range: '1',
        dead_letters_in_range: '0',
      },
      {
        source: 'workos',
        connection_id: 'workos-main',
        last_delivery: '2026-07-20 11:30:23.000',
        minutes_since_last: '30',
        deliveries_in_range: '44',
        dead_letters_in_range: '0',
      },
    ]);
    // No GitHub source in the scenario: every plane still has its row, with nothing exposed.
    expect(
      await runPanel(o, 'Credential exposures (GitHub secret scanning found in the time range): revocation vs exposure SLA', ...range),
    ).toEqual([
      { plane: 'application', exposures: '0', revoked: '0', still_active: '0', unmatched: '0', revoked_after_sla: '0', p50_hours: null },
      { plane: 'platform', exposures: '0', revoked: '0', still_active: '0', unmatched: '0', revoked_after_sla: '0', p50_hours: null },
    ]);
    // cross-check against the scenario: distinct deliveries (identical inventory pages share a raw id) received in the range
    const inRange = (conn: string) =>
      new Set(
        sc.envelopes.filter((e) => e.connection_id === conn && e.received_at >= range[0] && e.received_at <= range[1]).map((e) => e.id),
      ).size;
    expect([inRange('openai-main'), inRange('workos-eu'), inRange('workos-main')]).toEqual([61, 1, 44]);
  });
});
