// The read API on the seeded scenario (test/helpers/scenario, seed 20261129, scale 1) delivered
// through the real vendor modules and normalizer into embedded ClickHouse and evaluated by the real
// detections at the scenario's "now": endpoints, auth (401/403/tenant scope), pagination, the
// OpenAPI document, and SQL-injection attempts on every filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import SwaggerParser from '@apidevtools/swagger-parser';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { evaluate } from '../../services/detector/evaluation/evaluate.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { SOURCES } from '../../sources/registry.ts';
import { createApiHandler } from '../../services/api/api.ts';
import { ENDPOINT_SCOPES } from '../../services/api/auth.ts';
import { openApiDocument } from '../../services/api/openapi.ts';
import { buildScenario, type Scenario } from '../../demo/company/seeded-company.ts';
import { deliver, normalizeAll } from '../helpers/scenario/load.ts';

const LOCAL = 'local-token-0123456789abcdef';
const AUDITOR = 'auditor-token-0123456789abcdef';
const GLOBEX = 'globex-token-0123456789abcdef';
const EVENTS_ONLY = 'events-token-0123456789abcdef';

let ch: ClickHouse;
let sc: Scenario;
let server: Server;
let base: string;

beforeAll(async () => {
  ch = createClickHouse({ dataDir: mkdtempSync(path.join(tmpdir(), 'pw-api-')) });
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
  const handler = createApiHandler({
    clickhouse: ch.client,
    token: LOCAL,
    log: pino({ level: 'silent' }),
    map: sc.map,
    sources: SOURCES,
    clock: () => sc.now,
    tokens: [
      { name: 'auditor', token: AUDITOR, scopes: ['findings', 'lag', 'export'], tenant: null },
      { name: 'globex', token: GLOBEX, scopes: ['findings', 'credentials', 'people', 'evidence'], tenant: 'org_01GLOBEX' },
      { name: 'events-only', token: EVENTS_ONLY, scopes: ['events'], tenant: null },
    ],
  });
  server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await ch?.close();
});

async function get(
  p: string,
  token: string | null = LOCAL,
  method = 'GET',
): Promise<{ status: number; body: any; text: string; type: string | null }> {
  const res = await fetch(base + p, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* csv */
  }
  return { status: res.status, body, text, type: res.headers.get('content-type') };
}

describe('OpenAPI document', () => {
  it('is served without a token, is a valid OpenAPI 3.1 document, and documents every route', async () => {
    const r = await get('/api/v1/openapi.json', null);
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(r.body))).resolves.toBeTruthy();
    const paths = Object.keys(r.body.paths).sort();
    expect(paths).toEqual([
      '/api/v1/boundaries',
      '/api/v1/credentials',
      '/api/v1/events',
      '/api/v1/evidence/{fingerprint}',
      '/api/v1/export',
      '/api/v1/findings',
      '/api/v1/lag',
      '/api/v1/lag/distribution',
      '/api/v1/lag/exposures',
      '/api/v1/openapi.json',
      '/api/v1/people/{email}',
      '/api/v1/reports/boundaries',
      '/api/v1/status',
    ]);
    for (const e of ENDPOINT_SCOPES) {
      const key = paths.find((p) => p.replace(/\{[^}]+\}$/, '') === e.prefix)!;
      expect(key, e.prefix).toBeDefined();
      expect(r.body.paths[key].get['x-scope']).toBe(e.scope);
    }
    expect(r.body).toEqual(openApiDocument());
  });
});

describe('authentication and scopes', () => {
  it('no token or an unknown token: 401 with a Bearer challenge', async () => {
    for (const token of [null, 'not-a-configured-token-at-all']) {
      const res = await fetch(base + '/api/v1/findings', { headers: token ? { authorization: `Bearer ${token}` } : {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toEqual({ error: { status: 401, code: 'unauthorized', message: 'missing or wrong bearer token' } });
    }
  });

  it('a token without the scope: 403 naming the scope', async () => {
    const r = await get('/api/v1/findings', EVENTS_ONLY);
    expect(r.status).toBe(403);
    expect(r.body.error.message).toBe('token "events-only" lacks the "findings" scope');
    expect((await get('/api/v1/credentials', AUDITOR)).status).toBe(403);
    expect((await get('/api/v1/evidence/01eb643f7cb5cee4450f9abcc3effe71', AUDITOR)).status).toBe(403);
  });

  it('a tenant-scoped token may not call cross-tenant endpoints even with the scope', async () => {
    const r = await get('/api/v1/events', GLOBEX);
    expect(r.status).toBe(403);
    const lag = await get('/api/v1/lag?from=2026-01-01&to=2026-07-20', GLOBEX);
    expect(lag.status).toBe(403);
  });

  it('the API is read-only: 405 for POST', async () => {
    expect((await get('/api/v1/findings', LOCAL, 'POST')).status).toBe(405);
  });
});

describe('findings', () => {
  it('pages through all 24 open findings with next_cursor', async () => {
    const first = await get('/api/v1/findings?limit=10');
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(24);
    expect(first.body.data).toHaveLength(10);
    const seen: string[] = first.body.data.map((f: any) => f.fingerprint);
    let cursor: string | null = first.body.next_cursor;
    let pages = 1;
    while (cursor) {
      const next = await get(`/api/v1/findings?limit=10&cursor=${cursor}`);
      seen.push(...next.body.data.map((f: any) => f.fingerprint));
      cursor = next.body.next_cursor;
      pages++;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(24);
    const all = await get('/api/v1/findings?limit=1000');
    expect(all.body.next_cursor).toBeNull();
    expect(all.body.data.map((f: any) => f.fingerprint)).toEqual(seen);
    expect(all.body.data[0]).toMatchObject({
      severity: 'critical',
      detection: 'PW-ACTIVITY-AFTER-DEPROVISION',
      subject: { kind: 'project_key', id: 'key_JHQ5HA4AHS', email: 'vint.wmqz9@acme.example' },
    });
  });

  it('filters by severity, detection, plane, tenant and since', async () => {
    const crit = await get('/api/v1/findings?severity=critical');
    expect(crit.body.data.map((f: any) => f.fingerprint).sort()).toEqual([
      '04781646f6d42473506b206ab4482ee0',
      '39baf9d7067b963aeb80eb125df89b08',
      'f3a58685b845e7ceb74daa7f0b13fa85',
    ]);
    const overdueApp = await get('/api/v1/findings?detection=PW-DEPROV-OVERDUE&plane=application');
    // One unit of access for the customer leaver still in Globex: the membership (her AuthKit user
    // is a login account that grants nothing by itself, docs/IDENTITY-MODEL.md).
    expect(overdueApp.body.data.map((f: any) => f.fingerprint).sort()).toEqual(['becc837907302934eb476dd7dbb9d088']);
    expect((await get('/api/v1/findings?tenant=org_01INITECH')).body.data.map((f: any) => f.detection)).toEqual([
      'PW-PROVISIONING-DISABLED',
    ]);
    expect((await get('/api/v1/findings?since=2026-07-20T12:00:00Z')).body.total).toBe(24);
    expect((await get('/api/v1/findings?since=2026-07-20T12:00:01Z')).body.total).toBe(0);
  });

  it('a tenant-scoped token sees only its tenant on the application plane', async () => {
    const r = await get('/api/v1/findings', GLOBEX);
    expect(r.status).toBe(200);
    expect(r.body.data.map((f: any) => `${f.detection} ${f.fingerprint}`).sort()).toEqual([
      'PW-AMBIGUOUS-IDENTITY c730513e64717e791b83c9f5ae622c08',
      'PW-DEPROV-OVERDUE becc837907302934eb476dd7dbb9d088',
      'PW-ORPHANED-ACCOUNT b24d74d571ad99c80d035b50f4af03ad',
      'PW-PLATFORM-IN-TENANT 817bca9048509955c7f0cf5179f11dc6',
    ]);
    // asking for another tenant does not widen the view
    expect((await get('/api/v1/findings?tenant=org_01INITECH', GLOBEX)).body.total).toBe(0);
  });

  it('rejects bad parameters with 400 naming the field', async () => {
    const r = await get('/api/v1/findings?limit=0');
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe('limit: expected an integer 1..1000');
    expect((await get('/api/v1/findings?cursor=%21%21')).body.error.message).toBe('cursor: expected a cursor returned as next_cursor');
    expect((await get('/api/v1/findings?severity=urgent')).body.error.message).toBe(
      'severity: expected one of critical, high, medium, low, info',
    );
  });
});

describe('SQL injection attempts on every filter are rejected or matched literally', () => {
  const INJ = "x' OR '1'='1' --";
  const enc = encodeURIComponent(INJ);
  it.each([
    ['/api/v1/findings?detection=' + enc, 400],
    ['/api/v1/findings?plane=' + enc, 400],
    ['/api/v1/findings?severity=' + enc, 400],
    ['/api/v1/findings?since=' + enc, 400],
    ['/api/v1/findings?status=' + enc, 400],
    ['/api/v1/credentials?source=' + enc, 400],
    ['/api/v1/credentials?plane=' + enc, 400],
    ['/api/v1/credentials?status=' + enc, 400],
    ['/api/v1/credentials?which=' + enc, 400],
    ['/api/v1/lag?from=' + enc + '&to=2026-07-01', 400],
    ['/api/v1/export?from=2026-01-01&to=' + enc, 400],
    ['/api/v1/people/' + enc, 400],
    ['/api/v1/evidence/' + enc, 400],
  ])('%s → %i', async (p, status) => {
    expect((await get(p)).status).toBe(status);
  });
  it('free-text filters reach ClickHouse only as parameters: no rows, no error', async () => {
    const tenant = await get('/api/v1/credentials?tenant=' + enc);
    expect(tenant.status).toBe(200);
    expect(tenant.body).toEqual({ data: [], next_cursor: null, total: 0 });
    expect((await get('/api/v1/findings?tenant=' + enc)).body.total).toBe(0);
    const person = await get('/api/v1/people/' + encodeURIComponent("a'||'1'='1@x.example"));
    expect(person.status).toBe(200);
    expect(person.body.total).toBe(0);
    // the store is intact afterwards
    expect((await get('/api/v1/findings')).body.total).toBe(24);
  });
});

describe('lag, people, credentials, evidence, export', () => {
  it('lag: statistics per plane and source, and the overdue list', async () => {
    const r = await get('/api/v1/lag?from=2026-01-01T12:00:00Z&to=2026-07-20T12:00:00Z', AUDITOR);
    expect(r.status).toBe(200);
    expect(r.body.data.now).toBe('2026-07-20T12:00:00.000Z');
    expect(r.body.data.sla_ms).toEqual({ platform: 86_400_000, application: 259_200_000 });
    expect(r.body.data.statistics).toEqual([
      // One unit per customer leaver (the Globex membership): R1 removed after 10 h, R3 after 3 h, R2 pending.
      {
        plane: 'application',
        source: null,
        count: 3,
        removed: 2,
        pending: 1,
        overdue: 1,
        breaches: 0,
        p50_ms: 36000000,
        p90_ms: 36000000,
        p99_ms: 36000000,
        max_ms: 36000000,
      },
      {
        plane: 'application',
        source: 'workos',
        count: 3,
        removed: 2,
        pending: 1,
        overdue: 1,
        breaches: 0,
        p50_ms: 36000000,
        p90_ms: 36000000,
        p99_ms: 36000000,
        max_ms: 36000000,
      },
      {
        plane: 'platform',
        source: null,
        count: 12,
        removed: 6,
        pending: 6,
        overdue: 3,
        breaches: 1,
        p50_ms: 45480000,
        p90_ms: 556320000,
        p99_ms: 556320000,
        max_ms: 556320000,
      },
      {
        plane: 'platform',
        source: 'openai',
        count: 12,
        removed: 6,
        pending: 6,
        overdue: 3,
        breaches: 1,
        p50_ms: 45480000,
        p90_ms: 556320000,
        p99_ms: 556320000,
        max_ms: 556320000,
      },
    ]);
    expect(r.body.data.overdue.map((f: any) => f.fingerprint).sort()).toEqual([
      '01eb643f7cb5cee4450f9abcc3effe71',
      '8f2d2dbddc2ffeef90ab1b3e9ba56d30',
      'becc837907302934eb476dd7dbb9d088',
      'c0d0205af1c5d99cdb4a606d95d44199',
    ]);
  });

  it('people: the timeline of the overdue leaver', async () => {
    const r = await get('/api/v1/people/ken.gbz3e%40acme.example');
    expect(r.status).toBe(200);
    expect(r.body.data.map((e: any) => `${e.at} ${e.plane} ${e.source} ${e.subject_id} ${e.what} ${e.event_id}`)).toEqual([
      '2026-01-09T00:00:00.000Z platform workos directory_user_D4B5VMZKVT created evt_wf_20261129_00011',
      '2026-01-09T16:00:00.000Z platform openai user-0Y7VR18TP7 created audit_log-K2K0C0Z6V7TEF39K',
      // known only from the OpenAI inventory (no creation event): listed at its reported creation time
      '2026-01-09T17:00:00.000Z platform openai key_R7JZB52JE2 created oai_inv_6abd5a7db8ee38402d1c8fd5e014466e',
      '2026-07-08T10:53:30.000Z platform workos directory_user_D4B5VMZKVT deprovision_signal evt_wf_20261129_00012',
    ]);
    // a tenant-scoped token sees none of it (platform plane)
    expect((await get('/api/v1/people/ken.gbz3e%40acme.example', GLOBEX)).body.total).toBe(0);
  });

  it('credentials: stale and orphaned, with owner and last use', async () => {
    const stale = await get('/api/v1/credentials?which=stale');
    expect(stale.body.data.map((c: any) => [c.credential_id, c.owner_email, c.last_used_at])).toEqual([
      ['key_KAQQD7R1X3', 'edsger.8bh14@acme.example', null],
      ['key_N5ZSRX1XDD', 'edsger.8bh14@acme.example', '2026-03-22T12:00:00.000Z'],
    ]);
    const orphaned = await get('/api/v1/credentials?which=orphaned');
    expect(orphaned.body.data.map((c: any) => [c.credential_id, c.owner_email, c.last_used_at])).toEqual([
      ['key_JHQ5HA4AHS', 'vint.wmqz9@acme.example', '2026-07-05T10:55:45.000Z'],
      ['key_R7JZB52JE2', 'ken.gbz3e@acme.example', '2026-07-03T10:53:30.000Z'],
    ]);
    expect((await get('/api/v1/credentials')).body.total).toBe(11);
    const page = await get('/api/v1/credentials?limit=4');
    expect(page.body.data).toHaveLength(4);
    expect(page.body.next_cursor).not.toBeNull();
    // tenant-scoped: only its tenant's application-plane credentials (none), and asking for the platform plane is refused
    expect((await get('/api/v1/credentials', GLOBEX)).body).toEqual({ data: [], next_cursor: null, total: 0 });
    expect((await get('/api/v1/credentials?plane=platform', GLOBEX)).status).toBe(403);
  });

  it('evidence: the finding, its events and raw deliveries; 404 for unknown or other-tenant findings', async () => {
    const r = await get('/api/v1/evidence/01eb643f7cb5cee4450f9abcc3effe71');
    expect(r.status).toBe(200);
    expect(r.body.data.finding.detection).toBe('PW-DEPROV-OVERDUE');
    expect(r.body.data.events.map((e: any) => e.event_id)).toEqual(['evt_wf_20261129_00020', 'oai_inv_7d47104b4d0c2bc40ea0c7b6d4e0e3af']);
    expect(r.body.data.raw_deliveries.map((d: any) => [d.id, d.transport, d.verified])).toEqual([
      ['raw_5b5461a492e3c9c67df85bfb2684a244', 'webhook', true],
      ['raw_c5ccf09c102713b4df64c91666984d23', 'inventory', true],
    ]);
    expect(JSON.parse(r.body.data.raw_deliveries[0].body)).toMatchObject({ id: 'evt_wf_20261129_00020', event: 'dsync.user.deleted' });
    expect((await get('/api/v1/evidence/00000000000000000000000000000000')).status).toBe(404);
    expect((await get('/api/v1/evidence/01eb643f7cb5cee4450f9abcc3effe71', GLOBEX)).status).toBe(404);
    expect((await get('/api/v1/evidence/becc837907302934eb476dd7dbb9d088', GLOBEX)).status).toBe(200);
  });

  it('export: the leavers of a period with their lag per plane, as JSON and CSV', async () => {
    const r = await get('/api/v1/export?from=2026-06-20&to=2026-07-01', AUDITOR);
    expect(r.status).toBe(200);
    expect(r.body.data.period).toEqual({ from: '2026-06-20T00:00:00.000Z', to: '2026-07-01T00:00:00.000Z' });
    expect(
      r.body.data.leavers.map((l: any) => [
        l.person,
        l.plane,
        l.items,
        l.removed,
        l.pending,
        l.lag_ms,
        l.breaches,
        l.overdue,
        l.within_sla,
      ]),
    ).toEqual([
      ['vint.2cj1s@acme.example', 'platform', 2, 2, 0, 556320000, 1, 0, false],
      ['ada.y6mpp@acme.example', 'platform', 1, 1, 0, 21600000, 0, 0, true],
      ['donald.atkvw@acme.example', 'platform', 2, 2, 0, 60300000, 0, 0, true],
      ['vint.wmqz9@acme.example', 'platform', 2, 1, 1, null, 0, 1, false],
    ]);
    const csv = await get('/api/v1/export?from=2026-06-20&to=2026-07-01&format=csv', AUDITOR);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    expect(csv.text.split('\r\n')).toEqual([
      'person,deprovisioned_at,plane,items,removed,pending,lag_ms,last_removed_at,sla_ms,breaches,overdue,within_sla,signal_event_id',
      'vint.2cj1s@acme.example,2026-06-20T08:37:33.000Z,platform,2,2,0,556320000,2026-06-26T19:09:33.000Z,86400000,1,0,false,evt_wf_20261129_00010',
      'ada.y6mpp@acme.example,2026-06-20T11:06:28.000Z,platform,1,1,0,21600000,2026-06-20T17:06:28.000Z,86400000,0,0,true,evt_wf_20261129_00022',
      'donald.atkvw@acme.example,2026-06-23T07:02:49.000Z,platform,2,2,0,60300000,2026-06-23T23:47:49.000Z,86400000,0,0,true,evt_wf_20261129_00008',
      'vint.wmqz9@acme.example,2026-06-30T10:55:45.000Z,platform,2,1,1,,2026-06-30T12:55:45.000Z,86400000,0,1,false,evt_wf_20261129_00020',
      '',
    ]);
    expect((await get('/api/v1/export?from=2026-07-01&to=2026-06-01', AUDITOR)).body.error.message).toBe('to: expected to later than from');
  });
});
