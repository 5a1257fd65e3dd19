// Anthropic keys exposed on GitHub, through the real pipeline and onto the dashboard in headless
// Chromium. Two Anthropic Admin API inventories (the company's own organisation on the platform
// plane; a product organisation on the application plane whose keys belong to customer
// workspaces), played by a local vendor API server, list keys with their `partial_key_hint`; the
// GitHub organisation's secret scanning alerts are polled from the same server, each with its
// full `secret`. The poll runner reduces each secret to the same hint shape in memory and drops it
// (sources/github/fingerprint.ts); pw_exposures matches alerts to keys by that hint.
//
// Ground truth, written by hand from Anthropic's documented hint shape ("sk-ant-api03-R2D...igAA":
// the first 16 characters, "...", the last 4) and the alerts below:
//   alert #1, found 30 h ago: its secret starts "sk-ant-api03-PLA" and ends "Qx7Z" → the one
//     platform key with hint "sk-ant-api03-PLA...Qx7Z" (match one). Revoked (archived) during the
//     test: its exposure lag is just over 30 h, a breach of the 24 h exposure SLA.
//   alert #2, found 5 h ago: "sk-ant-api03-Dup" … "dUp0" → two platform keys show that hint
//     (match ambiguous): not matched, never counted.
//   alert #3, found 4 h ago: "sk-ant-api03-Non" … "nOn0" → no key shows it (match none).
//   alert #4, found 2 h ago: "sk-ant-api03-Ten" … "tEn0" → the application-plane key of workspace
//     W_T (match one), still active: pending within the SLA, PW-EXPOSED-CREDENTIAL-ACTIVE open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { json, startVendorApiServer, type VendorApiServer } from '../../demo/vendor-api-server.ts';
import { launchBrowser, saveScreenshot } from '../helpers/browser.ts';
import { listFindings } from '../../store/findings/findings.ts';

const run = randomUUID().slice(0, 8);
const HOUR = 3_600_000;
const NOW = Date.now();
const at = (hoursAgo: number) => new Date(Math.floor((NOW - hoursAgo * HOUR) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
// Planted fake keys, built at run time so no secret scanner takes them for real ones.
const fake = (head: string, tail: string) => ['sk', 'ant', 'api03', `${head}${'x'.repeat(70)}${run}`].join('-') + tail;
const LEAKED = { a: fake('PLA', 'Qx7Z'), dup: fake('Dup', 'dUp0'), none: fake('Non', 'nOn0'), tenant: fake('Ten', 'tEn0') };
const W_CORP = `wrkspc_${run}_corp`;
const W_T = `wrkspc_${run}_tenant`;
const KA = `apikey_${run}_a`;
const KD1 = `apikey_${run}_d1`;
const KD2 = `apikey_${run}_d2`;
const KT = `apikey_${run}_t`;
const TENANT_TOKEN_ENV = `EXPO_TENANT_${randomBytes(4).toString('hex').toUpperCase()}`;
const TENANT_TOKEN = `tenant-${randomBytes(16).toString('hex')}`;
const ORG = '/v1/organizations';
const NOT_MATCHED = 'not matched — planewatch does not know which credential';

const page = (data: { id: string }[]) => ({
  data,
  has_more: false,
  first_id: data[0]?.id ?? null,
  last_id: data[data.length - 1]?.id ?? null,
});
const key = (id: string, hint: string, workspace: string, status = 'active') => ({
  type: 'api_key',
  id,
  name: id.slice(-2),
  status,
  created_at: '2026-01-05T10:00:00Z',
  expires_at: null,
  partial_key_hint: hint,
  created_by: { type: 'user', id: `user_${run}` },
  principal: { type: 'user_actor', user_id: `user_${run}` },
  scope: { type: 'workspace', workspace_id: workspace },
});
const corpKeys = (aStatus: string) => [
  key(KA, 'sk-ant-api03-PLA...Qx7Z', W_CORP, aStatus),
  key(KD1, 'sk-ant-api03-Dup...dUp0', W_CORP),
  key(KD2, 'sk-ant-api03-Dup...dUp0', W_CORP),
];
const alert = (n: number, hoursAgo: number, secret: string) => ({
  number: n,
  created_at: at(hoursAgo),
  updated_at: at(hoursAgo),
  url: `https://api.github.com/repos/acme/app/secret-scanning/alerts/${n}`,
  html_url: `https://github.com/acme/app/security/secret-scanning/${n}`,
  locations_url: `https://api.github.com/repos/acme/app/secret-scanning/alerts/${n}/locations`,
  state: 'open',
  resolution: null,
  resolved_at: null,
  resolved_by: null,
  secret_type: 'anthropic_api_key',
  secret_type_display_name: 'Anthropic API Key',
  secret,
  validity: 'unknown',
  publicly_leaked: false,
  multi_repo: false,
  repository: { id: 1296269, name: 'app', full_name: 'acme/app', private: true, owner: { login: 'acme' } },
});

let api: VendorApiServer;
let t: TestPipeline;
let base: string;
let browser: Browser;
const contexts: BrowserContext[] = [];

function anthropicOrg(prefix: string, workspace: string, keys: unknown[]) {
  const p = `${prefix}${ORG}`;
  api.route({ path: `${p}/users` }, [
    json(
      page([
        {
          type: 'user',
          id: `user_${run}`,
          email: `dev.${run}@acme.example`,
          name: 'Dev',
          role: 'developer',
          added_at: '2026-01-01T00:00:00Z',
        } as { id: string },
      ]),
    ),
  ]);
  api.route({ path: `${p}/invites` }, [json(page([]))]);
  api.route({ path: `${p}/api_keys` }, [json(page(keys as { id: string }[]))]);
  api.route({ path: `${p}/workspaces` }, [
    json(page([{ type: 'workspace', id: workspace, name: 'W', created_at: '2026-01-01T00:00:00Z', archived_at: null } as { id: string }])),
  ]);
  api.route({ path: `${p}/workspaces/${workspace}/members` }, [json(page([]))]);
  api.route({ path: `${p}/service_accounts` }, [json({ type: 'error', error: { type: 'not_found_error', message: 'Not found' } }, 404)]);
}

async function count(sql: string, params: Record<string, unknown> = {}): Promise<number> {
  const [r] = await t.query<{ n: string }>(sql, params);
  return Number(r!.n);
}

beforeAll(async () => {
  api = await startVendorApiServer();
  anthropicOrg('/corp', W_CORP, corpKeys('active'));
  anthropicOrg('/app', W_T, [key(KT, 'sk-ant-api03-Ten...tEn0', W_T)]);
  api.route({ path: '/orgs/acme/secret-scanning/alerts' }, [
    json([alert(1, 30, LEAKED.a), alert(2, 5, LEAKED.dup), alert(3, 4, LEAKED.none), alert(4, 2, LEAKED.tenant)]),
  ]);

  process.env.TEST_EXPO_ANTHROPIC_KEY = `sk-ant-admin01-${randomUUID()}`;
  process.env.TEST_EXPO_GITHUB_TOKEN = `ghp_test_${run}`;
  process.env[TENANT_TOKEN_ENV] = TENANT_TOKEN;
  t = await startTestPipeline({
    configYaml: `
planes:
  platform: { grace: 1h, exposure_sla: 24h }
  application: { grace: 1h, exposure_sla: 24h }
connections:
  - id: anthropic-corp
    vendor: anthropic
    transport: inventory
    api_key_env: TEST_EXPO_ANTHROPIC_KEY
    base_url: ${api.url}/corp
    inventory_interval: 1h
  - id: anthropic-app
    vendor: anthropic
    transport: inventory
    plane: application
    api_key_env: TEST_EXPO_ANTHROPIC_KEY
    base_url: ${api.url}/app
    inventory_interval: 1h
  - id: github-org
    vendor: github
    transport: poll
    organization: acme
    api_key_env: TEST_EXPO_GITHUB_TOKEN
    base_url: ${api.url}
    poll_interval: 1h
api:
  tokens:
    - { name: tenant-portal, token_env: ${TENANT_TOKEN_ENV}, scopes: [findings, lag, credentials, status, boundaries], tenant: ${W_T} }
`,
    ackTimeoutMs: 15_000,
    detector: {},
  });
  base = t.pipeline.url;
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await t?.stop().catch(() => undefined);
  await api?.close();
  delete process.env[TENANT_TOKEN_ENV];
});

async function signIn(token: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  contexts.push(context);
  const p = await context.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of \d{3}\b/.test(m.text()))
      errors.push(m.text());
  });
  await p.goto(`${base}/dashboard`);
  await p.locator('#token-input').fill(token);
  await p.locator('#sign-in-form button[type=submit]').click();
  await p.locator('body[data-loaded="true"]').waitFor({ timeout: 150_000 });
  return { page: p, errors };
}
const text = async (p: Page, selector: string) => ((await p.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();
const rows = (p: Page, plane: string) =>
  p.$$eval(`#${plane}-exposures tbody tr`, (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').replace(/\s+/g, ' ').trim())),
  );

describe('Anthropic keys exposed on GitHub, matched by partial_key_hint, on the dashboard', () => {
  it('matches each alert to the key whose hint it shows: one, ambiguous, none; the secrets are nowhere, the hints are kept', async () => {
    await t.waitStored(
      async () =>
        (await count('SELECT count() AS n FROM pw_exposures')) === 4 &&
        (await count("SELECT count() AS n FROM pw_exposures WHERE match = 'one'")) === 2,
      'four exposures, two matched',
      120_000,
    );
    const exposures = await t.query<Record<string, string>>(
      'SELECT alert_id, match, plane, source, credential_id, credential_kind, tenant FROM pw_exposures ORDER BY alert_id',
    );
    expect(exposures).toEqual([
      {
        alert_id: 'github-alert:acme/app#1',
        match: 'one',
        plane: 'platform',
        source: 'anthropic',
        credential_id: KA,
        credential_kind: 'api_key',
        tenant: W_CORP,
      },
      {
        alert_id: 'github-alert:acme/app#2',
        match: 'ambiguous',
        plane: 'platform',
        source: 'github',
        credential_id: '',
        credential_kind: '',
        tenant: '',
      },
      {
        alert_id: 'github-alert:acme/app#3',
        match: 'none',
        plane: 'platform',
        source: 'github',
        credential_id: '',
        credential_kind: '',
        tenant: '',
      },
      {
        alert_id: 'github-alert:acme/app#4',
        match: 'one',
        plane: 'application',
        source: 'anthropic',
        credential_id: KT,
        credential_kind: 'api_key',
        tenant: W_T,
      },
    ]);
    for (const secret of Object.values(LEAKED)) {
      expect(await count('SELECT count() AS n FROM raw_envelopes WHERE position(body, {s:String}) > 0', { s: secret })).toBe(0);
      expect(
        await count('SELECT count() AS n FROM identity_events WHERE arrayExists(v -> position(v, {s:String}) > 0, mapValues(attributes))', {
          s: secret,
        }),
      ).toBe(0);
      expect(await count('SELECT count() AS n FROM dead_letters WHERE position(payload, {s:String}) > 0', { s: secret })).toBe(0);
    }
    const alertAttrs = await t.query<{ head: string; tail: string }>(
      "SELECT attributes['key_head'] AS head, attributes['key_tail'] AS tail FROM identity_events FINAL WHERE subject_id = 'github-alert:acme/app#1'",
    );
    expect(alertAttrs).toEqual([{ head: 'sk-ant-api03-PLA', tail: 'Qx7Z' }]);
    expect(
      await count(
        'SELECT count() AS n FROM raw_envelopes WHERE connection_id = \'anthropic-corp\' AND position(body, \'"partial_key_hint":"sk-ant-api03-PLA...Qx7Z"\') > 0',
      ),
    ).toBeGreaterThan(0);
  }, 180_000);

  it('opens PW-EXPOSED-CREDENTIAL-ACTIVE on the matched keys and on the unmatched alerts; revoking the platform key resolves its finding', async () => {
    await t.pipeline.detector!.evaluateNow();
    // The detector may have evaluated at start-up, before both inventories were in (an alert's
    // match 'none' then): a changed detail updates the open finding, so it shows the current match.
    const open = async () =>
      (await listFindings(t.rt.clickhouse, { status: 'open', detection: 'PW-EXPOSED-CREDENTIAL-ACTIVE' }))
        .map((f) => [f.subject.kind, f.subject.id, f.plane, f.source, f.tenant ?? '', f.detail.match])
        .sort();
    expect(await open()).toEqual(
      [
        ['api_key', KA, 'platform', 'anthropic', W_CORP, 'one'],
        ['api_key', KT, 'application', 'anthropic', W_T, 'one'],
        ['other', 'github-alert:acme/app#2', 'platform', 'github', '', 'ambiguous'],
        ['other', 'github-alert:acme/app#3', 'platform', 'github', '', 'none'],
      ].sort(),
    );

    // The platform key is archived at Anthropic: the next complete inventory lists it so.
    api.route({ path: `/corp${ORG}/api_keys` }, [json(page(corpKeys('archived')))]);
    const cycle = await t.pipeline.poller!.runCycle('anthropic-corp', 'inventory');
    expect([cycle.ok, cycle.complete]).toEqual([true, true]);
    await t.waitStored(
      async () => (await count("SELECT count() AS n FROM pw_exposures WHERE credential_status != 'active' AND match = 'one'")) === 1,
      'the revocation seen by pw_exposures',
      90_000,
    );
    await t.pipeline.detector!.evaluateNow();
    expect((await open()).map((r) => r[1])).toEqual([KT, 'github-alert:acme/app#2', 'github-alert:acme/app#3'].sort());
  }, 180_000);

  it('with the local token: exposure lag per plane against the SLA (chart, p50/p90/max, breaches, per source) and the exposures, unmatched ones flagged', async () => {
    const { page: p, errors } = await signIn(t.apiToken);
    // Platform: alert #1's key revoked just over 30 h after it was found → one breach.
    const platform = await text(p, '#platform-exposure-summary');
    // Just over 30 h: the revocation is dated at the inventory that lists the key archived, minutes after the test started.
    expect(platform).toMatch(
      /^SLA 24h · 1 exposed credentials found in the last 90 days · revoked 1 \(1 after the SLA\) · still active 0 \(0 overdue\) · p50 30(\.\d)?h · p90 30(\.\d)?h · max 30(\.\d)?h$/,
    );
    expect(
      await p.$$eval('#platform-exposure-lag tbody tr[data-source]', (trs) =>
        trs.map((tr) => [tr.getAttribute('data-source'), ...[...tr.querySelectorAll('td')].slice(1, 6).map((td) => td.textContent)]),
      ),
    ).toEqual([['anthropic', '1', '1', '1', '0', '0']]);
    const drawn = await p.$eval('#platform-exposure-chart', (c) => {
      const canvas = c as HTMLCanvasElement;
      const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
      return n;
    });
    expect(drawn).toBeGreaterThan(1000);
    expect(await rows(p, 'platform')).toEqual([
      [
        'acme/app (github-alert:acme/app#1)',
        'anthropic_api_key',
        `anthropic api_key ${KA}`,
        expect.stringMatching(/ UTC$/),
        expect.stringMatching(/ UTC \(30(\.\d)?h\)$/),
        'breach',
        'open',
      ],
      [
        'acme/app (github-alert:acme/app#2)',
        'anthropic_api_key',
        `ambiguous: ${NOT_MATCHED}`,
        expect.stringMatching(/ UTC$/),
        '—',
        'unknown',
        'open',
      ],
      ['acme/app (github-alert:acme/app#3)', 'anthropic_api_key', NOT_MATCHED, expect.stringMatching(/ UTC$/), '—', 'unknown', 'open'],
    ]);
    // Application: the tenant's key found 2 h ago, still active, within the SLA.
    expect(await text(p, '#application-exposure-summary')).toBe(
      'SLA 24h · 1 exposed credentials found in the last 90 days · revoked 0 (0 after the SLA) · still active 1 (0 overdue) · p50 — · p90 — · max —',
    );
    expect(await rows(p, 'application')).toEqual([
      [
        'acme/app (github-alert:acme/app#4)',
        'anthropic_api_key',
        `anthropic api_key ${KT}`,
        expect.stringMatching(/ UTC$/),
        'still active',
        'within',
        'open',
      ],
    ]);
    await saveScreenshot(p, 'dashboard-exposures');
    expect(errors).toEqual([]);
  }, 180_000);

  it("the boundary report's credentials control measures the exposure lag against the SLA: the breach makes the platform not proven", async () => {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const res = await fetch(`${base}/api/v1/reports/boundaries?period=${day(NOW - 3 * 24 * HOUR)}..${day(NOW + 2 * 24 * HOUR)}`, {
      headers: { authorization: `Bearer ${t.apiToken}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data?: unknown };
    const report = (body.data ?? body) as {
      thresholds: Record<string, { exposure_sla_ms?: number }>;
      sections: {
        plane: string;
        tenant: string | null;
        controls: {
          id: string;
          status: string;
          reason: string;
          figures: { name: string; value: unknown }[];
          items: { kind: string; id: string; event_ids: string[] }[];
        }[];
      }[];
    };
    expect(report.thresholds.platform!.exposure_sla_ms).toBe(24 * HOUR);
    const creds = (plane: string, tenant: string | null) =>
      report.sections.find((x) => x.plane === plane && x.tenant === tenant)!.controls.find((c) => c.id === 'credentials')!;
    const figures = (c: ReturnType<typeof creds>) =>
      Object.fromEntries(c.figures.filter((f) => f.name.startsWith('exposure')).map((f) => [f.name, f.value]));
    const platform = creds('platform', null);
    expect(platform.status).toBe('not_proven');
    expect(platform.reason).toContain('exposure SLA 24.0h not met: 0 exposed credential(s) still active past it, 1 revoked after it');
    expect(figures(platform)).toMatchObject({
      exposures: 1,
      exposures_revoked: 1,
      exposures_revoked_within_sla: 0,
      exposure_breaches: 1,
      exposures_active: 0,
      exposures_overdue: 0,
      exposure_sla_ms: 24 * HOUR,
      exposures_unmatched: 2,
    });
    expect(platform.items.filter((i) => i.kind.startsWith('exposure')).map((i) => [i.kind, i.id, i.event_ids[0]])).toEqual([
      ['exposure_late_revocation', KA, 'github:secret-scanning:acme/app#1:exposed'],
      ['exposure_unmatched', 'github-alert:acme/app#2', 'github:secret-scanning:acme/app#2:exposed'],
      ['exposure_unmatched', 'github-alert:acme/app#3', 'github:secret-scanning:acme/app#3:exposed'],
    ]);
    expect(figures(creds('application', W_T))).toMatchObject({
      exposures: 1,
      exposures_revoked: 0,
      exposures_active: 1,
      exposures_overdue: 0,
      exposures_unmatched: 0,
    });
  }, 180_000);

  it("a tenant-scoped token sees only its tenant's exposures: no platform plane, no unmatched alerts", async () => {
    const res = await fetch(
      `${base}/api/v1/lag/exposures?from=${new Date(NOW - 90 * 24 * HOUR).toISOString()}&to=${new Date(Date.now() + HOUR).toISOString()}`,
      { headers: { authorization: `Bearer ${TENANT_TOKEN}` } },
    );
    expect(res.status).toBe(200);
    const data = (
      (await res.json()) as {
        data: {
          tenant: string;
          planes: { plane: string; items: number; pending: number }[];
          unmatched: unknown;
          exposures: { alert_id: string }[];
          statistics: { plane: string; source: string | null; count: number }[];
        };
      }
    ).data;
    expect([
      data.tenant,
      data.planes.map((x) => [x.plane, x.items, x.pending]),
      data.unmatched,
      data.exposures.map((x) => x.alert_id),
    ]).toEqual([W_T, [['application', 1, 1]], { none: 0, ambiguous: 0 }, ['github-alert:acme/app#4']]);
    expect(data.statistics.map((s) => [s.plane, s.source, s.count])).toEqual([
      ['application', null, 1],
      ['application', 'anthropic', 1],
    ]);

    const { page: p, errors } = await signIn(TENANT_TOKEN);
    expect(await text(p, '#platform-exposure-lag .body')).toBe(`Not shown to a token limited to tenant ${W_T}`);
    expect(await text(p, '#platform-exposures .body')).toBe('No credential exposures');
    expect((await rows(p, 'application')).map((r) => r[0])).toEqual(['acme/app (github-alert:acme/app#4)']);
    const body = await text(p, 'body');
    for (const hidden of [KA, 'github-alert:acme/app#2', 'github-alert:acme/app#3']) expect(body).not.toContain(hidden);
    await saveScreenshot(p, 'dashboard-exposures-tenant');
    expect(errors).toEqual([]);
  }, 180_000);
});
