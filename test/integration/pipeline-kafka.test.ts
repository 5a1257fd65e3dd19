// Through the real broker and real chDB: a RawEnvelope survives the trip through Kafka byte for
// byte, and the sink stores the same batch of events delivered twice as one row each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { createKafka, createProducer, ensureTopics } from '../../core/kafka/client.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { rawEnvelopeCodec, identityEventCodec } from '../../core/avro/codecs.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import type { IdentityEvent } from '../../core/events/identity-event.ts';
import { createClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { startSink, type RunningSink } from '../../services/sink/sink.ts';
import { createLogger } from '../../core/log.ts';
import { waitFor } from '../helpers/wait.ts';

const run = randomUUID().slice(0, 8);
let kafka: Kafka;
let producer: Producer;
let ch: Awaited<ReturnType<typeof createClickHouse>>;
let sink: RunningSink;

beforeAll(async () => {
  kafka = createKafka(process.env.KAFKA_BROKERS!.split(','), `it-${run}`);
  await ensureTopics(kafka);
  producer = createProducer(kafka);
  await producer.connect();
  ch = await createClickHouse({ dataDir: mkdtempSync(path.join(tmpdir(), 'pw-it-')) });
  await migrate(ch.client);
  sink = await startSink({ kafka, producer, clickhouse: ch.client, log: createLogger({ level: 'silent' }), groupId: `it-sink-${run}` });
});

afterAll(async () => {
  await sink?.stop();
  await producer?.disconnect();
  await ch?.close();
});

describe('Kafka round trip', () => {
  it('carries a RawEnvelope through the broker unchanged, including non-UTF-8 bytes', async () => {
    const topic = `it-raw-${run}`;
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const envelope: RawEnvelope = {
      id: `raw_${run}`,
      source: 'workos',
      connection_id: 'wk',
      received_at: 1_764_410_000_123,
      transport: 'webhook',
      content_type: 'application/json',
      headers: { 'user-agent': 'WorkOS' },
      body: Buffer.concat([Buffer.from('{"a":1}'), Buffer.from([0xff, 0x00])]),
      verification: { scheme: 'workos-hmac-sha256', verified: true, detail: 't=1' },
    };
    await producer.send({ topic, acks: -1, messages: [{ key: envelope.id, value: rawEnvelopeCodec.encode(envelope) }] });
    const consumer = kafka.consumer({ groupId: `it-rt-${run}`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<RawEnvelope>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(rawEnvelopeCodec.decode(message.value!)) });
    });
    await consumer.disconnect();
    expect(received).toEqual(envelope);
  });
});

describe('sink idempotence', () => {
  it('stores a batch delivered twice as one row per event', async () => {
    const events: IdentityEvent[] = Array.from({ length: 5 }, (_, i) => ({
      event_id: `event_${run}_${i}`,
      source: 'workos',
      connection_id: 'wk',
      plane: 'application',
      tenant_id: 'org_1',
      authoritative_for: null,
      category: 'account',
      action: 'created',
      outcome: null,
      subject: { kind: 'human', id: `u${i}`, email: `u${i}@x.example`, name: null },
      actor: null,
      credential: null,
      occurred_at: 1_764_410_000_000 + i,
      received_at: 1_764_410_001_000,
      raw_id: `raw_${run}`,
      vendor_type: 'dsync.user.created',
      ocsf_class_uid: 3001,
      ocsf_activity_id: 1,
      attributes: {},
    }));
    const messages = events.map((e) => ({ key: e.event_id, value: identityEventCodec.encode(e) }));
    await producer.send({ topic: TOPICS.events, acks: -1, messages });
    await producer.send({ topic: TOPICS.events, acks: -1, messages });
    const ids = events.map((e) => e.event_id);
    // Wait until the sink has consumed both copies (its committed offsets passed them), then count.
    await waitFor(async () => {
      const [r] = await (
        await ch.client.query({
          query: 'SELECT count() AS n FROM identity_events WHERE event_id IN {ids:Array(String)}',
          query_params: { ids },
          format: 'JSONEachRow',
        })
      ).json<{ n: string }>();
      return Number(r!.n) >= 5 ? true : undefined;
    }, 'first copy stored');
    const admin = kafka.admin();
    await admin.connect();
    await waitFor(
      async () => {
        const offsets = await admin.fetchOffsets({ groupId: `it-sink-${run}`, topics: [TOPICS.events] });
        const end = await admin.fetchTopicOffsets(TOPICS.events);
        const committed = new Map(offsets[0]!.partitions.map((p) => [p.partition, BigInt(p.offset)]));
        // A partition the sink never committed on (-1) is caught up only if it is empty.
        return end.every((p) => {
          const c = committed.get(p.partition) ?? -1n;
          return (c < 0n ? 0n : c) >= BigInt(p.offset);
        })
          ? true
          : undefined;
      },
      'sink caught up with the events topic',
      30_000,
    );
    await admin.disconnect();
    const rows = await (
      await ch.client.query({
        query:
          'SELECT event_id, count() AS n FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} GROUP BY event_id ORDER BY event_id',
        query_params: { ids },
        format: 'JSONEachRow',
      })
    ).json<{ event_id: string; n: string }>();
    expect(rows).toEqual(ids.map((event_id) => ({ event_id, n: '1' })));
  });
});
