// The boundary report end to end: a small scenario with known answers (test/helpers/scenario/
// boundary-report-scenario.ts) goes through the real broker, normalizer and sink into embedded
// ClickHouse; the report reads "proven" for provisioning and deprovisioning on the application
// plane (directory connected, removals within SLA) and "not proven" on the platform plane (silent
// directory, an unmanaged account, overdue removals), with literal figures and the accounts listed.
// Delivered in order, shuffled, and shuffled with duplicates, the report is the same. Then the API
// (json, html, tenant-scoped token, scopes, bad input) and the CLI (through the running API).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { rawEnvelopePublisher } from '../../services/collector/publish.ts';
import { SOURCES } from '../../sources/registry.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import { clearRunInfo, writeRunInfo } from '../../core/run-file.ts';
import { buildBoundaryReport, type BoundaryReport } from '../../store/reports/boundary-report.ts';
import { parseReportPeriod } from '../../store/reports/period.ts';
import type { Control } from '../../store/reports/types.ts';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { normalizeAll, resetStore } from '../helpers/scenario/load.ts';
import { boundaryReportScenario, NOW, type BoundaryReportScenario } from '../helpers/scenario/boundary-report-scenario.ts';

const TENANT_TOKEN = `tenant-${randomUUID()}`;
let t: TestPipeline;
let sc: BoundaryReportScenario;
let inOrder: BoundaryReport;

const period = parseReportPeriod('2026-Q3');
const report = () => buildBoundaryReport(t.rt.clickhouse, t.rt.config.map, (v) => SOURCES[v]!.defaultPlane, { period, now: NOW });
const withoutTime = (r: BoundaryReport) => ({ ...r, generated_at: '(varies)' });

function control(r: BoundaryReport, plane: string, tenant: string | null, id: string): Control {
  const s = r.sections.find((x) => x.plane === plane && x.tenant === tenant);
  if (!s) throw new Error(`no section ${plane}/${tenant}`);
  return s.controls.find((c) => c.id === id)!;
}
const figures = (c: Control) => Object.fromEntries(c.figures.map((f) => [f.name, f.value]));
const listed = (c: Control) => c.items.map((i) => `${i.kind} ${i.source}:${i.id}${i.email ? ` <${i.email}>` : ''}`);

/** Publishes the envelopes as the collector / poll runner would and waits until ClickHouse holds them all. */
async function ingest(envs: readonly RawEnvelope[]): Promise<void> {
  await resetStore(t.rt.clickhouse);
  const publish = rawEnvelopePublisher(t.rt.producer);
  for (const e of envs) await publish(e);
  const conns = [sc.ids.wf, sc.ids.app, sc.ids.oai];
  const distinct = new Set(sc.envelopes.map((e) => e.id)).size;
  // What the real normalizer makes of them (distinct by stable event id).
  const expectedEvents = new Set(normalizeAll(sc.envelopes, t.rt.config.map).flatMap((n) => n.rows.map((r) => `${r.source}|${r.event_id}`)))
    .size;
  await t.waitStored(
    async () => {
      const [c] = await t.query<{ raws: string; events: string }>(
        `SELECT (SELECT count() FROM raw_envelopes FINAL WHERE has({c:Array(String)}, connection_id)) AS raws,
              (SELECT count() FROM identity_events FINAL WHERE has({c:Array(String)}, connection_id)) AS events`,
        { c: conns },
      );
      return Number(c!.raws) === distinct && Number(c!.events) === expectedEvents ? true : undefined;
    },
    'every scenario envelope and event in ClickHouse',
    90_000,
  );
  const dead = await t.query<{ n: string }>('SELECT count() AS n FROM dead_letters FINAL WHERE has({c:Array(String)}, connection_id)', {
    c: conns,
  });
  expect(dead).toEqual([{ n: '0' }]);
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

beforeAll(async () => {
  sc = boundaryReportScenario(randomUUID().slice(0, 8), { tenantToken: TENANT_TOKEN });
  // api.tokens values are read from the process environment when the API starts.
  for (const [k, v] of Object.entries(sc.env)) if (k.startsWith('TENANT_TOKEN_')) process.env[k] = v;
  t = await startTestPipeline({ configYaml: sc.configYaml, env: sc.env, ackTimeoutMs: 15_000 });
  await ingest(sc.envelopes);
  inOrder = await report();
}, 180_000);
afterAll(async () => {
  await t?.stop();
  for (const k of Object.keys(sc?.env ?? {})) if (k.startsWith('TENANT_TOKEN_')) delete process.env[k];
});

describe('boundary report on scenario data with known answers', () => {
  it('application plane: SCIM connected, removals within SLA → provisioning and deprovisioning proven', () => {
    const prov = control(inOrder, 'application', null, 'provisioning');
    expect(prov.status).toBe('proven');
    expect(figures(prov)).toEqual({
      // One active unit: A1's Globex membership (her AuthKit user is a login account, no unit).
      directory_events: 4,
      directory_connections: 1,
      directory_connections_delivering: 1,
      provisioning_disabled: 0,
      active_accounts: 1,
      managed_accounts: 1,
      unmanaged_accounts: 0,
      managed_share: 1,
    });
    expect(prov.items).toEqual([]);
    const deprov = control(inOrder, 'application', null, 'deprovisioning');
    expect(deprov.status).toBe('proven');
    expect(figures(deprov)).toEqual({
      // A2's one unit, her Globex membership, removed 3 h after her directory deleted her.
      leavers: 1,
      items: 1,
      removed: 1,
      removed_within_sla: 1,
      within_sla_share: 1,
      breaches: 0,
      pending: 0,
      overdue: 0,
      lag_p50_ms: 10_800_000,
      lag_p90_ms: 10_800_000,
      lag_max_ms: 10_800_000,
      sla_ms: 259_200_000,
      activity_after_deprovision: 0,
    });
    const auth = control(inOrder, 'application', null, 'authentication');
    expect(auth.status).toBe('proven');
    expect(figures(auth)).toMatchObject({ sign_ins: 1, sso: 1, sso_share: 1, unmanaged_sign_ins: 0, mfa_share: null });
    expect(control(inOrder, 'application', null, 'credentials').status).toBe('not_applicable');
    expect(control(inOrder, 'application', null, 'separation').status).toBe('proven');
    const audit = control(inOrder, 'application', null, 'audit_trail');
    expect(audit.status).toBe('partly');
    expect(figures(audit)).toMatchObject({
      expected_sources: 1,
      sources_delivering: 1,
      sources_silent_at_end: 0,
      gaps: 2,
      dead_letters: 0,
    });
  });

  it('platform plane: silent directory, unmanaged account, overdue removal → not proven, with the figures and accounts', () => {
    const prov = control(inOrder, 'platform', null, 'provisioning');
    expect(prov.status).toBe('not_proven');
    expect(prov.reason).toBe(`the directory source ${sc.ids.wf} went silent before the end of the period`);
    expect(figures(prov)).toEqual({
      // S, L1, C and the IT admin (an employee known in OpenAI as the audit log's actor); C is unmanaged.
      directory_events: 7,
      directory_connections: 1,
      directory_connections_delivering: 0,
      provisioning_disabled: 0,
      active_accounts: 4,
      managed_accounts: 3,
      unmanaged_accounts: 1,
      managed_share: 0.75,
    });
    expect(listed(prov)).toEqual([
      `directory_source_silent workos:${sc.ids.wf}`,
      `unmanaged_account openai:${sc.ids.oaiC} <${sc.ids.emailC}>`,
    ]);
    expect(prov.items.every((i) => /^[0-9a-f]{32}$/.test(i.fingerprint ?? ''))).toBe(true);

    const deprov = control(inOrder, 'platform', null, 'deprovisioning');
    expect(deprov.status).toBe('not_proven');
    expect(figures(deprov)).toEqual({
      leavers: 2,
      items: 3,
      removed: 1,
      removed_within_sla: 1,
      within_sla_share: 0.3333,
      breaches: 0,
      pending: 2,
      overdue: 2,
      lag_p50_ms: 7_200_000,
      lag_p90_ms: 7_200_000,
      lag_max_ms: 7_200_000,
      sla_ms: 86_400_000,
      activity_after_deprovision: 0,
    });
    expect(listed(deprov)).toEqual([
      `overdue_removal openai:${sc.ids.oaiL1} <${sc.ids.emailL1}>`,
      `overdue_removal openai:${sc.ids.keyL1} <${sc.ids.emailL1}>`,
    ]);
    expect(deprov.items.map((i) => i.detail.pending_ms)).toEqual(['259200000', '259200000']);

    const auth = control(inOrder, 'platform', null, 'authentication');
    expect(auth.status).toBe('not_proven');
    expect(figures(auth)).toMatchObject({ sign_ins: 2, sso: 0, unknown_method: 2, sso_share: 0, unmanaged_sign_ins: 1 });
    expect(listed(auth)).toEqual([`unmanaged_sign_in openai:${sc.ids.oaiC} <${sc.ids.emailC}>`]);

    const creds = control(inOrder, 'platform', null, 'credentials');
    expect(creds.status).toBe('not_proven');
    expect(figures(creds)).toEqual({
      active_credentials: 2,
      'kind:project_key': 2,
      living_owner: 1,
      living_owner_share: 0.5,
      stale: 0,
      orphaned: 1,
      oldest_unused: `openai:${sc.ids.keyL1}`,
      oldest_unused_since: '2026-09-15T12:00:00.000Z',
    });
    expect(listed(creds)).toEqual([`orphaned_credential openai:${sc.ids.keyL1} <${sc.ids.emailL1}>`]);

    const audit = control(inOrder, 'platform', null, 'audit_trail');
    expect(audit.status).toBe('not_proven');
    expect(figures(audit)).toMatchObject({
      expected_sources: 1,
      sources_delivering: 1,
      sources_silent_at_end: 1,
      gaps: 3,
      dead_letters: 0,
    });
    expect(listed(audit)).toEqual([`silent_source workos:${sc.ids.wf}`]);
    expect(control(inOrder, 'platform', null, 'separation').status).toBe('proven');
  });

  it('the tenant of the application plane has its own section', () => {
    expect(inOrder.sections.map((s) => `${s.plane}/${s.tenant ?? '*'}`)).toEqual([
      'platform/*',
      'application/*',
      `application/${sc.ids.org}`,
    ]);
    const deprov = control(inOrder, 'application', sc.ids.org, 'deprovisioning');
    expect(deprov.status).toBe('proven');
    expect(figures(deprov)).toMatchObject({ leavers: 1, items: 1, removed: 1, lag_max_ms: 10_800_000 });
    expect(control(inOrder, 'application', sc.ids.org, 'provisioning').status).toBe('proven');
  });

  it('carries the period, the sources with their coverage, the thresholds and the SQL of every figure', () => {
    expect(inOrder.period).toEqual({
      label: '2026-Q3',
      from: '2026-07-01T00:00:00.000Z',
      to: '2026-10-01T00:00:00.000Z',
      observed_to: '2026-09-20T12:00:00.000Z',
    });
    expect(inOrder.as_of).toBe('2026-09-20T12:00:00.000Z');
    expect(inOrder.sources.map((s) => [s.connection_id, s.deliveries, s.silent_at_end, s.last_delivery_at])).toEqual([
      [sc.ids.app, 11, false, '2026-09-20T10:00:01.000Z'],
      [sc.ids.wf, 7, true, '2026-09-17T12:00:01.000Z'], // activation, four employees, two leavers
    ]);
    const ids = new Set(inOrder.queries.map((q) => q.id));
    for (const s of inOrder.sections)
      for (const c of s.controls)
        for (const f of c.figures) for (const q of f.queries) expect(ids.has(q), `${c.id}.${f.name} → ${q}`).toBe(true);
    const lag = inOrder.queries.find((q) => q.id === 'lag_items')!;
    expect(lag.sql).toContain('pw_lag_items('); // the one definition of a lag item (migration 0014)
    expect(lag.params).toMatchObject({
      from_ms: Date.UTC(2026, 6, 1),
      to_ms: Date.UTC(2026, 9, 1),
      scope_conn_ids: [sc.ids.wf, sc.ids.app, sc.ids.oai],
    });
  });

  it('is the same report when the events arrive shuffled, and shuffled with duplicates', async () => {
    await ingest(shuffled(sc.envelopes, 7));
    expect(withoutTime(await report())).toEqual(withoutTime(inOrder));
    const dup = shuffled([...sc.envelopes, ...sc.envelopes, ...sc.envelopes.filter((_, i) => i % 3 === 0)], 11);
    await ingest(dup);
    expect(withoutTime(await report())).toEqual(withoutTime(inOrder));
  }, 240_000);
});

describe('GET /api/v1/reports/boundaries', () => {
  const get = (query: string, token = t.apiToken) =>
    fetch(`${t.pipeline.url}/api/v1/reports/boundaries?${query}`, { headers: { authorization: `Bearer ${token}` } });

  it('answers the same report as JSON, and as a self-contained HTML page', async () => {
    const res = await get('period=2026-Q3&now=2026-09-20T12:00:00Z');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: BoundaryReport };
    expect(withoutTime(body.data)).toEqual(withoutTime(inOrder));
    const html = await get('period=2026-Q3&now=2026-09-20T12:00:00Z&format=html&plane=platform');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const text = await html.text();
    expect(text).toContain('<h1>Boundary report 2026-Q3</h1>');
    expect(text).not.toMatch(/(src|href)="https?:/);
  });

  it("a tenant-scoped token sees only its tenant's application-plane report", async () => {
    const own = await get('period=2026-Q3&now=2026-09-20T12:00:00Z', TENANT_TOKEN);
    expect(own.status).toBe(200);
    const r = ((await own.json()) as { data: BoundaryReport }).data;
    expect(r.scope).toEqual({ planes: ['application'], tenant: sc.ids.org });
    expect(r.sections.map((s) => `${s.plane}/${s.tenant}`)).toEqual([`application/${sc.ids.org}`]);
    expect(JSON.stringify(r.sections)).not.toContain(sc.ids.emailC);
    expect((await get('period=2026-Q3&plane=platform', TENANT_TOKEN)).status).toBe(403);
    expect((await get('period=2026-Q3&tenant=org_OTHER', TENANT_TOKEN)).status).toBe(403);
    const noScope = await get('period=2026-Q3', `${TENANT_TOKEN}-noexport`);
    expect(noScope.status).toBe(403);
    expect(((await noScope.json()) as { error: { message: string } }).error.message).toBe('token "no-export" lacks the "export" scope');
  });

  it('rejects a bad period, plane or format with 400 naming the field', async () => {
    const bad = await get('period=2026-Q5');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe(
      'period: expected 2026-Q3 (quarter), 2026-07 (month), 2026 (year) or 2026-07-01..2026-10-01 (ISO dates, from inclusive, to exclusive); got "2026-Q5"',
    );
    expect((await get('period=2026-Q3&plane=both')).status).toBe(400);
    expect((await get('period=2026-Q3&format=pdf')).status).toBe(400);
    expect((await get('')).status).toBe(400);
    expect((await fetch(`${t.pipeline.url}/api/v1/reports/boundaries?period=2026-Q3`)).status).toBe(401);
  });
});

describe('planewatch report boundaries (CLI through the running API)', () => {
  function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [path.resolve('bin/planewatch.js'), ...args],
        {
          env: {
            PATH: process.env.PATH,
            PLANEWATCH_CONFIG: path.join(t.dataDir, 'planewatch.yaml'),
            PLANEWATCH_DATA_DIR: t.dataDir,
            PLANEWATCH_LOG_LEVEL: 'silent',
            ...sc.env,
          },
          timeout: 120_000,
        },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  }

  it('prints the planes side by side, writes json / csv / html, and exits 2 on bad usage', async () => {
    writeRunInfo(t.dataDir, { pid: process.pid, url: t.pipeline.url, startedAt: new Date().toISOString() }, t.apiToken);
    const now = ['--now', '2026-09-20T12:00:00Z'];
    const table = await cli('report', 'boundaries', '--period', '2026-Q3', ...now);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toBe(
      'Boundary report 2026-Q3: [2026-07-01T00:00:00.000Z, 2026-10-01T00:00:00.000Z), observed to 2026-09-20T12:00:00.000Z',
    );
    expect(lines.find((l) => l.startsWith('CONTROL'))).toMatch(/^CONTROL +platform plane +application plane$/);
    expect(lines.find((l) => l.startsWith('Provisioning'))).toMatch(/^Provisioning +NOT PROVEN +PROVEN$/);
    expect(lines.find((l) => l.startsWith('Deprovisioning'))).toMatch(/^Deprovisioning +NOT PROVEN +PROVEN$/);
    expect(table.stdout).toMatch(/pending longer than the SLA +2 +pending longer than the SLA +0/);

    const json = await cli('report', 'boundaries', '--period', '2026-Q3', '--plane', 'application', '--format', 'json', ...now);
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout) as BoundaryReport;
    expect(r.sections.map((s) => `${s.plane}/${s.tenant ?? '*'}`)).toEqual(['application/*', `application/${sc.ids.org}`]);

    const csv = await cli('report', 'boundaries', '--period', '2026-Q3', '--format', 'csv', ...now);
    const rows = csv.stdout.trim().split('\r\n');
    expect(rows[0]).toBe('period,plane,tenant,control,status,figure,label,value,unit,queries');
    expect(rows).toContain('2026-Q3,platform,,deprovisioning,not_proven,overdue,pending longer than the SLA,2,count,lag_items');
    expect(rows).toContain(
      '2026-Q3,application,,provisioning,proven,managed_share,share of active accounts that are directory-managed,1,ratio,accounts',
    );

    const out = path.join(t.dataDir, 'report.html');
    const html = await cli('report', 'boundaries', '--period', '2026-07-01..2026-10-01', '--format', 'html', '--out', out, ...now);
    expect(html.code).toBe(0);
    expect(html.stderr).toBe(`planewatch report boundaries: wrote ${out}\n`);

    const bad = await cli('report', 'boundaries', '--period', 'last-quarter');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('period: expected 2026-Q3 (quarter)');
    // Without --period: the calendar quarter --now falls in (2026-09-20 → 2026-Q3).
    const dflt = await cli('report', 'boundaries', '--format', 'json', ...now);
    expect(dflt.code).toBe(0);
    expect((JSON.parse(dflt.stdout) as { period: { label: string } }).period.label).toBe('2026-Q3');
    expect((await cli('report', 'boundaries', '--period', '2026-Q3', '--plane', 'platform', '--tenant', sc.ids.org)).code).toBe(2);
    clearRunInfo(t.dataDir);
  }, 300_000);
});
