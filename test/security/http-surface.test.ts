// Every route the all-in-one HTTP server answers, against the real pipeline:
// - authentication by each route's scheme: vendor signature or shared secret (webhooks), SCIM
//   bearer token (every SCIM endpoint and method), API bearer token (every operation of the
//   OpenAPI document not marked public); missing and wrong credentials are refused with 401;
// - replay: signed deliveries (WorkOS, SCIM copies) outside the timestamp tolerance are refused,
//   in both directions;
// - request size limits: 413 on every route that accepts a body, declared or streamed;
// - per-connection rate limits: 429 with Retry-After beyond the connection's bucket, other
//   connections unaffected;
// - /metrics: every metric docs/OPERATIONS.md documents is exposed, and every planewatch metric
//   exposed is documented (deliveries by reason, consumer lag, batch sizes, insert latency, DLQ).
// The public routes (/healthz, /readyz, /metrics, /api/v1/openapi.json) carry no data and no
// secret: test/security/planted-secrets.test.ts searches them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { signScimCopy } from '../../sources/scim/webhook.ts';
import { SOURCES } from '../../sources/registry.ts';
import { openApiDocument } from '../../services/api/openapi.ts';
import { BoundaryMapSchema } from '../../core/config/boundary-map.ts';
import { TOPICS } from '../../core/kafka/topics.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const run = randomUUID().slice(0, 8);
const LIMIT = 64 * 1024;
const SECRETS: Record<string, string> = {
  workos: `whsec_surface_${run}`,
  okta: `okta-surface-${run}`,
  auth0: `auth0-surface-${run}`,
  aws: `aws-surface-${run}`,
  scim: `scimcopy-surface-${run}`,
};
const SCIM_TOKEN = `scim-surface-token-${run}`;
const WEBHOOK_VENDORS = Object.keys(SECRETS);
const conn = (v: string) => `surf-${v}-${run}`;
const RL = `surf-rl-${run}`;
const SCIM_SP = `surf-sp-${run}`;
const SCIM_RL = `surf-sprl-${run}`;

let t: TestPipeline;

beforeAll(async () => {
  const env: Record<string, string> = { PLANEWATCH_MAX_BODY_BYTES: String(LIMIT), SURF_SCIM_TOKEN: SCIM_TOKEN };
  for (const v of WEBHOOK_VENDORS) env[`SURF_${v.toUpperCase()}`] = SECRETS[v]!;
  t = await startTestPipeline({
    configYaml: `
connections:
${WEBHOOK_VENDORS.map((v) => `  - { id: ${conn(v)}, vendor: ${v}, transport: webhook, secret_env: SURF_${v.toUpperCase()} }`).join('\n')}
  - { id: ${RL}, vendor: workos, transport: webhook, secret_env: SURF_WORKOS, rate_limit: { per_second: 0.01, burst: 3 } }
  - { id: ${SCIM_SP}, vendor: scim, transport: scim, secret_env: SURF_SCIM_TOKEN }
  - { id: ${SCIM_RL}, vendor: scim, transport: scim, secret_env: SURF_SCIM_TOKEN, rate_limit: { per_second: 0.01, burst: 2 } }
`,
    env,
  });
});

afterAll(async () => {
  await t?.stop();
});

async function call(
  method: string,
  p: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
): Promise<{ status: number; headers: Headers; text: string; json: () => unknown }> {
  const res = await fetch(`${t.pipeline.url}${p}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : new Uint8Array(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown };
}

function validAuth(vendor: string, body: string, nowMs = Date.now()): Record<string, string> {
  if (vendor === 'workos') return { 'workos-signature': signWorkosPayload(body, SECRETS.workos!, nowMs) };
  if (vendor === 'scim') return { 'x-planewatch-signature': signScimCopy(body, SECRETS.scim!, nowMs) };
  return SOURCES[vendor]!.samples!.sign(body, SECRETS[vendor]!, nowMs);
}

function wrongAuth(vendor: string, body: string): Record<string, string> {
  if (vendor === 'workos') return { 'workos-signature': signWorkosPayload(body, 'whsec_not_the_secret', Date.now()) };
  if (vendor === 'scim') return { 'x-planewatch-signature': signScimCopy(body, 'not-the-secret', Date.now()) };
  return { authorization: `Bearer ${SECRETS[vendor]!}x` };
}

const sampleBody = (vendor: string) => SOURCES[vendor]!.samples!.events(Date.now())[0]!.body;

const SCIM_ROUTES: [string, string][] = [
  ['GET', '/ServiceProviderConfig'],
  ['GET', '/ResourceTypes'],
  ['GET', '/ResourceTypes/User'],
  ['GET', '/Schemas'],
  ['GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User'],
  ['GET', '/Users'],
  ['POST', '/Users'],
  ['GET', '/Users/1'],
  ['PUT', '/Users/1'],
  ['PATCH', '/Users/1'],
  ['DELETE', '/Users/1'],
  ['POST', '/Users/.search'],
  ['GET', '/Groups'],
  ['POST', '/Groups'],
  ['GET', '/Groups/1'],
  ['PUT', '/Groups/1'],
  ['PATCH', '/Groups/1'],
  ['DELETE', '/Groups/1'],
  ['POST', '/Groups/.search'],
];

describe('authentication on every route', () => {
  it('refuses webhook deliveries without or with wrong credentials, for every vendor (401, JSON error, nothing stored)', async () => {
    for (const v of WEBHOOK_VENDORS) {
      const body = sampleBody(v);
      const none = await call('POST', `/webhooks/${v}/${conn(v)}`, { 'content-type': 'application/json' }, body);
      expect([v, none.status, (none.json() as { error: { code: string } }).error.code]).toEqual([v, 401, 'unauthorized']);
      const wrong = await call('POST', `/webhooks/${v}/${conn(v)}`, { 'content-type': 'application/json', ...wrongAuth(v, body) }, body);
      expect([v, wrong.status]).toEqual([v, 401]);
      // Credentials of another connection do not open this one.
      const other = WEBHOOK_VENDORS.find((x) => x !== v && x !== 'workos' && x !== 'scim')!;
      const crossed = await call(
        'POST',
        `/webhooks/${v}/${conn(v)}`,
        { 'content-type': 'application/json', authorization: SECRETS[other]! },
        body,
      );
      expect([v, crossed.status]).toEqual([v, 401]);
      const ok = await call('POST', `/webhooks/${v}/${conn(v)}`, { 'content-type': 'application/json', ...validAuth(v, body) }, body);
      expect([v, ok.status]).toEqual([v, 202]);
    }
    // Okta's verification GET is authenticated like a delivery; other methods are not handshakes.
    const challenge = { 'x-okta-verification-challenge': 'abc123' };
    expect((await call('GET', `/webhooks/okta/${conn('okta')}`, challenge)).status).toBe(401);
    expect((await call('GET', `/webhooks/okta/${conn('okta')}`, { ...challenge, authorization: 'nope' })).status).toBe(401);
    expect((await call('GET', `/webhooks/okta/${conn('okta')}`, { ...challenge, authorization: SECRETS.okta! })).json()).toEqual({
      verification: 'abc123',
    });
    for (const v of WEBHOOK_VENDORS.filter((x) => x !== 'okta'))
      expect([v, (await call('GET', `/webhooks/${v}/${conn(v)}`)).status]).toEqual([v, 405]);
    // Unknown vendor or connection: 404 whatever the credentials.
    expect((await call('POST', `/webhooks/workos/not-configured`, validAuth('workos', '{}'), '{}')).status).toBe(404);
    expect((await call('POST', `/webhooks/okta/${conn('workos')}`, { authorization: SECRETS.okta! }, '{}')).status).toBe(404);
  });

  it("refuses every SCIM endpoint and method without the connection's bearer token (401 + WWW-Authenticate + SCIM error)", async () => {
    const variants: [string, Record<string, string>][] = [
      ['none', {}],
      ['wrong token', { authorization: `Bearer ${SCIM_TOKEN}x` }],
      ['token as Basic', { authorization: `Basic ${Buffer.from(`x:${SCIM_TOKEN}`).toString('base64')}` }],
      ['token without scheme', { authorization: SCIM_TOKEN }],
      ["another connection's secret", { authorization: `Bearer ${SECRETS.workos!}` }],
    ];
    for (const [method, route] of SCIM_ROUTES) {
      for (const [what, headers] of variants) {
        const r = await call(
          method,
          `/scim/v2/${SCIM_SP}${route}`,
          { 'content-type': 'application/scim+json', ...headers },
          method === 'GET' || method === 'DELETE' ? undefined : '{}',
        );
        expect([method, route, what, r.status]).toEqual([method, route, what, 401]);
        expect(r.headers.get('www-authenticate')).toBe('Bearer realm="planewatch-scim"');
        expect((r.json() as { schemas: string[] }).schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
      }
    }
    const ok = await call('GET', `/scim/v2/${SCIM_SP}/ServiceProviderConfig`, { authorization: `bearer ${SCIM_TOKEN}` });
    expect(ok.status).toBe(200);
    expect((await call('GET', `/scim/v2/not-configured/Users`, { authorization: `Bearer ${SCIM_TOKEN}` })).status).toBe(404);
  });

  it('refuses every API operation of the OpenAPI document without or with a wrong bearer token', async () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const operations = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path: p.replace(/\{[^}]+\}/g, 'x'),
        public: Array.isArray(op.security) && op.security.length === 0,
      })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(3);
    for (const op of operations) {
      const none = await call(op.method, op.path);
      const wrong = await call(op.method, op.path, { authorization: `Bearer ${t.apiToken}x` });
      const lower = await call(op.method, op.path, { authorization: `Bearer ${t.apiToken.toUpperCase()}` });
      if (op.public) {
        expect([op.path, none.status]).toEqual([op.path, 200]);
        continue;
      }
      expect([op.path, none.status, wrong.status, lower.status]).toEqual([op.path, 401, 401, 401]);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const authed = await call(op.method, op.path, { authorization: `Bearer ${t.apiToken}` });
      expect([op.path, authed.status === 401 || authed.status === 403]).toEqual([op.path, false]);
    }
    // An undocumented path under /api/ is refused before anything else is said about it.
    expect((await call('GET', '/api/v1/not-a-route')).status).toBe(401);
    expect((await call('POST', '/api/v1/events', { authorization: `Bearer ${t.apiToken}` }, '{}')).status).toBe(405);
  });

  it('takes the API bearer scheme case-insensitively (RFC 7235), the token itself exactly', async () => {
    const status = async (authorization: string) => (await call('GET', '/api/v1/events?last=1', { authorization })).status;
    expect(await status(`Bearer ${t.apiToken}`)).toBe(200);
    expect(await status(`bearer ${t.apiToken}`)).toBe(200);
    expect(await status(`BEARER ${t.apiToken}`)).toBe(200);
    expect(await status(`bEaReR  ${t.apiToken}`)).toBe(200);
    expect(await status(`Bearer ${t.apiToken.toUpperCase()}`)).toBe(401);
    expect(await status(`Basic ${t.apiToken}`)).toBe(401);
    expect(await status(`Bearer${t.apiToken}`)).toBe(401);
    expect(await status(`Bearer ${t.apiToken} extra`)).toBe(401);
  });

  it('refuses the local admin route (replay) without the local token, and takes no other credential', async () => {
    const body = JSON.stringify({ all: true, dryRun: true });
    const json = { 'content-type': 'application/json' };
    expect((await call('POST', '/admin/replay', json, body)).status).toBe(401);
    expect((await call('POST', '/admin/replay', { ...json, authorization: `Bearer ${t.apiToken}x` }, body)).status).toBe(401);
    expect((await call('POST', '/admin/replay', { ...json, authorization: `Bearer ${SECRETS.okta!}` }, body)).status).toBe(401);
    expect((await call('POST', '/admin/replay', { ...json, authorization: `Bearer ${SCIM_TOKEN}` }, body)).status).toBe(401);
  });

  it('serves the dashboard shell without credentials but with no data in it, under a strict CSP', async () => {
    const page = await call('GET', '/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).not.toContain('@acme.example');
    // The data behind it needs a token.
    expect((await call('GET', '/api/v1/findings')).status).toBe(401);
  });

  it('answers the operational endpoints without credentials, and nothing else', async () => {
    expect((await call('GET', '/healthz')).json()).toEqual({ status: 'ok' });
    expect([200, 503]).toContain((await call('GET', '/readyz')).status);
    expect((await call('GET', '/metrics')).status).toBe(200);
    expect((await call('GET', '/')).status).toBe(404);
    expect((await call('GET', '/webhooks')).status).toBe(404);
    expect((await call('GET', '/scim/v2/')).status).toBe(404);
  });
});

describe('SCIM inputs the fuzz suite found answered 500', () => {
  it('answers an out-of-range startIndex with an empty page, and a lone UTF-16 surrogate with 400 before anything is published', async () => {
    const auth = { authorization: `Bearer ${SCIM_TOKEN}`, 'content-type': 'application/scim+json' };
    const page = await call('GET', `/scim/v2/${SCIM_SP}/Users?startIndex=99999999999999999999&count=5`, auth);
    expect([page.status, (page.json() as { Resources: unknown[] }).Resources]).toEqual([200, []]);
    const lone = await call('POST', `/scim/v2/${SCIM_SP}/Users`, auth, '{"userName":"lone-\\ud800@acme.example","active":true}');
    expect([lone.status, (lone.json() as { detail: string }).detail]).toEqual([
      400,
      'body.userName: not valid Unicode (a lone UTF-16 surrogate)',
    ]);
    const deep = await call(
      'POST',
      `/scim/v2/${SCIM_SP}/Users`,
      auth,
      `{"userName":"deep@acme.example","x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
    );
    expect([deep.status, (deep.json() as { detail: string }).detail]).toEqual([400, 'body: nested deeper than 128 levels']);
  });
});

describe('replay protection', () => {
  it('refuses signed deliveries outside the timestamp tolerance (3 minutes), in the past and in the future', async () => {
    const tolerance = BoundaryMapSchema.parse({ connections: [{ id: 'x', vendor: 'workos', transport: 'webhook', secret_env: 'X' }] })
      .connections[0]!.signature_tolerance;
    expect(tolerance).toBe(180_000);
    for (const v of ['workos', 'scim']) {
      const body = sampleBody(v);
      const past = await call(
        'POST',
        `/webhooks/${v}/${conn(v)}`,
        { 'content-type': 'application/json', ...validAuth(v, body, Date.now() - tolerance - 5000) },
        body,
      );
      const future = await call(
        'POST',
        `/webhooks/${v}/${conn(v)}`,
        { 'content-type': 'application/json', ...validAuth(v, body, Date.now() + tolerance + 5000) },
        body,
      );
      const inside = await call(
        'POST',
        `/webhooks/${v}/${conn(v)}`,
        { 'content-type': 'application/json', ...validAuth(v, body, Date.now() - tolerance + 30_000) },
        body,
      );
      expect([v, past.status, future.status, inside.status]).toEqual([v, 401, 401, 202]);
      expect((past.json() as { error: { message: string } }).error.message).toMatch(/tolerance|too old|outside|timestamp/i);
    }
  });
});

/** A POST whose body is streamed (no content-length) in 16 KiB chunks. */
function streamed(p: string, headers: Record<string, string>, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(`${t.pipeline.url}${p}`);
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', (err) =>
      (err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE' ? resolve(-1) : reject(err),
    );
    let sent = 0;
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('request size limits', () => {
  it('answers 413 on every body-accepting route, for declared and streamed bodies', async () => {
    const big = `{"padding":"${'x'.repeat(LIMIT)}"}`;
    for (const v of WEBHOOK_VENDORS) {
      const r = await call('POST', `/webhooks/${v}/${conn(v)}`, { 'content-type': 'application/json', ...validAuth(v, big) }, big);
      expect([v, r.status, (r.json() as { error: { code: string } }).error.code]).toEqual([v, 413, 'too_large']);
      // Streamed without a length: refused once the limit is crossed (413, or the connection closed on a still-uploading client).
      expect([
        v,
        [413, -1].includes(
          await streamed(`/webhooks/${v}/${conn(v)}`, { 'content-type': 'application/json', ...validAuth(v, big) }, 4 * LIMIT),
        ),
      ]).toEqual([v, true]);
    }
    const scimAuth = { authorization: `Bearer ${SCIM_TOKEN}`, 'content-type': 'application/scim+json' };
    for (const [method, route] of SCIM_ROUTES.filter(([m]) => m === 'POST' || m === 'PUT' || m === 'PATCH')) {
      const r = await call(method, `/scim/v2/${SCIM_SP}${route}`, scimAuth, big);
      expect([method, route, r.status]).toEqual([method, route, 413]);
    }
    expect([413, -1]).toContain(await streamed(`/scim/v2/${SCIM_SP}/Users`, scimAuth, 4 * LIMIT));
    // Just under the limit is read (and judged on its content).
    const under = JSON.stringify({ ...(JSON.parse(sampleBody('workos')) as object), pad: 'x'.repeat(LIMIT - 2000) });
    expect(
      (
        await call(
          'POST',
          `/webhooks/workos/${conn('workos')}`,
          { 'content-type': 'application/json', ...validAuth('workos', under) },
          under,
        )
      ).status,
    ).toBe(202);
  });
});

describe('per-connection rate limits', () => {
  it("answers 429 with Retry-After beyond a connection's bucket, before reading or verifying, and leaves other connections alone", async () => {
    const body = sampleBody('workos');
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | null = null;
    for (let i = 0; i < 5; i++) {
      last = await call(
        'POST',
        `/webhooks/workos/${RL}`,
        { 'content-type': 'application/json', ...(i === 1 ? {} : validAuth('workos', body)) },
        body,
      );
      statuses.push(last.status);
    }
    // Burst 3 (one of them unauthenticated: it costs a token too), then the bucket is empty.
    expect(statuses).toEqual([202, 401, 202, 429, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((last!.json() as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(
      (await call('POST', `/webhooks/workos/${conn('workos')}`, { 'content-type': 'application/json', ...validAuth('workos', body) }, body))
        .status,
    ).toBe(202);

    const scim = async () => (await call('GET', `/scim/v2/${SCIM_RL}/Users`, { authorization: `Bearer ${SCIM_TOKEN}` })).status;
    expect([await scim(), await scim(), await scim()]).toEqual([200, 200, 429]);
    expect((await call('GET', `/scim/v2/${SCIM_SP}/Users`, { authorization: `Bearer ${SCIM_TOKEN}` })).status).toBe(200);

    const metrics = (await call('GET', '/metrics')).text;
    expect(metrics).toContain(
      `planewatch_webhook_deliveries_total{source="workos",connection="${RL}",status="429",reason="rate_limited"} 2`,
    );
    expect(metrics).toContain(`planewatch_scim_requests_total{connection="${SCIM_RL}",method="GET",status="429"} 1`);
  });

  it('defaults to a bucket generous enough for the benchmark (5,000 deliveries/s on one connection)', () => {
    const c = BoundaryMapSchema.parse({ connections: [{ id: 'x', vendor: 'workos', transport: 'webhook', secret_env: 'X' }] })
      .connections[0]!;
    expect(c.rate_limit).toEqual({ per_second: 10_000, burst: 20_000 });
  });
});

describe('metrics', () => {
  it('exposes every metric docs/OPERATIONS.md documents, and documents every planewatch metric exposed', async () => {
    // Traffic first, so labelled series exist: a delivery through the pipeline to ClickHouse.
    const body = JSON.stringify({ ...(JSON.parse(sampleBody('workos')) as object), id: `event_metrics_${run}` });
    expect(
      (await call('POST', `/webhooks/workos/${conn('workos')}`, { 'content-type': 'application/json', ...validAuth('workos', body) }, body))
        .status,
    ).toBe(202);
    expect(
      (await call('POST', `/webhooks/workos/${conn('workos')}`, { 'content-type': 'application/json', ...wrongAuth('workos', body) }, body))
        .status,
    ).toBe(401);
    await waitFor(
      async () =>
        (await t.query('SELECT 1 FROM identity_events FINAL WHERE event_id = {id:String}', { id: `event_metrics_${run}` })).length
          ? true
          : undefined,
      'the delivery stored',
    );
    const text = await waitFor(
      async () => {
        const m = (await call('GET', '/metrics')).text;
        // The row can be queryable before the sink records the insert's duration: wait for that sample.
        return m.includes(`planewatch_consumer_lag{group="planewatch-sink-`) &&
          /planewatch_sink_insert_seconds_count\{table="identity_events"\} [1-9]/.test(m)
          ? m
          : undefined;
      },
      'lag and insert latency samples',
      30_000,
      500,
    );

    const doc = readFileSync(path.join(REPO, 'docs/OPERATIONS.md'), 'utf8');
    const documented = new Set([...doc.matchAll(/^\| `(planewatch_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!));
    const exposed = new Set(
      [...text.matchAll(/^# TYPE (planewatch_[a-z0-9_]+) /gm)].map((m) => m[1]!).filter((n) => !n.startsWith('planewatch_process_')),
    );
    expect(
      [...exposed].filter((n) => !documented.has(n)),
      'exposed but not documented',
    ).toEqual([]);
    expect(
      [...documented].filter((n) => !exposed.has(n)),
      'documented but not exposed',
    ).toEqual([]);

    // The ones the operations runbook relies on, with their labels.
    expect(text).toMatch(
      new RegExp(
        `planewatch_webhook_deliveries_total\\{source="workos",connection="${conn('workos')}",status="202",reason="accepted"\\} \\d+`,
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `planewatch_webhook_deliveries_total\\{source="workos",connection="${conn('workos')}",status="401",reason="unauthorized"\\} \\d+`,
      ),
    );
    const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(text).toMatch(
      new RegExp(`planewatch_consumer_lag\\{group="planewatch-sink-[^"]+",topic="${re(TOPICS.events)}",partition="0"\\} \\d+`),
    );
    expect(text).toMatch(
      new RegExp(`planewatch_consumer_lag\\{group="planewatch-normalizer-[^"]+",topic="${re(TOPICS.raw)}",partition="0"\\} \\d+`),
    );
    expect(text).toMatch(new RegExp(`planewatch_batch_messages_count\\{stage="normalizer",topic="${re(TOPICS.raw)}"\\} \\d+`));
    expect(text).toMatch(/planewatch_sink_insert_seconds_count\{table="identity_events"\} \d+/);
    // A URL cannot mint label values: unknown connections share one series.
    await call('POST', `/webhooks/nope-${run}/also-nope-${run}`, {}, '{}');
    const after = (await call('GET', '/metrics')).text;
    expect(after).not.toContain(`nope-${run}`);
    expect(after).toMatch(
      /planewatch_webhook_deliveries_total\{source="unknown",connection="unknown",status="404",reason="unknown_connection"\} \d+/,
    );
  });
});
