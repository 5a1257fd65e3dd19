// Okta System Log polling through the real pipeline: a local vendor API server playing an Okta org
// (Link rel="next" pages, a 429 carrying only X-Rate-Limit-Reset, a 500 then success, a malformed
// page, the empty "caught up" page) → poll runner → Kafka → normalizer → sink → embedded ClickHouse;
// a poller that crashes between Kafka's acknowledgement and its checkpoint, then a restarted one:
// every event exactly once; an event hook delivery of the same org gets the same tenant and collapses
// with the polled copy on uuid; `planewatch backfill okta --since 7d`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';
import { json, malformed, serverError, startVendorApiServer, type VendorApiServer } from '../../demo/vendor-api-server.ts';
import { startPollRunner } from '../../services/poller/runner.ts';
import { ClickHousePollerStore } from '../../store/poller-state.ts';
import { kafkaPollPublishers } from '../../services/poller/publish.ts';
import { SOURCES } from '../../sources/registry.ts';

const run = randomUUID().slice(0, 8);
const TOKEN = `00okta${run}TestToken000000000000000000`;
const HOOK_SECRET = `okta-hook-${randomUUID()}`;
const CONN = 'okta-logs';
const LOGS = '/api/v1/logs';
const REPO = path.resolve(new URL('../..', import.meta.url).pathname);
const DAY = 86_400_000;

let api: VendorApiServer;
let t: TestPipeline;

const uuid = (n: string) => `${run}-0000-4000-8000-${n.padStart(12, '0')}`;
const admin = { id: '00uADMIN0000000001', type: 'User', alternateId: 'ada.admin@acme.example', displayName: 'Ada Admin' };
const person = (n: number) => ({
  id: `00u${run}P${n}`,
  type: 'User',
  alternateId: `P${n}.${run}@Acme.example`,
  displayName: `Person ${n}`,
});
const logEvent = (n: string, eventType: string, published: string, fields: Record<string, unknown>) => ({
  uuid: uuid(n),
  published,
  eventType,
  version: '0',
  severity: 'INFO',
  displayMessage: eventType,
  client: { ipAddress: '203.0.113.9', userAgent: { rawUserAgent: 'okta-test' } },
  outcome: { result: 'SUCCESS', reason: null },
  ...fields,
});
// Storage order (the list's order) differs from published order: e2 was published before e1.
const E = {
  e1: logEvent('1', 'user.lifecycle.create', '2026-11-28T10:00:02.000Z', { actor: admin, target: [person(1)] }),
  e2: logEvent('2', 'user.lifecycle.deactivate', '2026-11-28T10:00:01.000Z', { actor: admin, target: [person(2)] }),
  e3: logEvent('3', 'group.user_membership.add', '2026-11-28T10:00:03.000Z', {
    actor: admin,
    target: [person(1), { id: '00gENG', type: 'UserGroup', displayName: 'Engineering' }],
  }),
  e4: logEvent('4', 'user.session.start', '2026-11-28T10:00:04.000Z', { actor: person(1), target: null }),
  e5: logEvent('5', 'system.api_token.create', '2026-11-28T10:00:05.000Z', {
    actor: admin,
    target: [{ id: `00T${run}`, type: 'Token', displayName: 'ci' }],
  }),
  e6: logEvent('6', 'user.lifecycle.suspend', '2026-11-28T10:00:07.000Z', { actor: admin, target: [person(3)] }),
  e7: logEvent('7', 'user.account.privilege.grant', '2026-11-28T10:00:06.000Z', {
    actor: admin,
    target: [person(1)],
    debugContext: { debugData: { privilegeGranted: 'Super administrator' } },
  }),
  e8: logEvent('8', 'user.lifecycle.delete.initiated', '2026-11-28T11:00:00.000Z', { actor: admin, target: [person(2)] }),
  h1: logEvent('11', 'user.lifecycle.create', '2026-11-24T09:00:00.000Z', { actor: admin, target: [person(4)] }),
  h2: logEvent('12', 'user.lifecycle.activate', '2026-11-24T09:00:01.000Z', { actor: admin, target: [person(4)] }),
  h3: logEvent('13', 'user.session.end', '2026-11-24T18:00:00.000Z', { actor: person(4), target: null }),
};
const next = (after: string) => ({ link: `<${api.url}${LOGS}?limit=100&after=${after}>; rel="next"` });
const page3 = () => json([E.e6, E.e7], 200, next('c3'));

async function counts(ids: string[]): Promise<Record<string, number>> {
  const rows = await t.query<{ event_id: string; n: string }>(
    'SELECT event_id, count() AS n FROM identity_events FINAL WHERE source = {s:String} AND has({ids:Array(String)}, event_id) GROUP BY event_id ORDER BY event_id',
    { s: 'okta', ids },
  );
  return Object.fromEntries(rows.map((r) => [r.event_id, Number(r.n)]));
}
async function countsOnce(keys: (keyof typeof E)[], what: string): Promise<Record<string, number>> {
  const ids = keys.map((k) => E[k].uuid);
  return waitFor(async () => {
    const c = await counts(ids);
    return Object.keys(c).length === ids.length ? c : undefined;
  }, what);
}
const once = (keys: (keyof typeof E)[]) => Object.fromEntries(keys.map((k) => [E[k].uuid, 1]));

async function pollerStatus() {
  const rows = await t.query<Record<string, string | number | null>>(
    "SELECT last_error_kind, last_error, consecutive_failures, checkpoint_summary FROM poller_status FINAL WHERE connection_id = {c:String} AND stream = 'pages'",
    { c: CONN },
  );
  return rows[0];
}

beforeAll(async () => {
  api = await startVendorApiServer();
  // First cycle: 429 with X-Rate-Limit-Reset only (no Retry-After) then page 1; 500 then page 2; a malformed page.
  api.route({ path: LOGS, query: { after: null, limit: '100', sortOrder: 'ASCENDING' } }, [
    {
      status: 429,
      headers: {
        'x-rate-limit-limit': '120',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': String(Math.floor(Date.now() / 1000) + 1),
      },
      body: { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' },
    },
    json([E.e1, E.e2, E.e3], 200, {
      link: `<${api.url}${LOGS}?limit=100&since=x>; rel="self", <${api.url}${LOGS}?limit=100&after=c1>; rel="next"`,
    }),
  ]);
  api.route({ path: LOGS, query: { after: 'c1' } }, [
    serverError(500, { errorCode: 'E0000009', errorSummary: 'Internal Server Error' }),
    json([E.e4, E.e5], 200, next('c2')),
  ]);
  api.route({ path: LOGS, query: { after: 'c2' } }, [malformed('[{"uuid":"broken'), page3()]);
  api.route({ path: LOGS, query: { after: 'c3' } }, [json([], 200, next('c3'))]);

  process.env.TEST_OKTA_TOKEN = TOKEN;
  t = await startTestPipeline({
    configYaml: `
connections:
  - id: ${CONN}
    vendor: okta
    transport: poll
    api_key_env: TEST_OKTA_TOKEN
    base_url: ${api.url}
    poll_interval: 1h
    authoritative_for: employees
  - id: okta-hook
    vendor: okta
    transport: webhook
    secret_env: TEST_OKTA_HOOK_SECRET
    authoritative_for: employees
`,
    env: { TEST_OKTA_HOOK_SECRET: HOOK_SECRET },
    ackTimeoutMs: 15_000,
  });
});

afterAll(async () => {
  await t?.stop().catch(() => undefined);
  await api?.close();
});

describe('Okta System Log poller end to end', () => {
  it('first cycle: waits out the 429 (X-Rate-Limit-Reset), retries the 500, follows the next links, stops at the malformed page and dead-letters its bytes', async () => {
    const st = await waitFor(
      async () => {
        const s = await pollerStatus();
        return s?.last_error_kind === 'page' ? s : undefined;
      },
      'the first System Log cycle to stop at the malformed page',
      60_000,
    );
    expect(st).toEqual({
      last_error_kind: 'page',
      consecutive_failures: 1,
      last_error: 'malformed page: system log: body is not valid JSON (Unterminated string in JSON at position 16)',
      checkpoint_summary: `next after=c2 (last event ${E.e5.uuid}, latest published 2026-11-28T10:00:05.000Z)`,
    });
    const first = api.requestsTo(LOGS, { after: null });
    expect(first.map((r) => r.status)).toEqual([429, 200]);
    expect(first.map((r) => r.headers.authorization)).toEqual([`SSWS ${TOKEN}`, `SSWS ${TOKEN}`]);
    // The first walk starts at the runner's initial look-back (24 h) and asks in storage order.
    expect(Object.keys(first[0]!.query).sort()).toEqual(['limit', 'since', 'sortOrder']);
    expect(api.requestsTo(LOGS, { after: 'c1' }).map((r) => r.status)).toEqual([500, 200]);
    expect(api.requestsTo(LOGS, { after: 'c2' }).map((r) => r.status)).toEqual([200]);

    const dead = await waitFor(async () => {
      const rows = await t.query<{ stage: string; reason: string; payload: string; source: string }>(
        "SELECT stage, reason, payload, source FROM dead_letters FINAL WHERE connection_id = {c:String} AND stage = 'poller'",
        { c: CONN },
      );
      return rows.length ? rows : undefined;
    }, 'the dead letter of the malformed page');
    expect(dead.map((d) => [d.stage, d.source, d.reason, Buffer.from(d.payload, 'base64').toString()])).toEqual([
      [
        'poller',
        'okta',
        'okta pages page: system log: body is not valid JSON (Unterminated string in JSON at position 16)',
        '[{"uuid":"broken',
      ],
    ]);
    expect(await countsOnce(['e1', 'e2', 'e3', 'e4', 'e5'], 'the first two pages in identity_events')).toEqual(
      once(['e1', 'e2', 'e3', 'e4', 'e5']),
    );
  });

  it('polled events carry the org host as tenant, the plane and authority of the connection, and map like hook events', async () => {
    const rows = await t.query<Record<string, string | null>>(
      `SELECT event_id, connection_id, plane, tenant_id, authoritative_for, category, action, subject_kind, subject_id, subject_email, actor_id, vendor_type, toString(occurred_at) AS occurred_at
         FROM identity_events FINAL WHERE has({ids:Array(String)}, event_id) ORDER BY event_id`,
      { ids: [E.e2.uuid, E.e5.uuid] },
    );
    const common = {
      connection_id: CONN,
      plane: 'platform',
      tenant_id: '127.0.0.1',
      authoritative_for: 'employees',
      actor_id: '00uADMIN0000000001',
    };
    expect(rows).toEqual([
      {
        ...common,
        event_id: E.e2.uuid,
        category: 'account',
        action: 'suspended',
        subject_kind: 'human',
        subject_id: `00u${run}P2`,
        subject_email: `p2.${run}@acme.example`,
        vendor_type: 'user.lifecycle.deactivate',
        occurred_at: '2026-11-28 10:00:01.000',
      },
      {
        ...common,
        event_id: E.e5.uuid,
        category: 'credential',
        action: 'created',
        subject_kind: 'api_key',
        subject_id: `00T${run}`,
        subject_email: null,
        vendor_type: 'system.api_token.create',
        occurred_at: '2026-11-28 10:00:05.000',
      },
    ]);
    const raw = await t.query<{ content_type: string; verification_scheme: string; verification_detail: string; n: string }>(
      'SELECT content_type, verification_scheme, verification_detail, count() AS n FROM raw_envelopes FINAL WHERE connection_id = {c:String} GROUP BY content_type, verification_scheme, verification_detail',
      { c: CONN },
    );
    expect(raw).toEqual([
      { content_type: 'application/json; okta-org=127.0.0.1', verification_scheme: 'api-fetch', verification_detail: api.url, n: '2' },
    ]);
  });

  it("a poller that dies between Kafka's ack and its checkpoint, then a restarted one: the page is fetched again, the walk ends on the empty page, every event exactly once", async () => {
    // The crashing poller: publishes page 3, then "dies" before its checkpoint is stored.
    const store = new ClickHousePollerStore(t.rt.clickhouse);
    store.saveCheckpoint = async () => {
      throw new Error('simulated crash before the checkpoint was stored');
    };
    const crashing = startPollRunner({
      map: t.rt.config.map,
      sources: SOURCES,
      publishers: kafkaPollPublishers(t.rt.producer),
      store,
      log: pino({ level: 'silent' }),
      autoStart: false,
    });
    const died = await crashing.runCycle(CONN, 'pages');
    await crashing.stop();
    expect([died.ok, died.pages, died.errorKind, died.error]).toEqual([
      false,
      0,
      'other',
      'simulated crash before the checkpoint was stored',
    ]);
    expect(await countsOnce(['e6', 'e7'], 'page 3 published by the crashing poller')).toEqual(once(['e6', 'e7']));

    // The restarted poller resumes at the stored checkpoint (after page 2): page 3 again, then the empty page.
    const r = await t.pipeline.poller!.runCycle(CONN, 'pages');
    expect([r.ok, r.pages, r.items, r.error]).toEqual([true, 2, 2, null]);
    expect(api.requestsTo(LOGS, { after: 'c2' }).map((x) => x.status)).toEqual([200, 200, 200]);
    expect(api.requestsTo(LOGS, { after: 'c3' }).map((x) => x.status)).toEqual([200]);
    // (The restarted runner's status still names the cycle-1 error it saw, now with 0 failures in a row.)
    expect(await pollerStatus()).toEqual({
      last_error_kind: 'page',
      last_error: 'malformed page: system log: body is not valid JSON (Unterminated string in JSON at position 16)',
      consecutive_failures: 0,
      checkpoint_summary: `next after=c3 (last event ${E.e7.uuid}, latest published 2026-11-28T10:00:07.000Z)`,
    });

    // Caught up: the next cycle asks the empty page's next link again and publishes nothing.
    const idle = await t.pipeline.poller!.runCycle(CONN, 'pages');
    expect([idle.ok, idle.pages, idle.items]).toEqual([true, 1, 0]);
    expect(api.requestsTo(LOGS, { after: 'c3' })).toHaveLength(2);

    await new Promise((res) => setTimeout(res, 1000));
    const all: (keyof typeof E)[] = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'];
    expect(await counts(all.map((k) => E[k].uuid))).toEqual(once(all));
    // Page 3 was published twice with the same bytes: one raw envelope; the empty pages were never published.
    const raws = await t.query<{ n: string; empty: string }>(
      "SELECT count() AS n, countIf(body = '[]') AS empty FROM raw_envelopes FINAL WHERE connection_id = {c:String}",
      { c: CONN },
    );
    expect(raws).toEqual([{ n: '3', empty: '0' }]);
  });

  it('an event hook delivery from the same org gets the same tenant; the event polled too stays one row', async () => {
    const body = JSON.stringify({
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      cloudEventsVersion: '0.1',
      contentType: 'application/json',
      eventId: randomUUID(),
      eventTime: '2026-11-28T11:00:05.000Z',
      source: `${api.url}/api/v1/eventHooks/whoE2E000000000`,
      data: { events: [E.e1, E.e8] },
    });
    const res = await fetch(`${t.pipeline.url}/webhooks/okta/okta-hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: HOOK_SECRET },
      body,
    });
    expect(res.status).toBe(202);
    const rows = await waitFor(async () => {
      const r = await t.query<Record<string, string | null>>(
        'SELECT connection_id, tenant_id, plane, category, action, subject_id FROM identity_events FINAL WHERE event_id = {e:String}',
        { e: E.e8.uuid },
      );
      return r.length ? r : undefined;
    }, 'the hook-delivered event');
    expect(rows).toEqual([
      {
        connection_id: 'okta-hook',
        tenant_id: '127.0.0.1',
        plane: 'platform',
        category: 'account',
        action: 'deleted',
        subject_id: `00u${run}P2`,
      },
    ]);
    await new Promise((res2) => setTimeout(res2, 1000));
    expect(await counts([E.e1.uuid])).toEqual({ [E.e1.uuid]: 1 });
    const tenants = await t.query<{ tenant_id: string; n: string }>(
      'SELECT tenant_id, count() AS n FROM identity_events FINAL WHERE source = {s:String} AND startsWith(event_id, {p:String}) GROUP BY tenant_id',
      { s: 'okta', p: run },
    );
    expect(tenants).toEqual([{ tenant_id: '127.0.0.1', n: '8' }]);
  });
});

describe('planewatch backfill okta', () => {
  it('`planewatch backfill okta --since 7d` walks from since to the empty page through Kafka; the live checkpoint is untouched', async () => {
    api.route({ path: LOGS, query: { after: null } }, [json([E.h1, E.h2], 200, next('h1'))]);
    api.route({ path: LOGS, query: { after: 'h1' } }, [json([E.h3, E.e1], 200, next('h2'))]);
    api.route({ path: LOGS, query: { after: 'h2' } }, [json([], 200, next('h2'))]);
    const exec = promisify(execFile);
    const started = Date.now();
    const { stdout, stderr } = await exec(process.execPath, [path.join(REPO, 'bin/planewatch.js'), 'backfill', 'okta', '--since', '7d'], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        PLANEWATCH_DATA_DIR: t.dataDir,
        PLANEWATCH_CONFIG: path.join(t.dataDir, 'planewatch.yaml'),
        PLANEWATCH_LOG_LEVEL: 'silent',
        KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
        PLANEWATCH_TOPIC_PREFIX: process.env.PLANEWATCH_TOPIC_PREFIX ?? '',
        TEST_OKTA_TOKEN: TOKEN,
      },
    });
    expect(stdout).toBe(`${CONN}: 3 pages, 4 items published\n`);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^backfill ${CONN} \\(okta\\) since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$`));
    expect(lines.slice(1).map((l) => l.replace(/ · [\d.]+ items\/s/, ' · R items/s').slice(2))).toEqual([
      `${CONN} ▰▱▱▱▱▱▱▱▱▱ 1 pages · 2 items · R items/s · next after=h1 (last event ${E.h2.uuid}, latest published 2026-11-24T09:00:01.000Z)`,
      `${CONN} ▰▰▱▱▱▱▱▱▱▱ 2 pages · 4 items · R items/s · next after=h2 (last event ${E.e1.uuid}, latest published 2026-11-28T10:00:02.000Z)`,
      `${CONN} ▰▰▰▱▱▱▱▱▱▱ 3 pages · 4 items · R items/s · next after=h2 (last event ${E.e1.uuid}, latest published 2026-11-28T10:00:02.000Z)`,
    ]);
    // since = 7 days before the command ran (the CLI computes it; the request carries it as ISO).
    const sinceAsked = api.requests.filter((r) => r.path === LOGS && r.query.after === undefined).at(-1)!.query.since!;
    expect(Date.parse(sinceAsked)).toBeGreaterThanOrEqual(started - 7 * DAY - 1000);
    expect(Date.parse(sinceAsked)).toBeLessThanOrEqual(Date.now() - 7 * DAY);

    expect(await countsOnce(['h1', 'h2', 'h3'], 'the backfilled events')).toEqual(once(['h1', 'h2', 'h3']));
    await new Promise((res) => setTimeout(res, 1000));
    expect(await counts([E.e1.uuid])).toEqual({ [E.e1.uuid]: 1 }); // re-delivered by the backfill: still one row
    const cp = await t.query<{ summary: string }>(
      "SELECT summary FROM poller_checkpoints FINAL WHERE connection_id = {c:String} AND stream = 'pages'",
      { c: CONN },
    );
    expect(cp).toEqual([{ summary: `next after=c3 (last event ${E.e7.uuid}, latest published 2026-11-28T10:00:07.000Z)` }]);
  });
});
