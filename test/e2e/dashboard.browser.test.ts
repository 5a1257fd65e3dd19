// The dashboard page in real headless Chromium (Debian's chromium via playwright-core) against the
// real pipeline: the seeded scenario (test/helpers/scenario, seed 20261129, scale 1, placed at the
// wall clock) goes onto planewatch.raw.v1, the real normalizer and sink bring it to embedded
// ClickHouse, the detector evaluates, and the all-in-one HTTP server serves GET /dashboard and the
// API the page calls. Expected values are the scenario's ground truth, worked out by hand from its
// description (test/../demo/company/seeded-company.ts) and written here literally:
//   platform plane open findings: critical 2 (activity after deprovision and orphaned credential of
//     G's key), high 11, medium 3 (two stale keys, the unmanaged contractor), low 1 (the consultant
//     in both directories); application plane: critical 1 (R3 signed in after leaving), high 3
//     (R2's Globex membership orphaned and overdue, the Globex directory deleted), medium 2 (employee
//     in the Globex tenant, workos-eu silent), low 1 (Frank's changed email).
//   lag items of the last 90 days: platform 12 (removed after 2 h, 6 h, 7.1 h, 12.6 h, 16.75 h and
//     154.5 h — one breach of the 24 h SLA; pending for 0.5 h, 5 h, 23 h, 289 h, 289 h, 481 h — three
//     overdue), application 3, one unit per customer leaver, her Globex membership (removed after 3
//     and 10 h; pending 120 h — overdue of the 72 h SLA). Screenshots go to test-artifacts/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { listFindings } from '../../store/findings/findings.ts';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { buildScenario, type Scenario } from '../../demo/company/seeded-company.ts';
import { launchBrowser, saveScreenshot } from '../helpers/browser.ts';
import { ingestScenario } from '../helpers/scenario/ingest.ts';

const TENANT_TOKEN_ENV = `DASH_INITECH_${randomBytes(4).toString('hex').toUpperCase()}`;
const TENANT_TOKEN = `initech-${randomBytes(16).toString('hex')}`;

let t: TestPipeline;
let sc: Scenario;
let base: string;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  sc = buildScenario(20261129, { scale: 1, now: Date.now() - 60_000, openaiEnabled: false });
  // api.tokens values are read from the process environment when the API starts.
  process.env[TENANT_TOKEN_ENV] = TENANT_TOKEN;
  t = await startTestPipeline({
    configYaml: `${sc.configYaml}
api:
  tokens:
    - { name: initech-portal, token_env: ${TENANT_TOKEN_ENV}, scopes: [findings, lag, credentials, status, boundaries], tenant: org_01INITECH }
`,
    env: { SCENARIO_WORKOS_SECRET: `whsec_${randomUUID()}`, SCENARIO_WORKOS_EU_SECRET: `whsec_${randomUUID()}` },
    ackTimeoutMs: 15_000,
    detector: {},
  });
  base = t.pipeline.url;

  await ingestScenario(t, sc);
  const result = await t.pipeline.detector!.evaluateNow();
  expect(result.errors).toEqual([]);
  // The page must show what the detector found; the detector must have found the ground truth.
  const open = await listFindings(t.rt.clickhouse, { status: 'open' });
  expect(open.map((f) => `${f.detection}|${f.subject.kind}|${f.subject.id}|${f.tenant ?? ''}`).sort()).toEqual(
    [...sc.truth(result.now)].sort(),
  );

  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await t?.stop();
  delete process.env[TENANT_TOKEN_ENV];
});

/** A fresh browser profile (empty sessionStorage) recording every request the page makes. */
async function openPage(): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  contexts.push(context);
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Chromium logs every non-2xx fetch as a console error; the page handles those (the tests assert how).
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of \d{3}\b/.test(m.text()))
      errors.push(m.text());
  });
  return { page, requests, errors };
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${base}/dashboard`);
  await page.locator('#token-input').fill(token);
  await page.locator('#sign-in-form button[type=submit]').click();
  await page.locator('body[data-loaded="true"]').waitFor({ timeout: 60_000 });
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();
const severityCounts = (page: Page, plane: string) =>
  page.$$eval(`#${plane}-findings .sev-tile`, (tiles) =>
    Object.fromEntries(tiles.map((t) => [t.getAttribute('data-severity'), Number(t.querySelector('.n')?.textContent)])),
  );
const attrs = (page: Page, selector: string, name: string) =>
  page.$$eval(selector, (els, n) => els.map((e) => e.getAttribute(n)).sort(), name);

describe('dashboard page in headless Chromium', () => {
  it('serves the page and its assets without a token, with a strict CSP, and no data', async () => {
    const res = await fetch(`${base}/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toContain('<section id="boundary-report"');
    expect(html).not.toContain(sc.named.overdue!.email);
    const chart = await fetch(`${base}/dashboard/assets/chart.umd.min.js`);
    expect([chart.status, chart.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await chart.text()).slice(0, 40)).toContain('Chart.js v4.6.1');
    expect((await fetch(`${base}/dashboard/assets/../../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/dashboard/assets/..%2F..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}/dashboard/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/api/v1/lag/distribution?from=2026-01-01&to=2027-01-01`)).status).toBe(401);
  });

  it('unauthenticated: shows the sign-in form and fetches no data; a wrong token is refused and nothing is shown', async () => {
    const { page, requests, errors } = await openPage();
    await page.goto(`${base}/dashboard`);
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    expect(await page.locator('#planes > *').count()).toBe(0);
    expect(requests.filter((u) => u.includes('/api/'))).toEqual([]);
    await saveScreenshot(page, 'dashboard-signed-out');

    await page.locator('#token-input').fill('wrong-token-0123456789abcdef');
    await page.locator('#sign-in-form button[type=submit]').click();
    await page.locator('#sign-in-error').filter({ hasText: 'HTTP 401' }).waitFor();
    expect(await text(page, '#sign-in-error')).toBe('The token was not accepted (HTTP 401). Paste a valid API token.');
    expect(await page.locator('#dashboard').isHidden()).toBe(true);
    expect(await page.locator('#planes > *').count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem('planewatch.api-token'))).toBeNull();
    const body = await text(page, 'body');
    expect(body).not.toContain(sc.named.overdue!.email);
    expect(body).not.toContain('user-0Y7VR18TP7');
    // The token never went into a URL.
    expect(requests.filter((u) => u.includes('wrong-token'))).toEqual([]);
    expect(page.url()).toBe(`${base}/dashboard`);
    await saveScreenshot(page, 'dashboard-wrong-token');
    expect(errors).toEqual([]);
  });

  it('with the local token: per plane findings by severity, lag chart against the SLA, overdue removals, credentials, crossings, source health', async () => {
    const { page, requests, errors } = await openPage();
    await signIn(page, t.apiToken);
    expect(requests.filter((u) => u.includes(t.apiToken))).toEqual([]);
    expect(page.url()).toBe(`${base}/dashboard`);

    // Open findings by severity.
    expect(await severityCounts(page, 'platform')).toEqual({ critical: 2, high: 11, medium: 3, low: 1, info: 0 });
    expect(await severityCounts(page, 'application')).toEqual({ critical: 1, high: 3, medium: 2, low: 1, info: 0 });

    // Overdue removals: ken (scenario archetype D) and his key, G's key; R2's Globex membership on the application plane.
    expect(await attrs(page, '#platform-overdue tbody tr', 'data-subject')).toEqual([
      'key_JHQ5HA4AHS',
      'key_R7JZB52JE2',
      'user-0Y7VR18TP7',
    ]);
    expect(await text(page, '#platform-overdue tr[data-subject="user-0Y7VR18TP7"] td:first-child')).toBe(
      'ken.gbz3e@acme.example (user-0Y7VR18TP7)',
    );
    expect(await attrs(page, '#application-overdue tbody tr', 'data-subject')).toEqual(['user_Z9QB726WD3']);

    // Stale and orphaned credentials; empty states on the application plane.
    expect(await attrs(page, '#platform-stale tbody tr', 'data-credential')).toEqual(['key_KAQQD7R1X3', 'key_N5ZSRX1XDD']);
    expect(await attrs(page, '#platform-orphaned tbody tr', 'data-credential')).toEqual(['key_JHQ5HA4AHS', 'key_R7JZB52JE2']);
    expect(await text(page, '#application-stale .body')).toBe('No stale credentials');
    expect(await text(page, '#application-orphaned .body')).toBe('No orphaned credentials');

    // Boundary crossings.
    const platformCrossings = await text(page, '#platform-crossings');
    expect(platformCrossings).toContain('Customer identity holds platform access (PW-CUSTOMER-IN-PLATFORM)');
    expect(platformCrossings).toContain('user-AKWZ6CYD58');
    expect(platformCrossings).toContain('svc_acct_MFB54VBVF5');
    expect(await page.locator('#platform-crossings tbody tr').count()).toBe(2);
    expect(await page.locator('#application-crossings tbody tr').count()).toBe(1);
    expect(await text(page, '#application-crossings')).toContain('user_9952Z5GFEX');

    // Source health per plane (workos-main feeds both planes through its plane rule).
    const states = (plane: string) =>
      page.$$eval(`#${plane}-sources tbody tr`, (rows) =>
        rows.map((r) => `${r.getAttribute('data-connection')}:${r.querySelector('.badge')?.textContent}`).sort(),
      );
    expect(await states('platform')).toEqual(['openai-main:disabled', 'workos-main:ok']);
    expect(await states('application')).toEqual(['workos-eu:silent', 'workos-main:ok']);

    // Lag distribution: the chart's data, its summary, and a canvas with pixels drawn.
    const datasets = (plane: string) =>
      page.evaluate((id) => {
        const c = (
          globalThis as unknown as {
            Chart: { getChart(e: Element): { data: { labels: string[]; datasets: { label: string; data: number[] }[] } } };
          }
        ).Chart.getChart(document.getElementById(id)!);
        return { labels: c.data.labels, sets: Object.fromEntries(c.data.datasets.map((d) => [d.label, d.data])) };
      }, `${plane}-lag-chart`);
    expect(await datasets('platform')).toEqual({
      labels: ['≤ 6h', '6h–12h', '12h–18h', '18h–24h', '24h–36h', '36h–48h', '48h–4d', '> 4d'],
      sets: {
        'removed within SLA': [2, 1, 2, 0, 0, 0, 0, 0],
        'removed after SLA (breach)': [0, 0, 0, 0, 0, 0, 0, 1],
        'pending, within SLA': [2, 0, 0, 1, 0, 0, 0, 0],
        'pending past SLA (overdue)': [0, 0, 0, 0, 0, 0, 0, 3],
      },
    });
    expect(await datasets('application')).toEqual({
      labels: ['≤ 18h', '18h–36h', '36h–54h', '54h–3d', '3d–4.5d', '4.5d–6d', '6d–12d', '> 12d'],
      sets: {
        'removed within SLA': [2, 0, 0, 0, 0, 0, 0, 0],
        'removed after SLA (breach)': [0, 0, 0, 0, 0, 0, 0, 0],
        'pending, within SLA': [0, 0, 0, 0, 0, 0, 0, 0],
        'pending past SLA (overdue)': [0, 0, 0, 0, 0, 1, 0, 0],
      },
    });
    expect(await text(page, '#platform-lag-summary')).toBe(
      'SLA 24h · 12 items of people deprovisioned in the last 90 days · removed 6 (1 after the SLA) · pending 6 (3 overdue) · p50 12.6h · p90 6.4d · max 6.4d',
    );
    expect(await text(page, '#application-lag-summary')).toBe(
      'SLA 3d · 3 items of people deprovisioned in the last 90 days · removed 2 (0 after the SLA) · pending 1 (1 overdue) · p50 10h · p90 10h · max 10h',
    );
    for (const plane of ['platform', 'application']) {
      const drawn = await page.evaluate((id) => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
        return { width: c.width, height: c.height, drawn: n };
      }, `${plane}-lag-chart`);
      expect(drawn.width).toBeGreaterThan(300);
      expect(drawn.height).toBeGreaterThan(150);
      expect(drawn.drawn).toBeGreaterThan(5000);
    }

    // The boundary report section: rendered when its endpoint answers, else says why (no fake data).
    const quarter = `${new Date().getUTCFullYear()}-Q${Math.floor(new Date().getUTCMonth() / 3) + 1}`;
    const report = await fetch(`${base}/api/v1/reports/boundaries?period=${quarter}`, {
      headers: { authorization: `Bearer ${t.apiToken}` },
    });
    expect(await text(page, '#boundary-report-period')).toBe(`— ${quarter}`);
    expect(await page.locator('#boundary-report-body').getAttribute('data-status')).toBe(String(report.status));
    if (report.status === 200) {
      // The report's content is the report builder's (store/reports/); the page must show it as given.
      const rep = (
        (await report.json()) as {
          data: {
            sources: { connection_id: string }[];
            sections: { plane: string; tenant: string | null; controls: { id: string; status: string }[] }[];
          };
        }
      ).data;
      expect(await attrs(page, '#boundary-report-body tr[data-control]', 'data-control')).toEqual([
        'audit_trail',
        'authentication',
        'credentials',
        'deprovisioning',
        'provisioning',
        'separation',
      ]);
      const shown = await page.$$eval('#boundary-report-body tr[data-control] .badge', (bs) =>
        bs.map((b) => `${b.closest('tr')!.getAttribute('data-control')}|${b.getAttribute('data-section')}|${b.textContent}`).sort(),
      );
      expect(shown).toEqual(
        rep.sections
          .flatMap((sec) =>
            sec.controls.map((c) => `${c.id}|${sec.plane}${sec.tenant ? ` · ${sec.tenant}` : ''}|${c.status.replace('_', ' ')}`),
          )
          .sort(),
      );
      expect(shown.length).toBeGreaterThanOrEqual(12);
      expect(await attrs(page, '#boundary-report-body tr[data-connection]', 'data-connection')).toEqual(
        rep.sources.map((x) => x.connection_id).sort(),
      );
    } else {
      expect(await text(page, '#boundary-report-body')).toMatch(new RegExp(`^boundary report unavailable \\(HTTP ${report.status}\\b`));
    }

    const shot = await saveScreenshot(page, 'dashboard-scenario');
    expect((await fsp.stat(shot)).size).toBeGreaterThan(50_000);
    expect(errors).toEqual([]);
  });

  it('a tenant-scoped token: its tenant only, "No open findings" on the platform plane, and the cross-tenant views refused with their status', async () => {
    const { page, errors } = await openPage();
    await signIn(page, TENANT_TOKEN);
    expect(await severityCounts(page, 'platform')).toEqual({ critical: 0, high: 0, medium: 0, low: 0, info: 0 });
    expect(await text(page, '#platform-findings .empty')).toBe('No open findings');
    expect(await severityCounts(page, 'application')).toEqual({ critical: 0, high: 1, medium: 0, low: 0, info: 0 });
    expect(await text(page, '#platform-lag .body')).toBe(
      'Lag distribution unavailable (HTTP 403: token "initech-portal" is limited to tenant org_01INITECH; /api/v1/lag spans every tenant)',
    );
    expect(await text(page, '#application-sources .body')).toBe(
      'Source health unavailable (HTTP 403: token "initech-portal" is limited to tenant org_01INITECH; /api/v1/status spans every tenant)',
    );
    expect(await page.locator('canvas').count()).toBe(0);
    expect(await text(page, 'body')).not.toContain(sc.named.overdue!.email);
    await saveScreenshot(page, 'dashboard-tenant-token');

    await page.locator('#sign-out').click();
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => sessionStorage.getItem('planewatch.api-token'))).toBeNull();
    expect(await page.locator('#planes > *').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
