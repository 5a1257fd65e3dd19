// `planewatch boundaries` end to end: one WorkOS connection feeding BOTH planes (its workforce
// organisation moved to the platform plane by a plane rule, customer organisations on the
// application plane), fed by signed WorkOS webhooks through the real pipeline into ClickHouse;
// printed as JSON through the running process's API and directly from ClickHouse (the same), as
// CSV and as the table for people.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { clearRunInfo, writeRunInfo } from '../../core/run-file.ts';

const run = randomUUID().slice(0, 8);
const SECRET = 'whsec_test_' + randomUUID();
const WORKOS = `workos-${run}`;
const OKTA = `okta-${run}`;
const OPENAI = `openai-${run}`;
const WF = `org_${run}_WORKFORCE`;
const CUST_A = `org_${run}_CUSTA`;
const CUST_B = `org_${run}_CUSTB`;
const REPO = path.resolve(new URL('../..', import.meta.url).pathname);

const CONFIG = `
planes:
  platform: { owner: it-security@acme.example, deprovision_sla: 12h }
  application: { owner: product-security@acme.example, stale_after: 30d, grace: 30m }
connections:
  - id: ${WORKOS}
    vendor: workos
    transport: webhook
    secret_env: TEST_WORKOS_SECRET
    plane: application
    authoritative_for: customers
    plane_rules:
      - { organization_id: ${WF}, plane: platform, authoritative_for: employees }
      - { directory_id: directory_${run}_PARTNER, plane: platform, authoritative_for: contractors }
  - id: ${OKTA}
    vendor: okta
    transport: webhook
    secret_env: TEST_OKTA_SECRET
    authoritative_for: employees
  - id: ${OPENAI}
    vendor: openai
    transport: poll
    enabled: false
    api_key_env: TEST_OPENAI_KEY
    poll_interval: 15m
`;

let t: TestPipeline;
let startedAt: number;

function directoryUser(n: number, org: string, state: 'active' | 'inactive') {
  const id = `directory_user_${run}_${n}`;
  return {
    object: 'directory_user',
    id,
    idp_id: `idp-${n}`,
    directory_id: `directory_${run}_${org === WF ? 'WF' : 'CUST'}`,
    organization_id: org,
    first_name: 'Ada',
    last_name: `N${n}`,
    emails: [{ primary: true, type: 'work', value: `ada.${n}.${run}@example.com` }],
    email: `ada.${n}.${run}@example.com`,
    username: `ada-${n}`,
    state,
    custom_attributes: {},
    raw_attributes: {},
    role: { slug: 'member' },
    created_at: '2026-11-01T10:00:00.000Z',
    updated_at: '2026-11-01T10:00:00.000Z',
  };
}

async function deliver(n: number, event: string, org: string, state: 'active' | 'inactive', createdAt: string): Promise<string> {
  const id = `event_${run}_${n}`;
  const body = JSON.stringify({ object: 'event', id, event, data: directoryUser(n, org, state), created_at: createdAt });
  const res = await fetch(`${t.pipeline.url}/webhooks/workos/${WORKOS}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(body, SECRET, Date.now()) },
    body,
  });
  expect(res.status).toBe(202);
  return id;
}

beforeAll(async () => {
  t = await startTestPipeline({
    configYaml: CONFIG,
    env: { TEST_WORKOS_SECRET: SECRET, TEST_OKTA_SECRET: 'okta-' + run },
    ackTimeoutMs: 15_000,
  });
  startedAt = Date.now();
  const ids = [
    await deliver(1, 'dsync.user.created', CUST_A, 'active', '2026-11-20T09:00:00.000Z'),
    await deliver(2, 'dsync.user.deleted', CUST_A, 'inactive', '2026-11-21T09:00:00.000Z'),
    await deliver(3, 'dsync.user.updated', CUST_B, 'active', '2026-11-22T09:00:00.000Z'),
    await deliver(4, 'dsync.user.created', WF, 'active', '2026-11-19T09:00:00.000Z'),
    await deliver(5, 'dsync.user.updated', WF, 'inactive', '2026-11-23T09:00:00.000Z'),
  ];
  await t.waitStored(async () => {
    const rows = await t.query<{ n: string }>('SELECT count() AS n FROM identity_events FINAL WHERE has({ids:Array(String)}, event_id)', {
      ids,
    });
    return Number(rows[0]!.n) === ids.length ? true : undefined;
  }, 'the five WorkOS events in identity_events');
  // The raw envelopes (behind last_delivery_at) reach their table through their own topic: wait for them too.
  await t.waitStored(async () => {
    const rows = await t.query<{ n: string }>('SELECT count() AS n FROM raw_envelopes FINAL WHERE connection_id = {c:String}', {
      c: WORKOS,
    });
    return Number(rows[0]!.n) === ids.length ? true : undefined;
  }, 'the five WorkOS deliveries in raw_envelopes');
});

afterAll(async () => {
  await t?.stop().catch(() => undefined);
});

const exec = promisify(execFile);
const cli = (args: string[], env: Record<string, string> = {}) =>
  exec(process.execPath, [path.join(REPO, 'bin/planewatch.js'), 'boundaries', ...args], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? '',
      PLANEWATCH_DATA_DIR: t.dataDir,
      PLANEWATCH_CONFIG: path.join(t.dataDir, 'planewatch.yaml'),
      PLANEWATCH_LOG_LEVEL: 'silent',
      ...env,
    },
  });

function expected(lastDelivery: string) {
  return [
    {
      plane: 'platform',
      owner: 'it-security@acme.example',
      deprovision_sla: '12h',
      grace: '1h',
      stale_after: '90d',
      pre_departure_window: '7d',
      silent_after: '1d',
      silent_poll_factor: 3,
      connections: [
        {
          connection_id: WORKOS,
          vendor: 'workos',
          transport: 'webhook',
          enabled: true,
          routing: 'plane_rules',
          authoritative_for: null,
          plane_rules: [
            { organization_id: WF, directory_id: null, authoritative_for: 'employees' },
            { organization_id: null, directory_id: `directory_${run}_PARTNER`, authoritative_for: 'contractors' },
          ],
          poll_interval: null,
          last_delivery_at: lastDelivery,
          last_event_at: '2026-11-23T09:00:00.000Z',
          events: 2,
          tenants: [{ tenant_id: WF, events: 2, last_event_at: '2026-11-23T09:00:00.000Z', authoritative_for: ['employees'] }],
        },
        {
          connection_id: OKTA,
          vendor: 'okta',
          transport: 'webhook',
          enabled: true,
          routing: 'vendor_default',
          authoritative_for: 'employees',
          plane_rules: [],
          poll_interval: null,
          last_delivery_at: null,
          last_event_at: null,
          events: 0,
          tenants: [],
        },
        {
          connection_id: OPENAI,
          vendor: 'openai',
          transport: 'poll',
          enabled: false,
          routing: 'vendor_default',
          authoritative_for: null,
          plane_rules: [],
          poll_interval: '15m',
          last_delivery_at: null,
          last_event_at: null,
          events: 0,
          tenants: [],
        },
      ],
    },
    {
      plane: 'application',
      owner: 'product-security@acme.example',
      deprovision_sla: '1d',
      grace: '30m',
      stale_after: '30d',
      pre_departure_window: '7d',
      silent_after: '1d',
      silent_poll_factor: 3,
      connections: [
        {
          connection_id: WORKOS,
          vendor: 'workos',
          transport: 'webhook',
          enabled: true,
          routing: 'connection',
          authoritative_for: 'customers',
          plane_rules: [],
          poll_interval: null,
          last_delivery_at: lastDelivery,
          last_event_at: '2026-11-22T09:00:00.000Z',
          events: 3,
          tenants: [
            { tenant_id: CUST_A, events: 2, last_event_at: '2026-11-21T09:00:00.000Z', authoritative_for: ['customers'] },
            { tenant_id: CUST_B, events: 1, last_event_at: '2026-11-22T09:00:00.000Z', authoritative_for: ['customers'] },
          ],
        },
      ],
    },
  ];
}

describe('planewatch boundaries', () => {
  let viaApi: ReturnType<typeof expected>;
  let lastDelivery: string;

  it('GET /api/v1/boundaries: the same WorkOS connection feeds the platform plane (its workforce organisation, by plane rule) and the application plane (customers)', async () => {
    const res = await fetch(`${t.pipeline.url}/api/v1/boundaries`, { headers: { authorization: `Bearer ${t.apiToken}` } });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: ReturnType<typeof expected> };
    lastDelivery = data[0]!.connections[0]!.last_delivery_at!;
    // The newest raw envelope of the connection: received during this test run.
    expect(Date.parse(lastDelivery)).toBeGreaterThanOrEqual(startedAt);
    expect(Date.parse(lastDelivery)).toBeLessThanOrEqual(Date.now());
    expect(data).toEqual(expected(lastDelivery));
    const unauthorized = await fetch(`${t.pipeline.url}/api/v1/boundaries`);
    expect(unauthorized.status).toBe(401);
  });

  it('the CLI prints that JSON through the running process, and CSV / a table for people', async () => {
    writeRunInfo(t.dataDir, { pid: process.pid, url: t.pipeline.url, startedAt: new Date().toISOString() }, t.apiToken);
    viaApi = JSON.parse((await cli(['--format', 'json'])).stdout) as ReturnType<typeof expected>;
    expect(viaApi).toEqual(expected(lastDelivery));

    const csv = (await cli(['--format', 'csv'])).stdout.trimEnd().split('\n');
    expect(csv).toEqual([
      'plane,owner,deprovision_sla,grace,stale_after,connection_id,vendor,transport,enabled,routing,authoritative_for,plane_rules,poll_interval,last_delivery_at,last_event_at,tenant_id,tenant_events,tenant_last_event_at,tenant_authoritative_for',
      `platform,it-security@acme.example,12h,1h,90d,${WORKOS},workos,webhook,true,plane_rules,,organization ${WF} → employees; directory directory_${run}_PARTNER → contractors,,${lastDelivery},2026-11-23T09:00:00.000Z,${WF},2,2026-11-23T09:00:00.000Z,employees`,
      `platform,it-security@acme.example,12h,1h,90d,${OKTA},okta,webhook,true,vendor_default,employees,,,,,,,,`,
      `platform,it-security@acme.example,12h,1h,90d,${OPENAI},openai,poll,false,vendor_default,,,15m,,,,,,`,
      `application,product-security@acme.example,1d,30m,30d,${WORKOS},workos,webhook,true,connection,customers,,,${lastDelivery},2026-11-22T09:00:00.000Z,${CUST_A},2,2026-11-21T09:00:00.000Z,customers`,
      `application,product-security@acme.example,1d,30m,30d,${WORKOS},workos,webhook,true,connection,customers,,,${lastDelivery},2026-11-22T09:00:00.000Z,${CUST_B},1,2026-11-22T09:00:00.000Z,customers`,
    ]);

    const table = (await cli([])).stdout.split('\n').map((l) => l.trimEnd());
    expect(table[0]).toBe(
      'platform plane — owner it-security@acme.example; deprovision SLA 12h, grace 1h, stale after 90d, pre-departure window 7d, silent after 1d (polled: 3 poll intervals)',
    );
    expect(table[1]!.split(/\s{2,}/).filter(Boolean)).toEqual([
      'CONNECTION',
      'VENDOR',
      'TRANSPORT',
      'ROUTING',
      'AUTHORITATIVE_FOR',
      'PLANE_RULES',
      'LAST_DELIVERY',
      'LAST_EVENT',
      'EVENTS',
      'SEEN',
    ]);
    expect(table[3]!.split(/\s{2,}/).filter(Boolean)).toEqual([
      WORKOS,
      'workos',
      'webhook',
      'plane_rules',
      '-',
      `organization ${WF} → employees; directory directory_${run}_PARTNER → contractors`,
      lastDelivery,
      '2026-11-23T09:00:00.000Z',
      '2',
      `${WF} (2)`,
    ]);
    expect(table[4]!.split(/\s{2,}/).filter(Boolean)).toEqual([
      OKTA,
      'okta',
      'webhook',
      'vendor_default',
      'employees',
      '-',
      '-',
      '-',
      '0',
      '-',
    ]);
    expect(table[5]!.split(/\s{2,}/).filter(Boolean)).toEqual([
      OPENAI,
      'openai',
      'poll every 15m (disabled)',
      'vendor_default',
      '-',
      '-',
      '-',
      '-',
      '0',
      '-',
    ]);
    expect(table[7]).toBe(
      'application plane — owner product-security@acme.example; deprovision SLA 1d, grace 30m, stale after 30d, pre-departure window 7d, silent after 1d (polled: 3 poll intervals)',
    );
    expect(table[10]!.split(/\s{2,}/).filter(Boolean)).toEqual([
      WORKOS,
      'workos',
      'webhook',
      'connection',
      'customers',
      '-',
      lastDelivery,
      '2026-11-22T09:00:00.000Z',
      '3',
      `${CUST_A} (2), ${CUST_B} (1)`,
    ]);
  });

  it('directly from ClickHouse when no planewatch runs: the same JSON', async () => {
    clearRunInfo(t.dataDir);
    await t.stop();
    const direct = JSON.parse((await cli(['--format', 'json'], { KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '' })).stdout) as unknown;
    expect(direct).toEqual(viaApi);
  });
});
