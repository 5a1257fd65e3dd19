// OpenAI audit log + inventory through the real pipeline: a local vendor API server (pagination,
// an empty page, 429 + Retry-After, 500 then success, a malformed page, an auth failure) → poll
// runner → Kafka → normalizer → sink → embedded ClickHouse; checkpoints and status in ClickHouse;
// `planewatch status` through the running API and directly on the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import path from 'node:path';
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
import { writeRunInfo, clearRunInfo } from '../../core/run-file.ts';

const run = randomUUID().slice(0, 8);
const KEY = `sk-admin-test-${randomUUID()}`;
const CONN = 'openai-main';
const AUDIT = '/v1/organization/audit_logs';
const BASE = Math.floor(Date.now() / 1000) - 3600; // inside the runner's initial 24 h look-back
const REPO = path.resolve(new URL('../..', import.meta.url).pathname);

let api: VendorApiServer;
let t: TestPipeline;

const id = (n: number) => `audit_log-${run}-${n}`;
const session = {
  type: 'session',
  session: { user: { id: `user-owner-${run}`, email: 'Owner@Acme.example' }, ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0' },
};
const saKey = { type: 'api_key', api_key: { id: 'key_admin01', type: 'service_account', service_account: { id: `svc_${run}` } } };
const events = {
  1: {
    id: id(1),
    type: 'user.added',
    effective_at: BASE + 10,
    actor: session,
    'user.added': { id: `user-new-${run}`, data: { role: 'reader' } },
  },
  2: {
    id: id(2),
    type: 'api_key.created',
    effective_at: BASE + 20,
    project: { id: 'proj_a', name: 'Prod' },
    actor: saKey,
    'api_key.created': { id: `key_new_${run}`, data: { scopes: ['api.model.request'] } },
  },
  3: {
    id: id(3),
    type: 'login.failed',
    effective_at: BASE + 30,
    actor: session,
    'login.failed': { error_code: 'invalid_password', error_message: 'Wrong password' },
  },
  4: { id: id(4), type: 'user.deleted', effective_at: BASE + 40, actor: session, 'user.deleted': { id: `user-leaver-${run}` } },
  5: { id: id(5), type: 'tenant.user.removed', effective_at: BASE + 50, actor: session },
  6: {
    id: id(6),
    type: 'api_key.deleted',
    effective_at: BASE + 60,
    project: { id: 'proj_a', name: 'Prod' },
    actor: session,
    'api_key.deleted': { id: `key_new_${run}` },
  },
};
const list = (data: unknown[], hasMore: boolean) => ({
  object: 'list',
  data,
  first_id: (data[0] as { id?: string })?.id ?? null,
  last_id: (data[data.length - 1] as { id?: string })?.id ?? null,
  has_more: hasMore,
});

const user = (n: number) => ({
  object: 'organization.user',
  id: `user-${run}-${n}`,
  name: `User ${n}`,
  email: `User${n}@Acme.example`,
  role: 'reader',
  added_at: BASE,
});
const key = (n: number, owner: 'user' | 'sa') => ({
  object: 'organization.project.api_key',
  id: `key_${run}_${n}`,
  name: `k${n}`,
  redacted_value: 'sk-abc...def',
  created_at: BASE - 86400,
  last_used_at: n === 1 ? BASE : null,
  owner_project_access: n === 3 ? 'inactive' : 'active',
  owner:
    owner === 'user'
      ? { type: 'user', user: { id: `user-${run}-1`, email: `User1@Acme.example`, name: 'User 1', role: 'owner' } }
      : { type: 'service_account', service_account: { id: `svc_${run}`, name: 'bot', role: 'member' } },
});
const PROJ = '/v1/organization/projects';

beforeAll(async () => {
  api = await startVendorApiServer();
  // Audit log, first walk: 429 + Retry-After, page 1; 500 then page 2; a malformed page, then an empty last page.
  api.route({ path: AUDIT, query: { after: null } }, [tooManyRequests(1), json(list([events[1], events[2], events[3]], true))]);
  api.route({ path: AUDIT, query: { after: id(3) } }, [serverError(), json(list([events[4], events[5]], true))]);
  api.route({ path: AUDIT, query: { after: id(5) } }, [malformed(), json(list([], false))]);
  // Inventory, first snapshot: project keys over two pages.
  api.route({ path: '/v1/organization/users' }, [json(list([user(1), user(2)], false))]);
  api.route({ path: '/v1/organization/admin_api_keys' }, [
    json(
      list(
        [
          {
            object: 'organization.admin_api_key',
            id: `key_adm_${run}`,
            name: 'ops',
            redacted_value: 'sk-admin...x',
            created_at: BASE,
            last_used_at: null,
            expires_at: null,
            owner: { type: 'user', id: `user-${run}-1`, name: 'User 1', role: 'owner' },
          },
        ],
        false,
      ),
    ),
  ]);
  api.route({ path: PROJ, query: { include_archived: 'true' } }, [
    json(
      list(
        [
          { object: 'organization.project', id: 'proj_a', name: 'Prod', created_at: BASE, status: 'active' },
          { object: 'organization.project', id: 'proj_old', name: 'Old', created_at: BASE, archived_at: BASE, status: 'archived' },
        ],
        false,
      ),
    ),
  ]);
  api.route({ path: `${PROJ}/proj_a/users` }, [
    json(
      list(
        [
          {
            object: 'organization.project.user',
            id: `user-${run}-1`,
            name: 'User 1',
            email: 'User1@Acme.example',
            role: 'owner',
            added_at: BASE,
          },
        ],
        false,
      ),
    ),
  ]);
  api.route({ path: `${PROJ}/proj_a/service_accounts` }, [
    json(
      list([{ object: 'organization.project.service_account', id: `svc_${run}`, name: 'bot', role: 'member', created_at: BASE }], false),
    ),
  ]);
  api.route({ path: `${PROJ}/proj_a/api_keys`, query: { owner_project_access: 'any', after: null } }, [
    json(list([key(1, 'user'), key(2, 'sa')], true)),
  ]);
  api.route({ path: `${PROJ}/proj_a/api_keys`, query: { owner_project_access: 'any', after: `key_${run}_2` } }, [
    json(list([key(3, 'user')], false)),
  ]);

  process.env.TEST_OPENAI_ADMIN_KEY = KEY;
  t = await startTestPipeline({
    configYaml: `
connections:
  - id: ${CONN}
    vendor: openai
    transport: poll
    api_key_env: TEST_OPENAI_ADMIN_KEY
    base_url: ${api.url}/v1
    poll_interval: 1h
    inventory_interval: 1h
  - id: workos-main
    vendor: workos
    transport: webhook
    secret_env: TEST_WORKOS_SECRET
`,
    env: { TEST_WORKOS_SECRET: 'whsec_' + run },
    ackTimeoutMs: 15_000,
  });
});

afterAll(async () => {
  await t?.stop().catch(() => undefined);
  await api?.close();
});

async function pollerStatus(stream: string) {
  const rows = await t.query<Record<string, string | number | null>>(
    'SELECT stream, last_error_kind, last_error, consecutive_failures, checkpoint_summary FROM poller_status FINAL WHERE connection_id = {c:String} AND stream = {s:String}',
    { c: CONN, s: stream },
  );
  return rows[0];
}

async function auditEventCounts(): Promise<Record<string, number>> {
  const rows = await t.query<{ event_id: string; n: string }>(
    "SELECT event_id, count() AS n FROM identity_events FINAL WHERE connection_id = {c:String} AND category != 'inventory' GROUP BY event_id ORDER BY event_id",
    { c: CONN },
  );
  return Object.fromEntries(rows.map((r) => [r.event_id, Number(r.n)]));
}

describe('OpenAI audit-log poller end to end', () => {
  it('first cycle: honours 429 Retry-After, retries the 500, stops at the malformed page and dead-letters its bytes', async () => {
    const st = await waitFor(
      async () => {
        const s = await pollerStatus('pages');
        return s?.last_error_kind === 'page' ? s : undefined;
      },
      'the first audit cycle to stop at the malformed page',
      60_000,
    );
    expect(st).toMatchObject({
      stream: 'pages',
      last_error_kind: 'page',
      consecutive_failures: 1,
      last_error: 'malformed page: audit_logs: body is not valid JSON (Unexpected end of JSON input)',
    });
    // The checkpoint stayed after page 2 (the watermark is the runner's initial look-back, 24 h before the cycle).
    expect(String(st!.checkpoint_summary)).toMatch(
      new RegExp(
        `^effective_at >= \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(0 ids seen at that second\\), walk in progress after ${id(5)}$`,
      ),
    );
    const first = api.requestsTo(AUDIT, { after: null });
    expect(first.map((r) => r.status)).toEqual([429, 200]);
    expect(first[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(api.requestsTo(AUDIT, { after: id(3) }).map((r) => r.status)).toEqual([500, 200]);
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
        'openai',
        'openai pages page: audit_logs: body is not valid JSON (Unexpected end of JSON input)',
        '{"object":"list","data":[{"id":',
      ],
    ]);
  });

  it('next cycle re-fetches the malformed page, finishes the walk on the empty page; every event arrives exactly once', async () => {
    const r = await t.pipeline.poller!.runCycle(CONN, 'pages');
    expect([r.ok, r.pages, r.items, r.error]).toEqual([true, 1, 0, null]);
    expect(api.requestsTo(AUDIT, { after: id(5) }).map((x) => x.status)).toEqual([200, 200]);
    const counts = await waitFor(async () => {
      const c = await auditEventCounts();
      return Object.keys(c).length === 5 ? c : undefined;
    }, 'five audit events in identity_events');
    expect(counts).toEqual({ [id(1)]: 1, [id(2)]: 1, [id(3)]: 1, [id(4)]: 1, [id(5)]: 1 });
    const rows = await t.query<Record<string, string | null>>(
      'SELECT event_id, plane, category, action, subject_kind, subject_id, actor_kind, actor_id, actor_credential_id, vendor_type, toString(occurred_at) AS occurred_at FROM identity_events FINAL WHERE event_id IN ({a:String}, {b:String}) ORDER BY event_id',
      { a: id(2), b: id(5) },
    );
    expect(rows).toEqual([
      {
        event_id: id(2),
        plane: 'platform',
        category: 'credential',
        action: 'created',
        subject_kind: 'api_key',
        subject_id: `key_new_${run}`,
        actor_kind: 'service_account',
        actor_id: `svc_${run}`,
        actor_credential_id: 'key_admin01',
        vendor_type: 'api_key.created',
        occurred_at: new Date((BASE + 20) * 1000).toISOString().replace('T', ' ').replace('Z', ''),
      },
      {
        event_id: id(5),
        plane: 'platform',
        category: 'other',
        action: 'removed',
        subject_kind: 'other',
        subject_id: id(5),
        actor_kind: 'human',
        actor_id: `user-owner-${run}`,
        actor_credential_id: null,
        vendor_type: 'tenant.user.removed',
        occurred_at: new Date((BASE + 50) * 1000).toISOString().replace('T', ' ').replace('Z', ''),
      },
    ]);
    expect((await pollerStatus('pages'))!.checkpoint_summary).toBe(
      `effective_at >= ${new Date((BASE + 50) * 1000).toISOString().replace('.000Z', 'Z')} (1 id seen at that second)`,
    );
  });

  it('an auth failure is recorded with the vendor message (never the key) and the cycle stops; the next cycle resumes at the watermark', async () => {
    api.route({ path: AUDIT, query: { after: null, 'effective_at[gte]': String(BASE + 50) } }, [
      unauthorized(`Incorrect API key provided: ${KEY}.`),
      json(list([events[5], events[6]], false)),
    ]);
    const denied = await t.pipeline.poller!.runCycle(CONN, 'pages');
    expect([denied.ok, denied.errorKind, denied.error]).toEqual([
      false,
      'auth',
      'authentication failed (HTTP 401): Incorrect API key provided: [redacted].',
    ]);
    const ok = await t.pipeline.poller!.runCycle(CONN, 'pages');
    expect([ok.ok, ok.pages, ok.items]).toEqual([true, 1, 1]);
    const counts = await waitFor(async () => {
      const c = await auditEventCounts();
      return Object.keys(c).length === 6 ? c : undefined;
    }, 'six audit events');
    // e5 was delivered again in that page: still one row.
    expect(counts).toEqual({ [id(1)]: 1, [id(2)]: 1, [id(3)]: 1, [id(4)]: 1, [id(5)]: 1, [id(6)]: 1 });
    const stored = await t.query<{ n: string }>('SELECT count() AS n FROM poller_status FINAL WHERE last_error LIKE {k:String}', {
      k: `%${KEY}%`,
    });
    expect(stored).toEqual([{ n: '0' }]);
  });
});

describe('OpenAI inventory end to end', () => {
  async function inventoryRows(kind: string, action: string) {
    return t.query<Record<string, string | null>>(
      `SELECT subject_id, subject_kind, tenant_id, credential_kind, credential_owner_id, credential_owner_kind, attributes['owner_project_access'] AS opa, vendor_type
       FROM identity_events FINAL WHERE connection_id = {c:String} AND category = 'inventory' AND action = {a:String} AND vendor_type = {v:String} ORDER BY subject_id`,
      { c: CONN, a: action, v: action === 'removed' ? `inventory.${kind}.removed` : `inventory.${kind}` },
    );
  }

  it('first snapshot: observed users, keys (both pages, owner_project_access=any), service accounts, projects', async () => {
    await waitFor(
      async () => ((await pollerStatus('inventory'))?.checkpoint_summary ? true : undefined),
      'the first inventory snapshot',
      60_000,
    );
    const keys = await waitFor(async () => {
      const rows = await inventoryRows('project_api_key', 'observed');
      return rows.length === 3 ? rows : undefined;
    }, 'three observed project keys');
    expect(keys).toEqual([
      {
        subject_id: `key_${run}_1`,
        subject_kind: 'api_key',
        tenant_id: 'proj_a',
        credential_kind: 'project_key',
        credential_owner_id: `user-${run}-1`,
        credential_owner_kind: 'human',
        opa: 'active',
        vendor_type: 'inventory.project_api_key',
      },
      {
        subject_id: `key_${run}_2`,
        subject_kind: 'api_key',
        tenant_id: 'proj_a',
        credential_kind: 'service_account_key',
        credential_owner_id: `svc_${run}`,
        credential_owner_kind: 'service_account',
        opa: 'active',
        vendor_type: 'inventory.project_api_key',
      },
      {
        subject_id: `key_${run}_3`,
        subject_kind: 'api_key',
        tenant_id: 'proj_a',
        credential_kind: 'project_key',
        credential_owner_id: `user-${run}-1`,
        credential_owner_kind: 'human',
        opa: 'inactive',
        vendor_type: 'inventory.project_api_key',
      },
    ]);
    expect(api.requestsTo(`${PROJ}/proj_old/api_keys`)).toEqual([]);
    const raw = await t.query<{ n: string }>(
      "SELECT count() AS n FROM raw_envelopes FINAL WHERE connection_id = {c:String} AND transport = 'inventory' AND position(body, 'sk-abc...def') > 0",
      { c: CONN },
    );
    expect(raw).toEqual([{ n: '2' }]); // the raw page keeps the vendor's bytes
    // The events carry OpenAI's redacted value only as key_hint (what a secret scanning alert is
    // matched on: docs/vendors/github.md), in no other attribute.
    const hints = await t.query<{ subject_id: string; key_hint: string }>(
      "SELECT subject_id, attributes['key_hint'] AS key_hint FROM identity_events FINAL WHERE connection_id = {c:String} AND attributes['key_hint'] != '' ORDER BY key_hint, subject_id",
      { c: CONN },
    );
    expect(hints).toEqual([
      { subject_id: `key_${run}_1`, key_hint: 'sk-abc...def' },
      { subject_id: `key_${run}_2`, key_hint: 'sk-abc...def' },
      { subject_id: `key_${run}_3`, key_hint: 'sk-abc...def' },
      { subject_id: `key_adm_${run}`, key_hint: 'sk-admin...x' },
    ]);
    const elsewhere = await t.query<{ n: string }>(
      "SELECT count() AS n FROM identity_events WHERE connection_id = {c:String} AND position(toString(mapFilter((k, v) -> k != 'key_hint', attributes)), 'sk-') > 0",
      { c: CONN },
    );
    expect(elsewhere).toEqual([{ n: '0' }]);
  });

  it('a key deleted between two complete snapshots becomes exactly one removed event; a partial snapshot removes nothing', async () => {
    api.route({ path: `${PROJ}/proj_a/api_keys`, query: { owner_project_access: 'any', after: null } }, [
      json(list([key(1, 'user')], true)),
    ]);
    api.route({ path: `${PROJ}/proj_a/api_keys`, query: { owner_project_access: 'any', after: `key_${run}_1` } }, [
      json(list([key(3, 'user')], false)),
    ]);
    const second = await t.pipeline.poller!.runCycle(CONN, 'inventory');
    expect([second.ok, second.complete, second.removed]).toEqual([true, true, 1]);

    // Partial: the users listing is malformed; keys 1 and 3 are not listed at all, yet nothing is removed.
    api.route({ path: '/v1/organization/users' }, [malformed('<html>oops')]);
    const third = await t.pipeline.poller!.runCycle(CONN, 'inventory');
    expect([third.ok, third.complete, third.removed, third.errorKind]).toEqual([false, false, 0, 'page']);
    // A rerun of the same complete state after the partial one: still just the one removal.
    api.route({ path: '/v1/organization/users' }, [json(list([user(1), user(2)], false))]);
    const fourth = await t.pipeline.poller!.runCycle(CONN, 'inventory');
    expect([fourth.ok, fourth.removed]).toEqual([true, 0]);

    const removed = await waitFor(async () => {
      const rows = await inventoryRows('project_api_key', 'removed');
      return rows.length ? rows : undefined;
    }, 'the removed event');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await inventoryRows('project_api_key', 'removed')).toEqual([
      {
        subject_id: `key_${run}_2`,
        subject_kind: 'api_key',
        tenant_id: 'proj_a',
        credential_kind: 'service_account_key',
        credential_owner_id: null,
        credential_owner_kind: null,
        opa: '',
        vendor_type: 'inventory.project_api_key.removed',
      },
    ]);
    expect(removed).toHaveLength(1);
    const allRemoved = await t.query<{ n: string }>(
      "SELECT count() AS n FROM identity_events FINAL WHERE connection_id = {c:String} AND action = 'removed' AND category = 'inventory'",
      { c: CONN },
    );
    expect(allRemoved).toEqual([{ n: '1' }]);
  });
});

describe('planewatch status', () => {
  const exec = promisify(execFile);
  const cli = (env: Record<string, string>) =>
    exec(process.execPath, [path.join(REPO, 'bin/planewatch.js'), 'status', '--format', 'json'], {
      cwd: REPO,
      env: {
        PATH: process.env.PATH ?? '',
        PLANEWATCH_DATA_DIR: t.dataDir,
        PLANEWATCH_CONFIG: path.join(t.dataDir, 'planewatch.yaml'),
        PLANEWATCH_LOG_LEVEL: 'silent',
        ...env,
      },
    });

  it('GET /api/v1/status lists every configured source with checkpoint, last event and last error', async () => {
    const res = await fetch(`${t.pipeline.url}/api/v1/status`, { headers: { authorization: `Bearer ${t.apiToken}` } });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: Record<string, unknown>[] };
    expect(data.map((r) => [r.connection_id, r.stream])).toEqual([
      [CONN, 'pages'],
      [CONN, 'inventory'],
      ['workos-main', 'webhook'],
    ]);
    expect(data[0]).toMatchObject({
      vendor: 'openai',
      transport: 'poll',
      enabled: true,
      checkpoint: `effective_at >= ${new Date((BASE + 60) * 1000).toISOString().replace('.000Z', 'Z')} (1 id seen at that second)`,
      last_error: 'authentication failed (HTTP 401): Incorrect API key provided: [redacted].',
      last_error_kind: 'auth',
      consecutive_failures: 0,
      pages: 4,
      items: 6,
      dead_letters: 2,
    });
    expect(data[0]!.last_success_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    expect(data[1]).toMatchObject({ stream: 'inventory', last_error_kind: 'page', consecutive_failures: 0 });
    expect(data[2]).toMatchObject({ vendor: 'workos', transport: 'webhook', last_delivery_at: null, last_event_at: null, dead_letters: 0 });
  });

  it('the CLI shows the same through the running process, and directly from ClickHouse when none runs', async () => {
    writeRunInfo(t.dataDir, { pid: process.pid, url: t.pipeline.url, startedAt: new Date().toISOString() }, t.apiToken);
    const viaApi = JSON.parse((await cli({})).stdout) as Record<string, unknown>[];
    expect(viaApi.map((r) => [r.connection_id, r.stream, r.last_error_kind])).toEqual([
      [CONN, 'pages', 'auth'],
      [CONN, 'inventory', 'page'],
      ['workos-main', 'webhook', null],
    ]);
    clearRunInfo(t.dataDir);
    await t.stop();
    const direct = JSON.parse((await cli({ KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '' })).stdout) as Record<string, unknown>[];
    expect(direct).toEqual(viaApi);
  });
});
