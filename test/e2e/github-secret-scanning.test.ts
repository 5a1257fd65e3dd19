// GitHub secret scanning through the real pipeline: an OpenAI key in the OpenAI inventory (poll
// runner against a local vendor API server), a signed `secret_scanning_alert` webhook for it
// (collector), the alert fetched from the same local server playing GitHub's REST API (its
// `secret` reduced to a fingerprint before anything is published) → Kafka → normalizer → sink →
// embedded ClickHouse → detector. PW-EXPOSED-CREDENTIAL-ACTIVE opens; the key is revoked (gone from
// the next complete inventory) → the finding resolves and exposure lag counts one removal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { json, startVendorApiServer, type VendorApiServer } from '../../demo/vendor-api-server.ts';
import { signGithubPayload } from '../../sources/github/webhook.ts';
import { writeRunInfo } from '../../core/run-file.ts';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { listFindings } from '../../store/findings/findings.ts';
import { exposureLag } from '../../store/lag/exposure-lag.ts';

const run = randomUUID().slice(0, 8);
const WEBHOOK_SECRET = `gh-hook-${run}`;
const GITHUB_TOKEN = `ghp_test_${run}`;
const OPENAI_KEY = `sk-admin-test-${run}`;
// The leaked key: never stored anywhere; what OpenAI shows of it is "sk-proj-PLAN...Qx7Z".
const LEAKED = ['sk', 'proj', 'PLANTEDgh7a9Zt2LmQw4Rv8Xy1Ks6Np3Bd5Fg0Hj2Qx7Z'].join('-'); // a planted fake, built so no scanner takes it for a key
const KEY_ID = `key_${run}_leaked`;
const HOUR = 3_600_000;
const NOW = Date.now();
const EXPOSED_AT = new Date(Math.floor((NOW - 3 * HOUR) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const BASE = Math.floor(NOW / 1000) - 30 * 86400;

const fixture = (name: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/github/${name}`, import.meta.url)), 'utf8')) as Record<string, any>;
const list = (data: unknown[]) => ({ object: 'list', data, first_id: null, last_id: null, has_more: false });
const leakedKey = {
  object: 'organization.project.api_key',
  id: KEY_ID,
  name: 'ci',
  redacted_value: 'sk-proj-PLAN...Qx7Z',
  created_at: BASE,
  last_used_at: BASE,
  owner_project_access: 'active',
  owner: { type: 'user', user: { id: `user-${run}`, email: 'dev@acme.example', name: 'Dev', role: 'owner' } },
};
const otherKey = { ...leakedKey, id: `key_${run}_other`, name: 'other', redacted_value: 'sk-proj-Zzzz...AAAA' };
const KEYS = '/v1/organization/projects/proj_a/api_keys';

let api: VendorApiServer;
let t: TestPipeline;
let clock = NOW;

beforeAll(async () => {
  api = await startVendorApiServer();
  // OpenAI: an empty audit log, and an inventory of one project with two keys.
  api.route({ path: '/v1/organization/audit_logs' }, [json(list([]))]);
  api.route({ path: '/v1/organization/users' }, [json(list([]))]);
  api.route({ path: '/v1/organization/admin_api_keys' }, [json(list([]))]);
  api.route({ path: '/v1/organization/projects' }, [
    json(list([{ object: 'organization.project', id: 'proj_a', name: 'Prod', created_at: BASE, status: 'active' }])),
  ]);
  api.route({ path: '/v1/organization/projects/proj_a/users' }, [json(list([]))]);
  api.route({ path: '/v1/organization/projects/proj_a/service_accounts' }, [json(list([]))]);
  api.route({ path: KEYS }, [json(list([leakedKey, otherKey]))]);
  // GitHub: the alert, with its secret, as GET /repos/{owner}/{repo}/secret-scanning/alerts/{number} returns it.
  api.route({ path: '/repos/acme/app/secret-scanning/alerts/42', headers: { authorization: `Bearer ${GITHUB_TOKEN}` } }, [
    json({ ...fixture('repo-alert-42.json'), created_at: EXPOSED_AT, updated_at: EXPOSED_AT, secret: LEAKED }),
  ]);

  process.env.TEST_GH_OPENAI_KEY = OPENAI_KEY;
  process.env.TEST_GH_TOKEN = GITHUB_TOKEN;
  t = await startTestPipeline({
    configYaml: `
planes:
  platform: { grace: 1h, exposure_sla: 24h }
connections:
  - id: openai-main
    vendor: openai
    transport: poll
    api_key_env: TEST_GH_OPENAI_KEY
    base_url: ${api.url}/v1
    poll_interval: 1h
    inventory_interval: 1h
  - id: github-main
    vendor: github
    transport: webhook
    secret_env: TEST_GH_WEBHOOK_SECRET
    api_key_env: TEST_GH_TOKEN
    base_url: ${api.url}
`,
    env: { TEST_GH_WEBHOOK_SECRET: WEBHOOK_SECRET },
    ackTimeoutMs: 15_000,
    detector: { now: () => clock },
  });
}, 120_000);

afterAll(async () => {
  await t?.stop().catch(() => undefined);
  await api?.close();
});

const url = () => `${t.pipeline.url}/webhooks/github/github-main`;
const delivery = () => {
  const d = fixture('secret_scanning_alert.created.json');
  return JSON.stringify({ ...d, alert: { ...d.alert, created_at: EXPOSED_AT, updated_at: EXPOSED_AT } });
};
const post = (body: string, headers: Record<string, string>) =>
  fetch(url(), {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'secret_scanning_alert',
      'x-github-delivery': randomUUID(),
      ...headers,
    },
  });

async function count(sql: string, params: Record<string, unknown> = {}): Promise<number> {
  const [r] = await t.query<{ n: string }>(sql, params);
  return Number(r!.n);
}

describe('GitHub secret scanning end to end', () => {
  it('refuses deliveries without a valid X-Hub-Signature-256 (missing, tampered body, wrong secret) with 401', async () => {
    const body = delivery();
    expect((await post(body, {})).status).toBe(401);
    expect(
      (await post(body.replace('"number":42', '"number":43'), { 'x-hub-signature-256': signGithubPayload(body, WEBHOOK_SECRET) })).status,
    ).toBe(401);
    expect((await post(body, { 'x-hub-signature-256': signGithubPayload(body, 'not-the-secret') })).status).toBe(401);
    expect(api.requestsTo('/repos/acme/app/secret-scanning/alerts/42')).toEqual([]);
  });

  it('answers 503 when the alert cannot be fetched (GitHub redelivers on request; the poller catches up)', async () => {
    const d = fixture('secret_scanning_alert.created.json');
    const body = JSON.stringify({ ...d, alert: { ...d.alert, number: 99 } });
    const res = await post(body, { 'x-hub-signature-256': signGithubPayload(body, WEBHOOK_SECRET) });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: {
        status: 503,
        code: 'enrichment_failed',
        message: 'could not fetch what the delivery refers to: GET /repos/acme/app/secret-scanning/alerts/99: HTTP 404',
      },
    });
    expect(api.requestsTo('/repos/acme/app/secret-scanning/alerts/99').map((r) => r.headers.authorization)).toEqual([
      `Bearer ${GITHUB_TOKEN}`,
    ]);
  });

  it('an exposed, still-listed OpenAI key opens PW-EXPOSED-CREDENTIAL-ACTIVE; revoking it resolves the finding and exposure lag counts one removal', async () => {
    await t.waitStored(
      async () =>
        (await count(
          "SELECT count() AS n FROM identity_events FINAL WHERE source = 'openai' AND subject_id = {k:String} AND attributes['key_hint'] = 'sk-proj-PLAN...Qx7Z'",
          { k: KEY_ID },
        )) > 0,
      'the listed key with its redacted value',
      90_000,
    );

    const body = delivery();
    const res = await post(body, { 'x-hub-signature-256': signGithubPayload(body, WEBHOOK_SECRET) });
    expect(res.status).toBe(202);
    const fetched = api.requestsTo('/repos/acme/app/secret-scanning/alerts/42');
    expect(fetched).toHaveLength(1);
    expect(fetched[0]!.headers).toMatchObject({
      authorization: `Bearer ${GITHUB_TOKEN}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    });

    await t.waitStored(
      async () => (await count("SELECT count() AS n FROM identity_events FINAL WHERE source = 'github' AND action = 'exposed'")) === 1,
      'the exposure event',
      90_000,
    );
    const [ev] = await t.query<Record<string, unknown>>(
      "SELECT event_id, subject_id, category, occurred_at, attributes FROM identity_events FINAL WHERE source = 'github'",
    );
    expect(ev).toMatchObject({
      event_id: 'github:secret-scanning:acme/app#42:exposed',
      subject_id: 'github-alert:acme/app#42',
      category: 'credential',
    });
    expect(ev!.attributes).toMatchObject({
      secret_type: 'openai_api_key',
      exposure_vendor: 'openai',
      key_head: 'sk-proj-PLANTEDg',
      key_tail: 'Qx7Z',
      fetched: 'yes',
      webhook_action: 'created',
    });
    // The secret is nowhere in ClickHouse: not in the raw envelope, the events or the dead letters.
    expect(await count('SELECT count() AS n FROM raw_envelopes WHERE position(body, {s:String}) > 0', { s: LEAKED })).toBe(0);
    expect(await count("SELECT count() AS n FROM raw_envelopes WHERE source = 'github' AND position(body, 'sk-proj-PLANTEDg') > 0")).toBe(
      1,
    );
    expect(
      await count('SELECT count() AS n FROM identity_events WHERE arrayExists(v -> position(v, {s:String}) > 0, mapValues(attributes))', {
        s: LEAKED,
      }),
    ).toBe(0);

    const [exposure] = await t.query<Record<string, unknown>>(
      'SELECT match, plane, source, credential_id, credential_status FROM pw_exposures',
    );
    expect(exposure).toEqual({ match: 'one', plane: 'platform', source: 'openai', credential_id: KEY_ID, credential_status: 'active' });

    await t.pipeline.detector!.evaluateNow();
    const open = await listFindings(t.rt.clickhouse, { status: 'open', detection: 'PW-EXPOSED-CREDENTIAL-ACTIVE' });
    expect(open.map((f) => [f.subject.kind, f.subject.id, f.source, f.plane, f.severity, f.detail.match, f.detail.alert])).toEqual([
      ['project_key', KEY_ID, 'openai', 'platform', 'critical', 'one', 'github-alert:acme/app#42'],
    ]);

    // The key is revoked at OpenAI: the next complete inventory no longer lists it.
    api.route({ path: KEYS }, [json(list([otherKey]))]);
    const cycle = await t.pipeline.poller!.runCycle('openai-main', 'inventory');
    expect([cycle.ok, cycle.complete, cycle.removed]).toEqual([true, true, 1]);
    await t.waitStored(
      async () => (await count("SELECT count() AS n FROM pw_exposures WHERE credential_status = 'revoked'")) === 1,
      'the revocation seen by pw_exposures',
      90_000,
    );

    clock = Date.now();
    await t.pipeline.detector!.evaluateNow();
    expect(await listFindings(t.rt.clickhouse, { status: 'open', detection: 'PW-EXPOSED-CREDENTIAL-ACTIVE' })).toEqual([]);
    const resolved = await listFindings(t.rt.clickhouse, { status: 'resolved', detection: 'PW-EXPOSED-CREDENTIAL-ACTIVE' });
    expect(resolved.map((f) => f.subject.id)).toEqual([KEY_ID]);

    const lag = await exposureLag(
      t.rt.clickhouse,
      t.rt.config.map,
      { from: NOW - 24 * HOUR, to: clock + HOUR, now: clock },
      () => 'platform',
    );
    expect(lag.unmatched).toEqual({ none: 0, ambiguous: 0 });
    expect(lag.statistics.map((s) => [s.plane, s.source, s.count, s.removed, s.pending, s.overdue, s.breaches])).toEqual([
      ['platform', null, 1, 1, 0, 0, 0],
      ['platform', 'openai', 1, 1, 0, 0, 0],
    ]);
    // Removal dated at the inventory that no longer listed the key: after the exposure, within the 24 h SLA.
    const p50 = lag.statistics[1]!.p50_ms!;
    expect(p50).toBeGreaterThanOrEqual(3 * HOUR);
    expect(lag.statistics[1]!.max_ms).toBe(p50);

    // The same through the read API's lag route.
    const viaApi = await fetch(
      `${t.pipeline.url}/api/v1/lag?from=${new Date(NOW - 24 * HOUR).toISOString()}&to=${new Date(clock + HOUR).toISOString()}&now=${new Date(clock).toISOString()}`,
      {
        headers: { authorization: `Bearer ${t.apiToken}` },
      },
    );
    expect(viaApi.status).toBe(200);
    const data = ((await viaApi.json()) as { data: { exposure: { sla_ms: unknown; statistics: unknown[] } } }).data;
    expect(data.exposure.sla_ms).toEqual({ platform: 24 * HOUR, application: 24 * HOUR });
    expect(data.exposure.statistics).toEqual(lag.statistics);

    // And per exposure in the export.
    const period = `from=${new Date(NOW - 24 * HOUR).toISOString()}&to=${new Date(clock + HOUR).toISOString()}&now=${new Date(clock).toISOString()}`;
    const exported = await fetch(`${t.pipeline.url}/api/v1/export?${period}`, { headers: { authorization: `Bearer ${t.apiToken}` } });
    const rows = ((await exported.json()) as { data: { exposures: Record<string, unknown>[] } }).data.exposures;
    expect(rows).toEqual([
      {
        alert_id: 'github-alert:acme/app#42',
        secret_type: 'openai_api_key',
        repository: 'acme/app',
        match: 'one',
        plane: 'platform',
        source: 'openai',
        credential_kind: 'project_key',
        credential_id: KEY_ID,
        exposed_at: new Date(EXPOSED_AT).toISOString(),
        revoked_at: new Date(Date.parse(EXPOSED_AT) + p50).toISOString(),
        lag_ms: p50,
        sla_ms: 24 * HOUR,
        within_sla: true,
        alert_state: 'open',
        resolution: '',
        exposed_event_id: 'github:secret-scanning:acme/app#42:exposed',
      },
    ]);
    const csv = await (
      await fetch(`${t.pipeline.url}/api/v1/export?${period}&format=csv&section=exposures`, {
        headers: { authorization: `Bearer ${t.apiToken}` },
      })
    ).text();
    expect(csv.split(/\r?\n/)[0]).toBe(
      'alert_id,secret_type,repository,match,plane,source,credential_kind,credential_id,exposed_at,revoked_at,lag_ms,sla_ms,within_sla,alert_state,resolution,exposed_event_id',
    );
    expect(csv).toContain(`github-alert:acme/app#42,openai_api_key,acme/app,one,platform,openai,project_key,${KEY_ID},`);

    // The Grafana panel (dashboards/planewatch-overview.json) on the same store.
    const dash = JSON.parse(readFileSync(path.resolve('dashboards/planewatch-overview.json'), 'utf8')) as {
      panels: { title: string; targets: { rawSql: string }[] }[];
    };
    const panelSql = dash.panels
      .find((x) => x.title.startsWith('Credential exposures'))!
      .targets[0]!.rawSql.replace(/\$__fromTime_ms/g, `fromUnixTimestamp64Milli(${NOW - 24 * HOUR})`)
      .replace(/\$__toTime_ms/g, `fromUnixTimestamp64Milli(${clock + HOUR})`)
      .replace(/\$\{exposure_sla_(platform|application)_h\}/g, '24');
    expect(await t.query(panelSql)).toEqual([
      { plane: 'application', exposures: '0', revoked: '0', still_active: '0', unmatched: '0', revoked_after_sla: '0', p50_hours: null },
      {
        plane: 'platform',
        exposures: '1',
        revoked: '1',
        still_active: '0',
        unmatched: '0',
        revoked_after_sla: '0',
        p50_hours: expect.closeTo(p50 / HOUR, 0),
      },
    ]);

    // `planewatch lag` as a user runs it while planewatch runs: the run file in its data dir names the API.
    const cliDir = mkdtempSync(path.join(tmpdir(), 'pw-gh-cli-'));
    copyFileSync(path.join(t.dataDir, 'planewatch.yaml'), path.join(cliDir, 'planewatch.yaml'));
    writeRunInfo(cliDir, { pid: process.pid, url: t.pipeline.url, startedAt: new Date().toISOString() }, t.apiToken);
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          [path.resolve('bin/planewatch.js'), ...args],
          {
            env: {
              PATH: process.env.PATH,
              PLANEWATCH_CONFIG: path.join(cliDir, 'planewatch.yaml'),
              PLANEWATCH_DATA_DIR: cliDir,
              PLANEWATCH_LOG_LEVEL: 'silent',
            },
            timeout: 60_000,
          },
          (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: stdout + stderr }),
        );
      });
    const range = [
      '--from',
      new Date(NOW - 24 * HOUR).toISOString(),
      '--to',
      new Date(clock + HOUR).toISOString(),
      '--now',
      new Date(clock).toISOString(),
    ];
    const asJson = await cli('lag', ...range, '--format', 'json');
    expect(asJson.code, asJson.stdout).toBe(0);
    expect(JSON.parse(asJson.stdout).exposure.statistics).toEqual(lag.statistics);
    const table = await cli('lag', ...range);
    expect(table.stdout).toContain('Exposure lag (exposure → revocation), exposures found in [');
    expect(table.stdout).toMatch(/platform +openai +1 +1 +0 +0 +0 +\d/);
  }, 300_000);
});
