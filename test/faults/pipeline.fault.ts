// Faults inside the running pipeline (collector → Kafka → normalizer → Kafka → sink → ClickHouse),
// on the shared test broker and embedded ClickHouse:
// 1. poison messages on every topic (not Avro, a writer schema from the future, a corrupt body, an
//    event above the size limit, a body nested beyond the stack) → dead letters with the reason,
//    and the same partition keeps flowing (a good message produced after them arrives);
// 2. vendor redelivery storms (each delivery 10×, interleaved; Auth0 records re-batched) → one
//    event each;
// 3. ClickHouse unavailable (inserts and queries failing): deliveries are still acknowledged, the
//    sink stops committing and retries with growing delays, /readyz reports the outage, and when
//    ClickHouse is back everything arrives exactly once and readiness recovers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { rawEnvelopeCodec, identityEventCodec } from '../../core/avro/codecs.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { rawEnvelopeId, type RawEnvelope } from '../../core/events/raw-envelope.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { waitFor } from '../helpers/wait.ts';
import { FIXTURES_DIR } from '../fuzz/harness.ts';
import { startSink } from '../../services/sink/sink.ts';
import {
  consumerPositions,
  faultyClickHouse,
  INJECTED_CLICKHOUSE_ERROR,
  metricSum,
  metricValue,
  startFaultPipeline,
  type FaultPipeline,
} from './helpers.ts';

const run = randomUUID().slice(0, 8);
const WK = `fault-wk-${run}`;
const A0 = `fault-a0-${run}`;
const WORKOS_SECRET = `whsec_fault_${run}`;
const AUTH0_TOKEN = `auth0-fault-${run}`;

let t: FaultPipeline;

beforeAll(async () => {
  t = await startFaultPipeline({
    configYaml: `
connections:
  - { id: ${WK}, vendor: workos, transport: webhook, secret_env: FAULT_WORKOS_SECRET }
  - { id: ${A0}, vendor: auth0, transport: webhook, secret_env: FAULT_AUTH0_TOKEN }
`,
    env: { FAULT_WORKOS_SECRET: WORKOS_SECRET, FAULT_AUTH0_TOKEN: AUTH0_TOKEN },
    pipeline: { ackTimeoutMs: 15_000, detector: false },
  });
}, 180_000);

afterAll(async () => {
  await t?.stop();
});

const fixture = (vendor: string, name: string) =>
  JSON.parse(readFileSync(path.join(FIXTURES_DIR, vendor, name), 'utf8')) as Record<string, unknown>;

function workosEvent(id: string, extra: Record<string, unknown> = {}): string {
  const ev = fixture('workos', 'dsync.user.created.json') as { data: Record<string, unknown> } & Record<string, unknown>;
  return JSON.stringify({ ...ev, id, data: { ...ev.data, id: `directory_user_${id}`, ...extra } });
}

async function deliverWorkos(body: string): Promise<number> {
  const res = await fetch(`${t.pipeline.url}/webhooks/workos/${WK}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(body, WORKOS_SECRET, Date.now()) },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

const eventCount = async (ids: string[]) =>
  await t.query<{ event_id: string; n: string }>(
    'SELECT event_id, count() AS n FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} GROUP BY event_id ORDER BY event_id',
    { ids },
  );

function envelope(body: string | Buffer, connectionId = WK, source = 'workos'): RawEnvelope {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return {
    id: rawEnvelopeId(source, connectionId, bytes),
    source,
    connection_id: connectionId,
    received_at: Date.now(),
    transport: 'webhook',
    content_type: 'application/json',
    headers: {},
    body: bytes,
    verification: { scheme: 'workos-hmac-sha256', verified: true, detail: null },
  };
}

describe('poison messages', () => {
  it('dead-letters each with its reason while the partition keeps flowing (raw and events topics)', async () => {
    const P = 1;
    const before =
      metricValue(await (await fetch(`${t.pipeline.url}/metrics`)).text(), 'planewatch_dead_letters_total', {
        stage: 'normalizer',
        source: 'unknown',
      }) ?? 0;
    const header = Buffer.concat([Buffer.from([0xc3, 0x01]), rawEnvelopeCodec.fingerprint]);
    // An Events API page whose one item nests 200,000 levels: rejected by the mapping, and its
    // re-serialization for the dead letter overflows the stack (before the fix: a RangeError out of
    // the batch function, the batch retried forever, the partition stopped).
    const deep = `{"object":"list","data":[${'['.repeat(200_000)}${']'.repeat(200_000)}],"list_metadata":{"before":null,"after":null},"run":"${run}"}`;
    const poison: { what: string; value: Buffer; reason: string }[] = [
      {
        what: 'not Avro',
        value: Buffer.from(`plain text ${run}`),
        reason: 'undecodable raw envelope: RawEnvelope: not an Avro single-object message (missing C3 01 header)',
      },
      {
        what: 'schema from the future',
        value: Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.from('f00df00df00df00d', 'hex'), Buffer.from(run)]),
        reason: 'undecodable raw envelope: RawEnvelope: unknown writer schema fingerprint f00df00df00df00d (written by a newer planewatch?',
      },
      {
        what: 'corrupt body',
        value: Buffer.concat([header, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.from(run)]),
        reason: 'undecodable raw envelope: RawEnvelope: corrupt body:',
      },
      {
        what: 'oversized event',
        value: rawEnvelopeCodec.encode(envelope(workosEvent(`evt_big_${run}`, { first_name: 'x'.repeat(300_000) }))),
        reason: `workos: event evt_big_${run} is 300`,
      },
      {
        what: 'nested beyond the stack',
        value: rawEnvelopeCodec.encode(envelope(deep)),
        reason: 'workos: data[0]: (body): expected object, received array',
      },
    ];
    const good = `evt_after_poison_${run}`;
    const producer = t.rt.producer;
    const sent = await producer.send({
      topic: TOPICS.raw,
      acks: -1,
      messages: [
        ...poison.map((p) => ({ partition: P, value: p.value })),
        { partition: P, value: rawEnvelopeCodec.encode(envelope(workosEvent(good))) },
      ],
    });
    const base = Number(sent[0]!.baseOffset);

    // The good message after the poison arrives: the partition was not stopped.
    await waitFor(async () => ((await eventCount([good])).length === 1 ? true : undefined), 'the event produced after the poison', 60_000);

    const dead = await waitFor(
      async () => {
        const rows = await t.query<{ origin_offset: string; reason: string; stage: string; payload: string }>(
          `SELECT origin_offset, reason, stage, if(length(payload) < 200, payload, '') AS payload FROM dead_letters FINAL
         WHERE origin_topic = {topic:String} AND origin_partition = {p:Int32} AND origin_offset IN {offsets:Array(String)} AND stage = 'normalizer'
           AND (connection_id IS NULL OR connection_id = {conn:String}) AND reason NOT LIKE '%is not in the boundary map%'
         ORDER BY toUInt64(origin_offset)`,
          { topic: TOPICS.raw, p: P, offsets: poison.map((_, i) => String(base + i)), conn: WK },
        );
        return rows.length >= poison.length ? rows : undefined;
      },
      'a dead letter for each poison message',
      60_000,
    );
    expect(dead.map((d) => d.origin_offset)).toEqual(poison.map((_, i) => String(base + i)));
    poison.forEach((p, i) => expect(dead[i]!.reason, p.what).toContain(p.reason));
    expect(dead[3]!.reason).toContain('bytes encoded, above the 262144-byte limit of one identity event');
    // The item nested beyond the stack keeps a marker instead of its re-serialization.
    expect(Buffer.from(dead[4]!.payload, 'base64').toString('utf8')).toBe('{"unserializable":"Maximum call stack size exceeded"}');
    const after =
      metricValue(await (await fetch(`${t.pipeline.url}/metrics`)).text(), 'planewatch_dead_letters_total', {
        stage: 'normalizer',
        source: 'unknown',
      }) ?? 0;
    expect(after - before).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('dead-letters undecodable identity events in the sink, stores a broken dead letter as is, and keeps both partitions flowing', async () => {
    const P = 2;
    const goodId = `evt_sink_after_${run}`;
    const goodEvent = {
      event_id: goodId,
      source: 'workos',
      connection_id: WK,
      plane: 'application' as const,
      tenant_id: null,
      authoritative_for: null,
      category: 'account' as const,
      action: 'created' as const,
      outcome: null,
      subject: { kind: 'human' as const, id: `u_${run}`, email: null, name: null },
      actor: null,
      credential: null,
      occurred_at: Date.now(),
      received_at: Date.now(),
      raw_id: `raw_${run}`,
      vendor_type: 'dsync.user.created',
      ocsf_class_uid: null,
      ocsf_activity_id: null,
      attributes: {},
    };
    const evSent = await t.rt.producer.send({
      topic: TOPICS.events,
      acks: -1,
      messages: [
        { partition: P, value: Buffer.from(`not an event ${run}`) },
        { partition: P, value: Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.from('0badc0de0badc0de', 'hex'), Buffer.from(run)]) },
        { partition: P, value: identityEventCodec.encode(goodEvent) },
      ],
    });
    const dlqSent = await t.rt.producer.send({
      topic: TOPICS.dlq,
      acks: -1,
      messages: [{ partition: P, value: Buffer.from(`broken dead letter ${run}`) }],
    });
    const evBase = Number(evSent[0]!.baseOffset);

    await waitFor(async () => ((await eventCount([goodId])).length === 1 ? true : undefined), 'the good event after the poison', 60_000);
    const sinkDead = await waitFor(
      async () => {
        const rows = await t.query<{ origin_topic: string; origin_offset: string; reason: string }>(
          `SELECT origin_topic, origin_offset, reason FROM dead_letters FINAL WHERE stage = 'sink' AND origin_partition = {p:Int32}
           AND ((origin_topic = {ev:String} AND origin_offset IN {offsets:Array(String)}) OR (origin_topic = {dlq:String} AND origin_offset = {dlqOffset:String}))
         ORDER BY origin_topic, toUInt64(origin_offset)`,
          { p: P, ev: TOPICS.events, dlq: TOPICS.dlq, offsets: [String(evBase), String(evBase + 1)], dlqOffset: dlqSent[0]!.baseOffset },
        );
        return rows.length === 3 ? rows : undefined;
      },
      'the sink dead letters',
      60_000,
    );
    expect(sinkDead).toEqual([
      {
        origin_topic: TOPICS.dlq,
        origin_offset: dlqSent[0]!.baseOffset,
        reason: `sink could not decode a ${TOPICS.dlq} message: DeadLetter: not an Avro single-object message (missing C3 01 header)`,
      },
      {
        origin_topic: TOPICS.events,
        origin_offset: String(evBase),
        reason: `sink could not decode a ${TOPICS.events} message: IdentityEvent: not an Avro single-object message (missing C3 01 header)`,
      },
      {
        origin_topic: TOPICS.events,
        origin_offset: String(evBase + 1),
        reason: expect.stringContaining(
          `sink could not decode a ${TOPICS.events} message: IdentityEvent: unknown writer schema fingerprint 0badc0de0badc0de`,
        ) as unknown as string,
      },
    ]);
  }, 120_000);
});

describe('vendor redelivery storms', () => {
  it('stores one event per WorkOS delivery sent 10 times, interleaved and concurrently', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `evt_storm_${run}_${i}`);
    const bodies = ids.map((id) => workosEvent(id));
    // 200 sends: each body 10×, shuffled, 16 at a time; every copy signed anew (fresh timestamp) as a vendor retry is.
    const sends = bodies.flatMap((b) => Array.from({ length: 10 }, () => b));
    for (let i = sends.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [sends[i], sends[j]] = [sends[j]!, sends[i]!];
    }
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < sends.length) statuses.push(await deliverWorkos(sends[next++]!));
      }),
    );
    expect(statuses.filter((s) => s === 202).length).toBe(200);

    const rows = await waitFor(
      async () => {
        const r = await eventCount(ids);
        return r.length === 20 ? r : undefined;
      },
      'the 20 storm events',
      60_000,
    );
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 20 }, () => '1'));
    const raw = await t.query<{ n: string }>('SELECT count() AS n FROM raw_envelopes FINAL WHERE id IN {ids:Array(String)}', {
      ids: bodies.map((b) => rawEnvelopeId('workos', WK, Buffer.from(b))),
    });
    expect(raw).toEqual([{ n: '20' }]);
  }, 120_000);

  it('stores one event per Auth0 log record re-sent in overlapping batches', async () => {
    const base = fixture('auth0', 's.json') as { log_id: string; data: Record<string, unknown> };
    const records = Array.from({ length: 12 }, (_, i) => ({ ...base, log_id: `90020250301${run}${String(i).padStart(4, '0')}` }));
    // Ten deliveries of overlapping windows (records 0-3, 1-4, ... wrapping), each sent twice.
    const batches = Array.from({ length: 10 }, (_, i) => [0, 1, 2, 3].map((k) => records[(i + k) % 12]!));
    const statuses = await Promise.all(
      batches
        .flatMap((b) => [b, b])
        .map(async (batch) => {
          const res = await fetch(`${t.pipeline.url}/webhooks/auth0/${A0}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${AUTH0_TOKEN}` },
            body: JSON.stringify(batch),
          });
          await res.arrayBuffer();
          return res.status;
        }),
    );
    expect(statuses.every((s) => s === 202)).toBe(true);
    const ids = records.map((r) => r.log_id);
    const rows = await waitFor(
      async () => {
        const r = await eventCount(ids);
        return r.length === 12 ? r : undefined;
      },
      'the 12 Auth0 events',
      60_000,
    );
    expect(rows.map((r) => [r.event_id, r.n])).toEqual([...ids].sort().map((id) => [id, '1']));
  }, 120_000);
});

describe('ClickHouse unavailable', () => {
  it('keeps acknowledging deliveries, stops committing, retries with backoff, reports the outage, and catches up exactly once', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `evt_outage_${run}_${i}`);
    const group = `planewatch-sink-${t.groupSuffix}`;
    const kafka = t.rt.kafka;
    const metrics = async () => (await fetch(`${t.pipeline.url}/metrics`)).text();
    const failuresBefore = metricSum(await metrics(), 'planewatch_sink_insert_failures_total');

    t.faults.clickhouseDown = true;
    for (const id of ids.slice(0, 15)) expect(await deliverWorkos(workosEvent(id))).toBe(202);

    // Readiness reports the outage (the engine and the sink's last insert error).
    const ready = await waitFor(
      async () => {
        const res = await fetch(`${t.pipeline.url}/readyz`);
        const body = (await res.json()) as { ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> };
        return res.status === 503 && body.checks.sink?.ok === false ? body : undefined;
      },
      '/readyz to report the outage',
      60_000,
      300,
    );
    expect(ready.ready).toBe(false);
    expect(ready.checks.clickhouse).toEqual({ ok: false, detail: `Error: ${INJECTED_CLICKHOUSE_ERROR}` });
    expect(ready.checks.sink!.detail).toContain(INJECTED_CLICKHOUSE_ERROR);
    expect(ready.checks.kafka!.ok).toBe(true);

    // The sink does not commit what it could not store: its position on the events topic stays
    // put while the failures go on (retried, with growing delays between attempts).
    const held = await consumerPositions(kafka, group, TOPICS.events);
    const failuresAtHold = metricSum(await metrics(), 'planewatch_sink_insert_failures_total');
    for (const id of ids.slice(15)) expect(await deliverWorkos(workosEvent(id))).toBe(202);
    await waitFor(
      async () => (metricSum(await metrics(), 'planewatch_sink_insert_failures_total') >= failuresAtHold + 2 ? true : undefined),
      'two more failed attempts',
      60_000,
      300,
    );
    const stillHeld = await consumerPositions(kafka, group, TOPICS.events);
    expect(stillHeld.map((p) => p.committed)).toEqual(held.map((p) => p.committed));
    expect(stillHeld.some((p) => p.high > p.committed)).toBe(true);
    expect(await eventCount(ids)).toEqual([]);
    expect(metricSum(await metrics(), 'planewatch_sink_insert_failures_total') - failuresBefore).toBeGreaterThanOrEqual(2);

    // ClickHouse is back: everything once, positions move on, readiness recovers.
    t.faults.clickhouseDown = false;
    const rows = await waitFor(
      async () => {
        const r = await eventCount(ids);
        return r.length === 30 ? r : undefined;
      },
      'all 30 events after the outage',
      90_000,
      500,
    );
    expect(rows.every((r) => r.n === '1')).toBe(true);
    await waitFor(
      async () => ((await fetch(`${t.pipeline.url}/readyz`)).status === 200 ? true : undefined),
      '/readyz to recover',
      60_000,
      500,
    );
    const moved = await consumerPositions(kafka, group, TOPICS.events);
    expect(moved.some((p, i) => p.committed > stillHeld[i]!.committed)).toBe(true);
  }, 240_000);

  it('backs off between retries: each delay doubles up to the cap', async () => {
    // The sink's retry delays, read from its own log lines (retryInMs) during a fresh outage.
    const lines: string[] = [];
    const log = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    const state = { clickhouseDown: true };
    const sink = await startSink({
      kafka: t.rt.kafka,
      producer: t.rt.producer,
      clickhouse: faultyClickHouse(t.rt.clickhouse, state),
      log,
      groupId: `planewatch-sink-backoff-${run}`,
      backoffMs: 100,
      maxBackoffMs: 800,
    });
    try {
      await deliverWorkos(workosEvent(`evt_backoff_${run}`));
      const delays = await waitFor(
        async () => {
          const byToken = new Map<string, number[]>();
          for (const l of lines) {
            const j = JSON.parse(l) as { msg: string; token?: string; retryInMs?: number };
            if (j.msg !== 'sink insert failed; retrying' || !j.token) continue;
            byToken.set(j.token, [...(byToken.get(j.token) ?? []), j.retryInMs!]);
          }
          return [...byToken.values()].find((d) => d.length >= 6);
        },
        'six retries of one batch',
        60_000,
        200,
      );
      expect(delays.slice(0, 6)).toEqual([100, 200, 400, 800, 800, 800]);
    } finally {
      state.clickhouseDown = false;
      await sink.stop();
    }
  }, 120_000);
});
