// The SCIM service provider against the real broker and real chDB, without the rest of the
// pipeline: read-after-write consistency of the state table (FINAL + WHERE), per-connection
// serialization (concurrent POSTs of one userName), the ordering of Kafka ack and state write
// under failures, and that no password reaches the logs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { createKafka, createProducer, ensureTopics } from '../../core/kafka/client.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { validateBoundaryMap } from '../../core/config/load.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import { createScimHandler } from '../../services/scim/handler.ts';
import { scimEnvelopePublisher } from '../../services/scim/publish.ts';
import { clickhouseScimStore, type ScimStore } from '../../services/scim/store.ts';
import { scim } from '../../sources/scim/index.ts';
import { waitFor } from '../helpers/wait.ts';

const run = randomUUID().slice(0, 8);
const CONN = `scim-int-${run}`;
const TOKEN = `tok-${randomUUID()}`;
const PASSWORD = `Pw-${randomUUID()}-never-stored`;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const map = validateBoundaryMap({ connections: [{ id: CONN, vendor: 'scim', transport: 'scim', secret_env: 'SCIM_TOKEN' }] }, 'test', [
  'scim',
]);

let ch: ClickHouse;
let producer: Producer;
let store: ScimStore;
const logLines: string[] = [];
const log = pino(
  { level: 'trace' },
  new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  }),
);
const servers: http.Server[] = [];

/** Starts a handler with the given publish / store behaviour; returns its base URL. */
async function start(
  opts: { publish?: (e: RawEnvelope) => Promise<void>; store?: ScimStore; ackTimeoutMs?: number } = {},
): Promise<string> {
  const handler = createScimHandler({
    map,
    secrets: new Map([[CONN, TOKEN]]),
    store: opts.store ?? store,
    publish: opts.publish ?? scimEnvelopePublisher(producer),
    log,
    maxBodyBytes: 1_048_576,
    ackTimeoutMs: opts.ackTimeoutMs ?? 15_000,
    stateWriteRetryDelaysMs: [10, 10],
  });
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2/${CONN}`;
}

function call(base: string, method: string, path: string, body?: unknown) {
  return fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  ch = createClickHouse({ dataDir: mkdtempSync(join(tmpdir(), 'pw-scim-int-')) });
  await migrate(ch.client);
  store = clickhouseScimStore(ch.client);
  const kafka = createKafka(process.env.KAFKA_BROKERS!.split(','), 'scim-int-test');
  await ensureTopics(kafka, [{ topic: TOPICS.raw, numPartitions: 4 }]);
  producer = createProducer(kafka);
  await producer.connect();
});

afterAll(async () => {
  for (const s of servers)
    await new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    });
  await producer?.disconnect();
  await ch?.close();
});

describe('scim_resources state', () => {
  it('reads the latest version right after a write, and filters after FINAL (an old version never matches)', async () => {
    const base = { connectionId: CONN, type: 'User' as const, id: `u-${run}`, deleted: false, createdAt: 1_000, updatedAt: 1_000 };
    const lookup = (name: string) => ({
      user_name_lc: name,
      display_name_lc: null,
      external_id: null,
      emails_lc: [],
      active: 1,
      member_ids: [],
    });
    await store.write({ ...base, version: 1, resource: { userName: `old-${run}` }, lookup: lookup(`old-${run}`) });
    expect((await store.get(CONN, 'User', base.id))?.resource).toEqual({ userName: `old-${run}` });
    await store.write({ ...base, version: 2, resource: { userName: `new-${run}` }, lookup: lookup(`new-${run}`), updatedAt: 2_000 });
    expect(await store.get(CONN, 'User', base.id)).toEqual({ ...base, version: 2, resource: { userName: `new-${run}` }, updatedAt: 2_000 });
    const byName = async (name: string) =>
      (await store.list(CONN, 'User', { sql: 'user_name_lc = {n:String}', params: { n: name } }, 1, 10)).rows.map((r) => r.version);
    expect(await byName(`old-${run}`)).toEqual([]);
    expect(await byName(`new-${run}`)).toEqual([2]);
    expect(await store.conflict(CONN, 'User', `old-${run}`, null)).toBeNull();
    expect(await store.conflict(CONN, 'User', `new-${run}`, null)).toBe(base.id);
    await store.write({
      ...base,
      version: 3,
      deleted: true,
      resource: { userName: `new-${run}` },
      lookup: lookup(`new-${run}`),
      updatedAt: 3_000,
    });
    expect((await store.get(CONN, 'User', base.id))?.deleted).toBe(true);
    expect(await byName(`new-${run}`)).toEqual([]);
    expect(await store.conflict(CONN, 'User', `new-${run}`, null)).toBeNull();
    expect(await store.usedIds(CONN, 'User', [base.id, 'never-used'])).toEqual(new Set([base.id]));
  });
});

describe('SCIM handler with Kafka and ClickHouse', () => {
  it('serializes concurrent creates of one userName: one 201, the rest 409 uniqueness', async () => {
    const base = await start();
    const userName = `race-${run}@acme.example`;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => call(base, 'POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const conflict = await answers.find((r) => r.status === 409)!.json();
    expect(conflict).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '409',
      scimType: 'uniqueness',
      detail: `userName "${userName}" is already used by another User`,
    });
    const list = (await (await call(base, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).json()) as {
      totalResults: number;
    };
    expect(list.totalResults).toBe(1);
  });

  it('changes nothing when Kafka refuses the envelope (503), and applies the retry', async () => {
    const okBase = await start();
    const created = (await (await call(okBase, 'POST', '/Users', { userName: `kafka-down-${run}`, active: true })).json()) as {
      id: string;
    };
    const downBase = await start({ publish: () => Promise.reject(new Error('broker unavailable')) });
    const refused = await call(downBase, 'PATCH', `/Users/${created.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '503',
      detail: 'the event bus is unavailable; nothing was changed, retry later',
    });
    const still = (await (await call(okBase, 'GET', `/Users/${created.id}`)).json()) as { active: boolean; meta: { version: string } };
    expect([still.active, still.meta.version]).toEqual([true, 'W/"1"']);
    const retried = await call(okBase, 'PATCH', `/Users/${created.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { active: boolean }).active).toBe(false);
  });

  it('answers 503 when the state write fails after the ack; the retry converges on the same event id', async () => {
    const okBase = await start();
    const created = (await (await call(okBase, 'POST', '/Users', { userName: `state-down-${run}`, active: true })).json()) as {
      id: string;
    };
    const published: RawEnvelope[] = [];
    const realPublish = scimEnvelopePublisher(producer);
    const recording = (e: RawEnvelope) => realPublish(e).then(() => void published.push(e));
    let failWrites = true;
    const flaky: ScimStore = { ...store, write: (row) => (failWrites ? Promise.reject(new Error('clickhouse down')) : store.write(row)) };
    const base = await start({ publish: recording, store: flaky });
    const patch = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    };
    const failed = await call(base, 'PATCH', `/Users/${created.id}`, patch);
    expect(failed.status).toBe(503);
    expect(((await failed.json()) as { detail: string }).detail).toBe('the state store is unavailable; retry later');
    expect(published).toHaveLength(1);
    expect(
      logLines.some(
        (l) => l.includes('SCIM state write failed after its change event was acknowledged by Kafka') && l.includes(created.id),
      ),
    ).toBe(true);
    expect(((await (await call(okBase, 'GET', `/Users/${created.id}`)).json()) as { active: boolean }).active).toBe(true);

    failWrites = false;
    const retried = await call(base, 'PATCH', `/Users/${created.id}`, patch);
    expect(retried.status).toBe(200);
    expect(published).toHaveLength(2);
    const ids = published.map((e) =>
      scim
        .normalize({ body: e.body, contentType: e.content_type, transport: e.transport, receivedAt: e.received_at, rawId: e.id })
        .events.map((ev) => [ev.event_id, ev.action]),
    );
    expect(ids[0]).toEqual(ids[1]);
    expect(ids[0]![0]![1]).toBe('suspended');
    const now = (await (await call(okBase, 'GET', `/Users/${created.id}`)).json()) as { active: boolean; meta: { version: string } };
    expect([now.active, now.meta.version]).toEqual([false, 'W/"2"']);
  });

  it('answers 503 at the ack timeout but writes the state once Kafka acknowledges late', async () => {
    const okBase = await start();
    const created = (await (await call(okBase, 'POST', '/Users', { userName: `slow-kafka-${run}` })).json()) as { id: string };
    const realPublish = scimEnvelopePublisher(producer);
    let releaseAck!: () => void;
    const gate = new Promise<void>((r) => {
      releaseAck = r;
    });
    const slow = (e: RawEnvelope) => gate.then(() => realPublish(e));
    const base = await start({ publish: slow, ackTimeoutMs: 200 });
    const answer = await call(base, 'PUT', `/Users/${created.id}`, { userName: `slow-kafka-${run}`, active: false });
    expect(answer.status).toBe(503);
    expect(((await (await call(okBase, 'GET', `/Users/${created.id}`)).json()) as { meta: { version: string } }).meta.version).toBe(
      'W/"1"',
    );
    releaseAck();
    const after = await waitFor(async () => {
      const r = (await (await call(okBase, 'GET', `/Users/${created.id}`)).json()) as { active?: boolean; meta: { version: string } };
      return r.meta.version === 'W/"2"' ? r : undefined;
    }, 'the late-acknowledged change in the state');
    expect(after.active).toBe(false);
  });

  it('never logs a password, even at trace level and on errors', async () => {
    const base = await start();
    const r1 = await call(base, 'POST', '/Users', { userName: `pw-${run}`, password: PASSWORD });
    expect(r1.status).toBe(201);
    const { id } = (await r1.json()) as { id: string };
    expect(
      (
        await call(base, 'PATCH', `/Users/${id}`, {
          schemas: [PATCH_OP],
          Operations: [
            { op: 'replace', value: { password: PASSWORD } },
            { op: 'replace', path: 'password', value: PASSWORD },
          ],
        })
      ).status,
    ).toBe(200);
    expect((await call(base, 'PUT', `/Users/${id}`, { userName: `pw-${run}`, password: PASSWORD, active: 'nope' })).status).toBe(400);
    const badJson = await fetch(`${base}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: `{"userName":"x","password":"${PASSWORD}"`,
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.text()).not.toContain(PASSWORD);
    expect((await call(base, 'GET', `/Users/${id}`)).status).toBe(200);
    expect(logLines.length).toBeGreaterThan(5);
    expect(logLines.filter((l) => l.includes(PASSWORD))).toEqual([]);
    expect(logLines.filter((l) => l.includes(TOKEN))).toEqual([]);
  });
});
