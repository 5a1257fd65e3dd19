// Issue #18 point 2: a tenant-scoped API token sees only its own tenant. The real pipeline (shared
// broker, embedded ClickHouse, detector on) ingests two customer tenants (T1, T2) on the
// application plane and workforce users on the platform plane; the boundary map plants link
// emails and refs, customer domains of both tenants, a corporate domain and a platform connection
// id. Every API route is called with T1's token (JSON and HTML report included) and no planted
// value of T2 or of the platform may appear in any answer. Positive controls: the local (full)
// token's report does show the planted values, and T1's token does see T1's own data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';

const run = randomUUID().slice(0, 8);
const SECRET = `whsec_tenant_${run}`;
const T1 = `org_t1_${run}`;
const T2 = `org_t2_${run}`;
const T1_TOKEN = `tenant-one-token-${run}`;
const APP = `app-wk-${run}`;
const PLATFORM = `platform-wk-${run}`;
const T1_USER = { id: `directory_user_t1_${run}`, email: `t1user.${run}@t1cust-${run}.example` };
const T2_USER = { id: `directory_user_t2_${run}`, email: `t2user.${run}@t2cust-${run}.example` };
const STAFF = { id: `directory_user_staff_${run}`, email: `staff.${run}@corp-${run}.example` };
const LINK_EMAIL = `linkplant.${run}@linked-${run}.example`;
const LINK_REF = `${APP}:linkref_${run}`;
// Nothing of these may reach T1's token.
const PLANTED: Record<string, string> = {
  'T2 tenant id': T2,
  'T2 user id': T2_USER.id,
  'T2 user email': T2_USER.email,
  'T2 customer domain': `t2cust-${run}`,
  'platform connection id': PLATFORM,
  'platform user id': STAFF.id,
  'platform user email': STAFF.email,
  'corporate domain': `corp-${run}`,
  'link email': LINK_EMAIL,
  'link ref': `linkref_${run}`,
};

let t: TestPipeline;

beforeAll(async () => {
  process.env.TS_T1_TOKEN = T1_TOKEN; // the API reads token values from the process environment
  t = await startTestPipeline({
    configYaml: `
domains:
  corporate: [corp-${run}.example]
  customer: [t1cust-${run}.example, t2cust-${run}.example]
links:
  - { email: ${LINK_EMAIL}, accounts: ["${LINK_REF}"] }
connections:
  - { id: ${APP}, vendor: workos, transport: webhook, secret_env: TS_SECRET }
  - { id: ${PLATFORM}, vendor: workos, transport: webhook, secret_env: TS_SECRET, plane: platform }
api:
  tokens:
    - { name: t1, token_env: TS_T1_TOKEN, scopes: [findings, lag, people, credentials, evidence, export, events, status, boundaries], tenant: ${T1} }
`,
    env: { TS_SECRET: SECRET, TS_T1_TOKEN: T1_TOKEN },
    detector: {},
  });
  const users: [string, string, { id: string; email: string }][] = [
    [APP, T1, T1_USER],
    [APP, T2, T2_USER],
    [PLATFORM, `org_staff_${run}`, STAFF],
  ];
  for (const [conn, org, u] of users) {
    const body = JSON.stringify({
      object: 'event',
      id: `event_${u.id}`,
      event: 'dsync.user.created',
      created_at: new Date().toISOString(),
      data: {
        object: 'directory_user',
        id: u.id,
        directory_id: `directory_${org}`,
        organization_id: org,
        email: u.email,
        emails: [{ primary: true, value: u.email }],
        state: 'active',
      },
    });
    const res = await fetch(`${t.pipeline.url}/webhooks/workos/${conn}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(body, SECRET, Date.now()) },
      body,
    });
    expect(res.status).toBe(202);
  }
  await t.waitStored(async () => {
    const r = await t.query<{ n: string }>('SELECT count() AS n FROM identity_events FINAL WHERE event_id IN {ids:Array(String)}', {
      ids: users.map(([, , u]) => `event_${u.id}`),
    });
    return r[0]?.n === '3';
  }, 'the three users stored');
  await t.pipeline.detector!.evaluateNow();
}, 180_000);

afterAll(async () => {
  await t?.stop();
});

async function get(p: string, token: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${t.pipeline.url}${p}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
}

const leaksIn = (text: string) =>
  Object.entries(PLANTED)
    .filter(([, v]) => text.includes(v))
    .map(([k]) => k);
const year = new Date().getUTCFullYear();
const REPORT = `/api/v1/reports/boundaries?period=${year}`;

describe('a tenant-scoped token', () => {
  it('positive control: the full token sees the planted values in the report', async () => {
    const full = await get(REPORT, t.apiToken);
    expect(full.status).toBe(200);
    expect(leaksIn(full.text).sort()).toEqual(Object.keys(PLANTED).sort());
  });

  it('gets only its own tenant from the boundary report, JSON and HTML', async () => {
    const json = await get(REPORT, T1_TOKEN);
    expect(json.status).toBe(200);
    expect(leaksIn(json.text)).toEqual([]);
    const report = (
      JSON.parse(json.text) as {
        data: {
          scope: unknown;
          sections: { plane: string; tenant: string }[];
          thresholds: Record<string, unknown>;
          sources: { connection_id: string; planes: string[] }[];
        };
      }
    ).data;
    expect(report.scope).toEqual({ planes: ['application'], tenant: T1 });
    expect(report.sections.map((s) => [s.plane, s.tenant])).toEqual([['application', T1]]);
    expect(Object.keys(report.thresholds)).toEqual(['application']);
    expect(report.sources.map((s) => [s.connection_id, s.planes])).toEqual([[APP, ['application']]]);
    const html = await get(`${REPORT}&format=html`, T1_TOKEN);
    expect(html.status).toBe(200);
    expect(html.text).toContain(`tenant ${T1}`);
    expect(leaksIn(html.text)).toEqual([]);
  });

  it('gets nothing of another tenant or of the platform from any other route', async () => {
    const { data: findings } = JSON.parse((await get('/api/v1/findings?status=all&limit=1000', t.apiToken)).text) as {
      data: { fingerprint: string; plane: string; tenant: string | null }[];
    };
    const paths = [
      '/api/v1/findings',
      '/api/v1/findings?status=all',
      `/api/v1/findings?tenant=${T2}`,
      `/api/v1/people/${encodeURIComponent(T1_USER.email)}`,
      `/api/v1/people/${encodeURIComponent(T2_USER.email)}`,
      `/api/v1/people/${encodeURIComponent(STAFF.email)}`,
      `/api/v1/people/${encodeURIComponent(LINK_EMAIL)}`,
      '/api/v1/credentials',
      `/api/v1/credentials?tenant=${T2}`,
      '/api/v1/credentials?plane=platform',
      `/api/v1/lag?from=${year}-01-01&to=${year + 1}-01-01`,
      `/api/v1/lag/distribution?from=${year}-01-01&to=${year + 1}-01-01`,
      `/api/v1/lag/exposures?from=${year}-01-01&to=${year + 1}-01-01`,
      `/api/v1/export?from=${year}-01-01&to=${year + 1}-01-01`,
      '/api/v1/events',
      '/api/v1/status',
      '/api/v1/boundaries',
      `${REPORT}&plane=platform`,
      `${REPORT}&tenant=${T2}`,
      ...findings.map((f) => `/api/v1/evidence/${f.fingerprint}`),
    ];
    const answers = [];
    for (const p of paths) {
      const a = await get(p, T1_TOKEN);
      answers.push([p, a.status, leaksIn(a.text)]);
    }
    expect(answers.filter(([, , leaks]) => (leaks as string[]).length > 0)).toEqual([]);
    // Routes spanning every tenant are refused; another tenant's findings are not found.
    const status = new Map(answers.map(([p, s]) => [p as string, s as number]));
    for (const p of ['/api/v1/events', '/api/v1/status', '/api/v1/boundaries', `${REPORT}&plane=platform`, `${REPORT}&tenant=${T2}`])
      expect([p, status.get(p)]).toEqual([p, 403]);
    for (const f of findings)
      expect([f.plane, f.tenant, status.get(`/api/v1/evidence/${f.fingerprint}`)]).toEqual([
        f.plane,
        f.tenant,
        f.plane === 'application' && f.tenant === T1 ? 200 : 404,
      ]);
    // Positive control: T1's own person is visible.
    const own = JSON.parse((await get(`/api/v1/people/${encodeURIComponent(T1_USER.email)}`, T1_TOKEN)).text) as {
      data: { tenant: string }[];
    };
    expect(own.data.length).toBeGreaterThan(0);
    expect(new Set(own.data.map((e) => e.tenant))).toEqual(new Set([T1]));
  });
});
