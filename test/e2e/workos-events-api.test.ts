// WorkOS Events API through the real pipeline: a local vendor API server (several pages, an empty
// page, 429 + Retry-After, 500 then success, a malformed page, an auth failure) → poll runner →
// Kafka → normalizer → sink → embedded ClickHouse. A restart mid-way resumes after the last
// acknowledged page; every event is stored exactly once; an event that also arrives by webhook is
// the same row (event_id = the WorkOS event id).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  json,
  malformed,
  serverError,
  startVendorApiServer,
  tooManyRequests,
  unauthorized,
  type VendorApiServer,
} from '../../demo/vendor-api-server.ts';
import { startPollRunner, type PollRunner } from '../../services/poller/runner.ts';
import { ClickHousePollerStore } from '../../store/poller-state.ts';
import { kafkaPollPublishers } from '../../services/poller/publish.ts';
import { SOURCES } from '../../sources/registry.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { WORKOS_EVENTS_API_TYPES } from '../../sources/workos/poller.ts';

const run = randomUUID().slice(0, 8);
const KEY = `sk_test_${randomUUID().replace(/-/g, '')}`;
const SECRET = `whsec_${run}`;
const CONN = `workos-events-${run}`;
const HOOK = `workos-hook-${run}`;
const T0 = Date.now() - 3_600_000; // inside the runner's initial 24 h look-back

let api: VendorApiServer;
let t: TestPipeline;
let restarted: PollRunner | null = null;

const id = (n: number) => `event_${run}_${n}`;
const at = (n: number) => new Date(T0 + n * 60_000).toISOString();
// Each a different event type the mapper handles; the subject ids are per run.
const events: Record<number, Record<string, unknown>> = {
  1: {
    object: 'event',
    id: id(1),
    event: 'dsync.user.created',
    created_at: at(1),
    context: {},
    data: {
      object: 'directory_user',
      id: `directory_user_${run}_1`,
      directory_id: 'directory_01E2E',
      organization_id: 'org_01E2ECUSTOMER',
      idp_id: '00u1',
      email: 'Grace.Hopper@Customer.example',
      emails: [{ primary: true, type: 'work', value: 'Grace.Hopper@Customer.example' }],
      first_name: 'Grace',
      last_name: 'Hopper',
      state: 'active',
      created_at: at(1),
      updated_at: at(1),
    },
  },
  2: {
    object: 'event',
    id: id(2),
    event: 'authentication.sso_succeeded',
    created_at: at(2),
    context: {},
    data: {
      type: 'sso',
      status: 'succeeded',
      ip_address: '203.0.113.9',
      user_agent: 'Mozilla/5.0',
      user_id: `user_${run}_1`,
      email: 'grace.hopper@customer.example',
      sso: { organization_id: 'org_01E2ECUSTOMER', connection_id: 'conn_01E2E', session_id: `session_${run}` },
    },
  },
  3: {
    object: 'event',
    id: id(3),
    event: 'organization_membership.deleted',
    created_at: at(3),
    context: { actor: { id: 'user_01ADMIN', source: 'dashboard', name: 'Ada Admin' } },
    data: {
      object: 'organization_membership',
      id: `om_${run}`,
      user_id: `user_${run}_1`,
      organization_id: 'org_01E2ECUSTOMER',
      status: 'active',
      role: { slug: 'admin' },
      created_at: at(0),
      updated_at: at(3),
    },
  },
  4: {
    object: 'event',
    id: id(4),
    event: 'dsync.user.deleted',
    created_at: at(4),
    context: {},
    data: {
      object: 'directory_user',
      id: `directory_user_${run}_1`,
      directory_id: 'directory_01E2E',
      organization_id: 'org_01E2ECUSTOMER',
      email: 'grace.hopper@customer.example',
      first_name: 'Grace',
      last_name: 'Hopper',
      state: 'inactive',
      created_at: at(1),
      updated_at: at(4),
    },
  },
  5: {
    object: 'event',
    id: id(5),
    event: 'session.revoked',
    created_at: at(5),
    context: {},
    data: {
      object: 'session',
      id: `session_${run}`,
      user_id: `user_${run}_1`,
      organization_id: 'org_01E2ECUSTOMER',
      status: 'revoked',
      created_at: at(2),
      updated_at: at(5),
    },
  },
  6: {
    object: 'event',
    id: id(6),
    event: 'user.deleted',
    created_at: at(6),
    context: {},
    data: {
      object: 'user',
      id: `user_${run}_1`,
      email: 'grace.hopper@customer.example',
      first_name: 'Grace',
      last_name: 'Hopper',
      created_at: at(0),
      updated_at: at(6),
    },
  },
};
const list = (ns: number[], after: string | null) => ({
  object: 'list',
  data: ns.map((n) => events[n]),
  list_metadata: { before: null, after },
});

beforeAll(async () => {
  api = await startVendorApiServer();
  // First (automatic) cycle: 429 + Retry-After on page 1, a 500 before page 2, then a malformed page.
  api.route({ path: '/events', query: { after: null } }, [tooManyRequests(1), json(list([1, 2], id(2)))]);
  api.route({ path: '/events', query: { after: id(2) } }, [serverError(), json(list([3], id(3)))]);
  api.route({ path: '/events', query: { after: id(3) } }, [malformed('{"object":"list","data":[{"id":'), json(list([4], id(4)))]);
  api.route({ path: '/events', query: { after: id(4) } }, [json(list([], null))]);
  process.env.TEST_WORKOS_EVENTS_KEY = KEY;
  t = await startTestPipeline({
    configYaml: `
connections:
  - id: ${CONN}
    vendor: workos
    transport: poll
    api_key_env: TEST_WORKOS_EVENTS_KEY
    base_url: ${api.url}
    poll_interval: 1h
  - id: ${HOOK}
    vendor: workos
    transport: webhook
    secret_env: TEST_WORKOS_HOOK_SECRET
`,
    env: { TEST_WORKOS_HOOK_SECRET: SECRET },
    ackTimeoutMs: 15_000,
  });
});

afterAll(async () => {
  await restarted?.stop().catch(() => undefined);
  await t?.stop().catch(() => undefined);
  await api?.close();
});

async function pollerStatus() {
  const rows = await t.query<Record<string, string | number | null>>(
    "SELECT last_error_kind, last_error, consecutive_failures, checkpoint_summary, dlq_total FROM poller_status FINAL WHERE connection_id = {c:String} AND stream = 'pages'",
    { c: CONN },
  );
  return rows[0];
}

async function counts(): Promise<Record<string, number>> {
  const rows = await t.query<{ event_id: string; n: string }>(
    'SELECT event_id, count() AS n FROM identity_events FINAL WHERE source = {s:String} AND startsWith(event_id, {p:String}) GROUP BY event_id ORDER BY event_id',
    { s: 'workos', p: `event_${run}_` },
  );
  return Object.fromEntries(rows.map((r) => [r.event_id, Number(r.n)]));
}

const waitCounts = (n: number) =>
  waitFor(async () => {
    const c = await counts();
    return Object.keys(c).length === n ? c : undefined;
  }, `${n} WorkOS events in identity_events`);

describe('WorkOS Events API poller end to end', () => {
  it('first cycle: Retry-After honoured, the 500 retried, the malformed page dead-lettered; the checkpoint stays before it', async () => {
    const st = await waitFor(
      async () => {
        const s = await pollerStatus();
        return s?.last_error_kind === 'page' ? s : undefined;
      },
      'the first events cycle to stop at the malformed page',
      60_000,
    );
    expect(st).toMatchObject({
      last_error_kind: 'page',
      consecutive_failures: 1,
      dlq_total: '1',
      last_error: 'malformed page: events: body is not valid JSON (Unexpected end of JSON input)',
      checkpoint_summary: `after ${id(3)} (created ${at(3)})`,
    });
    const first = api.requestsTo('/events', { after: null });
    expect(first.map((r) => r.status)).toEqual([429, 200]);
    expect(first[1]!.query).toEqual({
      events: WORKOS_EVENTS_API_TYPES.join(','),
      order: 'asc',
      limit: '100',
      range_start: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    // The runner's initial look-back is 24 h before the cycle started.
    expect(Date.now() - Date.parse(first[1]!.query.range_start!)).toBeGreaterThan(24 * 3_600_000);
    expect(first[1]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(api.requestsTo('/events', { after: id(2) }).map((r) => r.status)).toEqual([500, 200]);
    const dead = await waitFor(async () => {
      const rows = await t.query<{ reason: string; payload: string }>(
        "SELECT reason, payload FROM dead_letters FINAL WHERE connection_id = {c:String} AND stage = 'poller'",
        { c: CONN },
      );
      return rows.length ? rows : undefined;
    }, 'the dead letter of the malformed page');
    expect(dead.map((d) => [d.reason, Buffer.from(d.payload, 'base64').toString()])).toEqual([
      ['workos pages page: events: body is not valid JSON (Unexpected end of JSON input)', '{"object":"list","data":[{"id":'],
    ]);
    expect(await waitCounts(3)).toEqual({ [id(1)]: 1, [id(2)]: 1, [id(3)]: 1 });
  });

  it('next cycle fetches the malformed page again, finishes on the empty page; rows carry the mapping', async () => {
    const r = await t.pipeline.poller!.runCycle(CONN, 'pages');
    expect([r.ok, r.pages, r.items, r.error]).toEqual([true, 2, 1, null]);
    expect(api.requestsTo('/events', { after: id(3) }).map((x) => x.status)).toEqual([200, 200]);
    expect(await waitCounts(4)).toEqual({ [id(1)]: 1, [id(2)]: 1, [id(3)]: 1, [id(4)]: 1 });
    const rows = await t.query<Record<string, string | null>>(
      `SELECT event_id, connection_id, plane, tenant_id, category, action, subject_kind, subject_id, subject_email, vendor_type, toString(occurred_at) AS occurred_at
       FROM identity_events FINAL WHERE source = 'workos' AND startsWith(event_id, {p:String}) ORDER BY event_id`,
      { p: `event_${run}_` },
    );
    const ts = (n: number) => at(n).replace('T', ' ').replace('Z', '');
    expect(rows).toEqual([
      {
        event_id: id(1),
        connection_id: CONN,
        plane: 'application',
        tenant_id: 'org_01E2ECUSTOMER',
        category: 'account',
        action: 'created',
        subject_kind: 'human',
        subject_id: `directory_user_${run}_1`,
        subject_email: 'grace.hopper@customer.example',
        vendor_type: 'dsync.user.created',
        occurred_at: ts(1),
      },
      {
        event_id: id(2),
        connection_id: CONN,
        plane: 'application',
        tenant_id: 'org_01E2ECUSTOMER',
        category: 'authentication',
        action: 'succeeded',
        subject_kind: 'human',
        subject_id: `user_${run}_1`,
        subject_email: 'grace.hopper@customer.example',
        vendor_type: 'authentication.sso_succeeded',
        occurred_at: ts(2),
      },
      {
        event_id: id(3),
        connection_id: CONN,
        plane: 'application',
        tenant_id: 'org_01E2ECUSTOMER',
        category: 'membership',
        action: 'removed',
        subject_kind: 'human',
        subject_id: `user_${run}_1`,
        subject_email: null,
        vendor_type: 'organization_membership.deleted',
        occurred_at: ts(3),
      },
      {
        event_id: id(4),
        connection_id: CONN,
        plane: 'application',
        tenant_id: 'org_01E2ECUSTOMER',
        category: 'account',
        action: 'deleted',
        subject_kind: 'human',
        subject_id: `directory_user_${run}_1`,
        subject_email: 'grace.hopper@customer.example',
        vendor_type: 'dsync.user.deleted',
        occurred_at: ts(4),
      },
    ]);
    expect((await pollerStatus())!.checkpoint_summary).toBe(`after ${id(4)} (created ${at(4)})`);
  });

  it('the same event delivered by webhook too is still one row (event_id = the WorkOS event id)', async () => {
    const body = JSON.stringify(events[2]);
    const res = await fetch(`${t.pipeline.url}/webhooks/workos/${HOOK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(body, SECRET, Date.now()) },
      body,
    });
    expect(res.status).toBe(202);
    await waitFor(async () => {
      const rows = await t.query<{ n: string }>(
        "SELECT count() AS n FROM raw_envelopes FINAL WHERE connection_id = {c:String} AND transport = 'webhook'",
        { c: HOOK },
      );
      return Number(rows[0]!.n) === 1 ? true : undefined;
    }, 'the webhook envelope');
    // Both deliveries are kept as evidence; the event exists once.
    const raws = await t.query<{ transport: string }>(
      'SELECT transport FROM raw_envelopes FINAL WHERE source = {s:String} AND position(body, {e:String}) > 0 ORDER BY transport',
      { s: 'workos', e: id(2) },
    );
    expect(raws.map((r) => r.transport)).toEqual(['poll', 'webhook']);
    await waitFor(async () => {
      const rows = await t.query<{ n: string }>(
        'SELECT count() AS n FROM identity_events WHERE source = {s:String} AND event_id = {e:String}',
        { s: 'workos', e: id(2) },
      );
      return Number(rows[0]!.n) >= 1 ? true : undefined;
    }, 'the webhook-delivered event to be stored');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await counts()).toEqual({ [id(1)]: 1, [id(2)]: 1, [id(3)]: 1, [id(4)]: 1 });
  });

  it('an auth failure is visible in status (vendor message, key scrubbed) and the checkpoint does not move', async () => {
    api.route({ path: '/events', query: { after: id(4) } }, [unauthorized(`Invalid API key ${KEY}`), json(list([5], id(5)))]);
    const denied = await t.pipeline.poller!.runCycle(CONN, 'pages');
    expect([denied.ok, denied.errorKind, denied.error]).toEqual([
      false,
      'auth',
      'authentication failed (HTTP 401): Invalid API key [redacted]',
    ]);
    const st = await pollerStatus();
    expect([st!.last_error_kind, st!.last_error, st!.checkpoint_summary]).toEqual([
      'auth',
      'authentication failed (HTTP 401): Invalid API key [redacted]',
      `after ${id(4)} (created ${at(4)})`,
    ]);
    const res = await fetch(`${t.pipeline.url}/api/v1/status`, { headers: { authorization: `Bearer ${t.apiToken}` } });
    const { data } = (await res.json()) as { data: Record<string, unknown>[] };
    expect(data.find((d) => d.connection_id === CONN)).toMatchObject({
      vendor: 'workos',
      transport: 'poll',
      stream: 'pages',
      last_error_kind: 'auth',
      last_error: 'authentication failed (HTTP 401): Invalid API key [redacted]',
      checkpoint: `after ${id(4)} (created ${at(4)})`,
      consecutive_failures: 1,
    });
    const leaked = await t.query<{ n: string }>('SELECT count() AS n FROM poller_status FINAL WHERE position(last_error, {k:String}) > 0', {
      k: KEY,
    });
    expect(leaked).toEqual([{ n: '0' }]);
  });

  it('stopped mid-walk and restarted: resumes after the last acknowledged page; every event exactly once', async () => {
    // e5 arrives at once; the page after it is slow, and the runner is stopped while waiting for it.
    api.route({ path: '/events', query: { after: id(5) } }, [
      { status: 200, body: list([6], id(6)), delayMs: 4000 },
      json(list([6], id(6))),
    ]);
    api.route({ path: '/events', query: { after: id(6) } }, [json(list([], null))]);
    const inFlight = t.pipeline.poller!.runCycle(CONN, 'pages');
    await waitFor(
      async () => (api.requestsTo('/events', { after: id(5) }).length === 1 ? true : undefined),
      'the slow page to be requested',
    );
    await t.pipeline.poller!.stop();
    const stopped = await inFlight;
    expect([stopped.pages, stopped.items]).toEqual([1, 1]);
    // e5's page was acknowledged before the stop: its checkpoint is stored.
    const cp = await t.query<{ summary: string }>(
      "SELECT summary FROM poller_checkpoints FINAL WHERE connection_id = {c:String} AND stream = 'pages'",
      { c: CONN },
    );
    expect(cp).toEqual([{ summary: `after ${id(5)} (created ${at(5)})` }]);

    restarted = startPollRunner({
      map: t.rt.config.map,
      sources: SOURCES,
      publishers: kafkaPollPublishers(t.rt.producer),
      store: new ClickHousePollerStore(t.rt.clickhouse),
      log: pino({ level: 'silent' }),
      autoStart: false,
      env: { TEST_WORKOS_EVENTS_KEY: KEY },
    });
    const resumed = await restarted.runCycle(CONN, 'pages');
    expect([resumed.ok, resumed.pages, resumed.items]).toEqual([true, 2, 1]);
    // after=e4: the empty page of cycle 2, the 401, then e5's page — which the restart did not fetch again.
    expect(api.requestsTo('/events', { after: id(4) }).map((r) => r.status)).toEqual([200, 401, 200]);
    expect(api.requestsTo('/events', { after: id(5) })).toHaveLength(2);
    expect(await waitCounts(6)).toEqual({ [id(1)]: 1, [id(2)]: 1, [id(3)]: 1, [id(4)]: 1, [id(5)]: 1, [id(6)]: 1 });

    // Run again with nothing new: one empty page, nothing published, still exactly once.
    const again = await restarted.runCycle(CONN, 'pages');
    expect([again.ok, again.pages, again.items]).toEqual([true, 1, 0]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await counts()).toEqual({ [id(1)]: 1, [id(2)]: 1, [id(3)]: 1, [id(4)]: 1, [id(5)]: 1, [id(6)]: 1 });
    const st = await pollerStatus();
    expect([st!.last_error_kind, st!.consecutive_failures, st!.checkpoint_summary]).toEqual([
      'auth',
      0,
      `after ${id(6)} (created ${at(6)})`,
    ]);
  });
});
