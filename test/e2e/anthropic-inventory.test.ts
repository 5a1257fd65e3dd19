// Anthropic Admin API inventory through the real pipeline: a local vendor API server (several
// pages, an empty page, 429 + Retry-After, 500 then success, a malformed page, an auth failure, the
// service-accounts listing not available) → poll runner → Kafka → normalizer → sink → embedded
// ClickHouse, then the detection state views. A key deleted between two complete snapshots is
// exactly one removed event; a failed page removes nothing; a snapshot stopped mid-way and run again
// after a restart still gives exactly one.
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

const run = randomUUID().slice(0, 8);
const KEY = `sk-ant-admin01-${randomUUID()}`;
const CONN = `anthropic-${run}`;
const ORG = '/v1/organizations';

let api: VendorApiServer;
let t: TestPipeline;
let restarted: PollRunner | null = null;

const u = (n: number) => `user_${run}_${n}`;
const k = (n: number) => `apikey_${run}_${n}`;
const W = `wrkspc_${run}_live`;
const WOLD = `wrkspc_${run}_old`;
const SA = `svac_${run}`;

const page = (data: { id?: string; user_id?: string; [k: string]: unknown }[], hasMore = false) => ({
  data,
  has_more: hasMore,
  first_id: data[0]?.id ?? data[0]?.user_id ?? null,
  last_id: data[data.length - 1]?.id ?? data[data.length - 1]?.user_id ?? null,
});
const user = (n: number, role: string) => ({
  type: 'user',
  id: u(n),
  email: `User${n}.${run}@Acme.example`,
  name: `User ${n}`,
  role,
  added_at: '2025-01-15T09:30:00Z',
});
const key = (n: number, status: string, principal: unknown, createdBy: unknown = { type: 'user', id: u(1) }) => ({
  type: 'api_key',
  id: k(n),
  name: `key-${n}`,
  status,
  created_at: '2025-03-01T10:00:00Z',
  expires_at: null,
  partial_key_hint: `sk-ant-api03-H${n}...tail`,
  created_by: createdBy,
  principal,
  scope: { type: 'workspace', workspace_id: W },
});
const k1 = key(1, 'active', { type: 'user_actor', user_id: u(1) });
const k2 = key(2, 'active', { type: 'service_account_actor', service_account_id: SA });
const k3 = key(3, 'inactive', null, { type: 'user', id: u(2) });
const k4 = key(4, 'archived', null, null);
const member = (n: number, role: string) => ({ type: 'workspace_member', user_id: u(n), workspace_id: W, workspace_role: role });

beforeAll(async () => {
  api = await startVendorApiServer();
  // First (automatic) snapshot: users over two pages behind a 429, no invites (empty page), keys after a 500.
  api.route({ path: `${ORG}/users`, query: { after_id: null } }, [
    tooManyRequests(1),
    json(page([user(1, 'admin'), user(2, 'developer')], true)),
  ]);
  api.route({ path: `${ORG}/users`, query: { after_id: u(2) } }, [json(page([user(3, 'claude_code_user')]))]);
  api.route({ path: `${ORG}/invites` }, [json(page([]))]);
  api.route({ path: `${ORG}/api_keys` }, [serverError(), json(page([k1, k2, k3, k4]))]);
  api.route({ path: `${ORG}/workspaces`, query: { include_archived: 'true' } }, [
    json(
      page([
        { type: 'workspace', id: W, name: 'Production', created_at: '2024-10-30T23:58:27Z', archived_at: null },
        { type: 'workspace', id: WOLD, name: 'Old', created_at: '2024-01-01T00:00:00Z', archived_at: '2025-01-01T00:00:00Z' },
      ]),
    ),
  ]);
  api.route({ path: `${ORG}/workspaces/${W}/members` }, [json(page([member(1, 'workspace_admin'), member(2, 'workspace_developer')]))]);
  api.route({ path: `${ORG}/service_accounts` }, [json({ type: 'error', error: { type: 'not_found_error', message: 'Not found' } }, 404)]);

  process.env.TEST_ANTHROPIC_ADMIN_KEY = KEY;
  t = await startTestPipeline({
    configYaml: `
connections:
  - id: ${CONN}
    vendor: anthropic
    transport: inventory
    api_key_env: TEST_ANTHROPIC_ADMIN_KEY
    base_url: ${api.url}
    inventory_interval: 1h
`,
    ackTimeoutMs: 15_000,
  });
});

afterAll(async () => {
  await restarted?.stop().catch(() => undefined);
  await t?.stop().catch(() => undefined);
  await api?.close();
});

async function status() {
  const rows = await t.query<Record<string, string | number | null>>(
    "SELECT last_error_kind, last_error, consecutive_failures, checkpoint_summary, dlq_total FROM poller_status FINAL WHERE connection_id = {c:String} AND stream = 'inventory'",
    { c: CONN },
  );
  return rows[0];
}

async function rows(vendorType: string) {
  return t.query<Record<string, string | null>>(
    `SELECT subject_kind, subject_id, subject_email, tenant_id, category, action, credential_kind, credential_owner_id, credential_owner_kind,
            attributes['status'] AS status, attributes['role'] AS role, attributes['workspace_role'] AS workspace_role
     FROM identity_events FINAL WHERE connection_id = {c:String} AND vendor_type = {v:String} ORDER BY subject_id, category, action`,
    { c: CONN, v: vendorType },
  );
}

const removedRows = () =>
  t.query<Record<string, string | null>>(
    `SELECT subject_kind, subject_id, tenant_id, category, action, credential_kind, vendor_type FROM identity_events FINAL
   WHERE connection_id = {c:String} AND category = 'inventory' AND action = 'removed' ORDER BY subject_id`,
    { c: CONN },
  );

describe('Anthropic inventory end to end', () => {
  it('first snapshot (429, 500, empty invites, service accounts not available) is complete; every listing lands mapped', async () => {
    const st = await waitFor(
      async () => {
        const s = await status();
        return s?.checkpoint_summary ? s : undefined;
      },
      'the first Anthropic snapshot',
      60_000,
    );
    expect(st).toMatchObject({
      last_error_kind: null,
      consecutive_failures: 0,
      checkpoint_summary: expect.stringMatching(/^snapshot snap_\w+: 11 objects, 0 removed$/),
    });
    expect(api.requestsTo(`${ORG}/users`, { after_id: null }).map((r) => r.status)).toEqual([429, 200]);
    expect(api.requestsTo(`${ORG}/api_keys`).map((r) => r.status)).toEqual([500, 200]);
    expect(api.requestsTo(`${ORG}/service_accounts`).map((r) => r.status)).toEqual([404]);
    expect(api.requestsTo(`${ORG}/workspaces/${WOLD}/members`)).toEqual([]);
    const first = api.requestsTo(`${ORG}/users`, { after_id: null })[1]!;
    expect([first.headers['x-api-key'], first.headers['anthropic-version'], first.headers.authorization]).toEqual([
      KEY,
      '2023-06-01',
      undefined,
    ]);

    const users = await waitFor(async () => {
      const r = await rows('inventory.user');
      return r.length === 3 ? r : undefined;
    }, 'three observed users');
    const none = { credential_kind: null, credential_owner_id: null, credential_owner_kind: null, workspace_role: '' };
    expect(users).toEqual([
      {
        subject_kind: 'human',
        subject_id: u(1),
        subject_email: `user1.${run}@acme.example`,
        tenant_id: null,
        category: 'inventory',
        action: 'observed',
        status: '',
        role: 'admin',
        ...none,
      },
      {
        subject_kind: 'human',
        subject_id: u(2),
        subject_email: `user2.${run}@acme.example`,
        tenant_id: null,
        category: 'inventory',
        action: 'observed',
        status: '',
        role: 'developer',
        ...none,
      },
      {
        subject_kind: 'human',
        subject_id: u(3),
        subject_email: `user3.${run}@acme.example`,
        tenant_id: null,
        category: 'inventory',
        action: 'observed',
        status: '',
        role: 'claude_code_user',
        ...none,
      },
    ]);
    const keys = await waitFor(async () => {
      const r = await rows('inventory.api_key');
      return r.length === 4 ? r : undefined;
    }, 'four key rows');
    const kr = { subject_kind: 'api_key', subject_email: null, tenant_id: W, credential_kind: 'api_key', role: '', workspace_role: '' };
    expect(keys).toEqual([
      {
        ...kr,
        subject_id: k(1),
        category: 'inventory',
        action: 'observed',
        credential_owner_id: u(1),
        credential_owner_kind: 'human',
        status: 'active',
      },
      {
        ...kr,
        subject_id: k(2),
        category: 'inventory',
        action: 'observed',
        credential_owner_id: SA,
        credential_owner_kind: 'service_account',
        status: 'active',
      },
      {
        ...kr,
        subject_id: k(3),
        category: 'credential',
        action: 'deactivated',
        credential_owner_id: u(2),
        credential_owner_kind: 'human',
        status: 'inactive',
      },
      {
        ...kr,
        subject_id: k(4),
        category: 'credential',
        action: 'revoked',
        credential_owner_id: null,
        credential_owner_kind: null,
        status: 'archived',
      },
    ]);
    const mr = {
      subject_kind: 'human',
      subject_email: null,
      tenant_id: W,
      category: 'inventory',
      action: 'observed',
      status: '',
      role: '',
      credential_kind: null,
      credential_owner_id: null,
      credential_owner_kind: null,
    };
    // Each listing is its own page and delivery: wait for these too rather than assume they landed with the keys.
    expect(
      await waitFor(async () => {
        const r = await rows('inventory.workspace_member');
        return r.length === 2 ? r : undefined;
      }, 'two workspace-member rows'),
    ).toEqual([
      { ...mr, subject_id: u(1), workspace_role: 'workspace_admin' },
      { ...mr, subject_id: u(2), workspace_role: 'workspace_developer' },
    ]);
    expect(
      (
        await waitFor(async () => {
          const r = await rows('inventory.workspace');
          return r.length === 2 ? r : undefined;
        }, 'two workspace rows')
      ).map((r) => [r.subject_kind, r.subject_id, r.tenant_id, r.status]),
    ).toEqual([
      ['project', W, W, 'active'],
      ['project', WOLD, WOLD, 'archived'],
    ]);

    // The key hints are kept in the shape Anthropic displays them ("sk-ant-api03-H1...tail"; the
    // redaction policy's one allowance, source-kit/redact.ts): in the raw page and as key_hint.
    // Raw envelopes reach their table through their own topic, independently of the events.
    const raw = await waitFor(async () => {
      const r = await t.query<{ pages: string; hints: string }>(
        'SELECT count() AS pages, countIf(position(body, \'"partial_key_hint":"sk-ant-api03-H1...tail"\') > 0) AS hints FROM raw_envelopes FINAL WHERE connection_id = {c:String} AND position(body, {k:String}) > 0',
        { c: CONN, k: k(1) },
      );
      return r[0]?.pages === '0' ? undefined : r;
    }, 'the raw key page');
    expect(raw).toEqual([{ pages: '1', hints: '1' }]);
    const hints = await waitFor(async () => {
      const r = await t.query<{ subject_id: string; hint: string }>(
        "SELECT DISTINCT subject_id, attributes['key_hint'] AS hint FROM identity_events FINAL WHERE connection_id = {c:String} AND subject_kind = 'api_key' ORDER BY subject_id",
        { c: CONN },
      );
      return r.length === 4 ? r : undefined;
    }, 'the four keys with their hints');
    expect(hints).toEqual([1, 2, 3, 4].map((n) => ({ subject_id: k(n), hint: `sk-ant-api03-H${n}...tail` })));
  });

  it('the detection state treats inactive and archived keys as not active, live ones as active', async () => {
    const creds = await waitFor(async () => {
      const r = await t.query<{
        credential_id: string;
        status: string;
        kind: string;
        owner_id: string;
        owner_kind: string;
        tenant: string;
      }>(
        "SELECT credential_id, status, kind, owner_id, owner_kind, tenant FROM pw_credentials WHERE source = 'anthropic' AND startsWith(credential_id, {p:String}) ORDER BY credential_id",
        { p: `apikey_${run}_` },
      );
      return r.length === 4 ? r : undefined;
    }, 'four credentials in pw_credentials');
    expect(creds).toEqual([
      { credential_id: k(1), status: 'active', kind: 'api_key', owner_id: u(1), owner_kind: 'human', tenant: W },
      { credential_id: k(2), status: 'active', kind: 'api_key', owner_id: SA, owner_kind: 'service_account', tenant: W },
      { credential_id: k(3), status: 'revoked', kind: 'api_key', owner_id: u(2), owner_kind: 'human', tenant: W },
      { credential_id: k(4), status: 'revoked', kind: 'api_key', owner_id: '', owner_kind: '', tenant: W },
    ]);
  });

  it('a failed page (malformed members listing) makes the snapshot partial: the missing key is NOT removed; the page is dead-lettered', async () => {
    api.route({ path: `${ORG}/api_keys` }, [json(page([k1, k3, k4]))]); // k2 deleted from here on
    api.route({ path: `${ORG}/workspaces/${W}/members` }, [malformed('{"data":[{"type":')]);
    const r = await t.pipeline.poller!.runCycle(CONN, 'inventory');
    expect([r.ok, r.complete, r.removed, r.errorKind, r.error]).toEqual([
      false,
      false,
      0,
      'page',
      `malformed page: workspace_members of ${W}: body is not valid JSON (Unexpected end of JSON input)`,
    ]);
    const dead = await waitFor(async () => {
      const d = await t.query<{ reason: string; payload: string }>(
        "SELECT reason, payload FROM dead_letters FINAL WHERE connection_id = {c:String} AND stage = 'poller'",
        { c: CONN },
      );
      return d.length ? d : undefined;
    }, 'the dead letter of the malformed members page');
    expect(dead.map((d) => [d.reason, Buffer.from(d.payload, 'base64').toString()])).toEqual([
      [`anthropic inventory page: workspace_members of ${W}: body is not valid JSON (Unexpected end of JSON input)`, '{"data":[{"type":'],
    ]);
    expect(await status()).toMatchObject({ last_error_kind: 'page', consecutive_failures: 1, dlq_total: '1' });
    expect(await removedRows()).toEqual([]);
  });

  it('stopped mid-snapshot and restarted: the next complete snapshot removes the key exactly once; re-runs add nothing', async () => {
    api.route({ path: `${ORG}/workspaces/${W}/members` }, [
      { status: 200, body: page([member(1, 'workspace_admin'), member(2, 'workspace_developer')]), delayMs: 4000 },
      json(page([member(1, 'workspace_admin'), member(2, 'workspace_developer')])),
    ]);
    const membersBefore = api.requestsTo(`${ORG}/workspaces/${W}/members`).length;
    const inFlight = t.pipeline.poller!.runCycle(CONN, 'inventory');
    await waitFor(
      async () => (api.requestsTo(`${ORG}/workspaces/${W}/members`).length === membersBefore + 1 ? true : undefined),
      'the slow members page to be requested',
    );
    await t.pipeline.poller!.stop();
    const stopped = await inFlight;
    expect([stopped.complete, stopped.removed]).toEqual([false, 0]);

    restarted = startPollRunner({
      map: t.rt.config.map,
      sources: SOURCES,
      publishers: kafkaPollPublishers(t.rt.producer),
      store: new ClickHousePollerStore(t.rt.clickhouse),
      log: pino({ level: 'silent' }),
      autoStart: false,
      env: { TEST_ANTHROPIC_ADMIN_KEY: KEY },
    });
    const complete = await restarted.runCycle(CONN, 'inventory');
    expect([complete.ok, complete.complete, complete.removed]).toEqual([true, true, 1]);
    const again = await restarted.runCycle(CONN, 'inventory');
    expect([again.ok, again.complete, again.removed]).toEqual([true, true, 0]);

    await waitFor(async () => ((await removedRows()).length ? true : undefined), 'the removed event');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await removedRows()).toEqual([
      {
        subject_kind: 'api_key',
        subject_id: k(2),
        tenant_id: null,
        category: 'inventory',
        action: 'removed',
        credential_kind: 'api_key',
        vendor_type: 'inventory.api_key.removed',
      },
    ]);
    // The same keys page was delivered in four cycles (partial, stopped, complete, again): one event.
    const k1Events = await t.query<{ n: string }>(
      "SELECT uniqExact(event_id) AS n FROM identity_events FINAL WHERE connection_id = {c:String} AND vendor_type = 'inventory.api_key' AND subject_id = {k:String}",
      { c: CONN, k: k(1) },
    );
    expect(k1Events).toEqual([{ n: '2' }]); // the first snapshot's page (with k2) and the later identical page
    const k2State = await waitFor(async () => {
      const r = await t.query<{ status: string }>(
        "SELECT status FROM pw_credentials WHERE source = 'anthropic' AND credential_id = {k:String}",
        { k: k(2) },
      );
      return r[0]?.status === 'revoked' ? r : undefined;
    }, 'the removed key to be revoked in pw_credentials');
    expect(k2State).toEqual([{ status: 'revoked' }]);
  });

  it('an auth failure is visible in status with the vendor message (key scrubbed) and removes nothing', async () => {
    api.route({ path: `${ORG}/users` }, [unauthorized(`invalid x-api-key ${KEY}`)]);
    const denied = await restarted!.runCycle(CONN, 'inventory');
    expect([denied.ok, denied.complete, denied.removed, denied.errorKind, denied.error]).toEqual([
      false,
      false,
      0,
      'auth',
      'authentication failed (HTTP 401): invalid x-api-key [redacted]',
    ]);
    const res = await fetch(`${t.pipeline.url}/api/v1/status`, { headers: { authorization: `Bearer ${t.apiToken}` } });
    const { data } = (await res.json()) as { data: Record<string, unknown>[] };
    expect(
      data
        .filter((d) => d.connection_id === CONN)
        .map((d) => [d.vendor, d.transport, d.stream, d.last_error_kind, d.last_error, d.consecutive_failures]),
    ).toEqual([['anthropic', 'inventory', 'inventory', 'auth', 'authentication failed (HTTP 401): invalid x-api-key [redacted]', 1]]);
    const leaked = await t.query<{ n: string }>(
      "SELECT count() AS n FROM poller_status FINAL WHERE position(ifNull(last_error, ''), {k:String}) > 0",
      { k: KEY },
    );
    expect(leaked).toEqual([{ n: '0' }]);
    expect((await removedRows()).map((r) => r.subject_id)).toEqual([k(2)]);
  });
});
