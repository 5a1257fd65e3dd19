// The real Kafka broker: the shared one from test/global-setup.ts (topics, acks=-1 produce,
// manual commits, resume after a consumer leaves) and a private one (storage survives restart/kill).
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { startLocalBroker, type LocalBroker } from '../../local-broker/index.ts';
import { createKafka, createProducer, ensureTopics } from '../../core/kafka/client.ts';
import { waitFor } from '../helpers/wait.ts';

const unique = (prefix: string) => `${prefix}-${Date.now()}-${randomBytes(3).toString('hex')}`;

interface Seen {
  partition: number;
  offset: number;
  value: string;
}

/** Runs a manual-commit consumer that records what it sees; `commit(p, o)` decides what it commits. */
async function startConsumer(kafka: Kafka, groupId: string, topic: string, commit: (partition: number, offset: number) => boolean) {
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 }); // disconnect() waits for the fetch in flight
  const seen: Seen[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }: { partition: number; message: KafkaMessage }) => {
      const offset = Number(message.offset);
      seen.push({ partition, offset, value: message.value!.toString() });
      if (commit(partition, offset)) {
        await consumer.commitOffsets([{ topic, partition, offset: String(offset + 1) }]);
      }
    },
  });
  return { consumer, seen };
}

describe('shared test broker (global setup)', () => {
  const brokers = (inject('kafkaBrokers') ?? process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const kafka = createKafka(brokers, 'kafka-broker-test');
  const consumers: Consumer[] = [];
  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
  });

  it('gets KAFKA_BROKERS both from inject() and from the environment', () => {
    expect(brokers.length).toBeGreaterThan(0);
    expect(process.env.KAFKA_BROKERS).toBe(brokers.join(','));
  });

  it('creates topics idempotently, produces with acks=-1 and resumes a group from its committed offsets', async () => {
    const topic = unique('pw-test-broker');
    const groupId = unique('pw-test-group');

    expect(await ensureTopics(kafka, [{ topic, numPartitions: 3 }])).toEqual([topic]);
    expect(await ensureTopics(kafka, [{ topic, numPartitions: 3 }])).toEqual([]); // second time: nothing to do, no error
    const admin = kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);

      const producer = createProducer(kafka);
      await producer.connect();
      const send = async (batch: string) => {
        const results = await producer.send({
          topic,
          acks: -1,
          messages: [0, 1, 2].flatMap((partition) =>
            [0, 1, 2].map((i) => ({ partition, key: `k${partition}`, value: `${batch}-p${partition}-${i}` })),
          ),
        });
        expect(results.map((r) => r.errorCode)).toEqual(results.map(() => 0));
      };
      await send('a'); // offsets 0..2 on each partition

      // First member: reads everything but commits only what it "processed": all of p1 and p2, the
      // first two messages of p0.
      const first = await startConsumer(kafka, groupId, topic, (partition, offset) => partition !== 0 || offset < 2);
      consumers.push(first.consumer);
      await waitFor(async () => first.seen.length >= 9, 'first consumer to see 9 messages');
      await first.consumer.disconnect();
      expect(first.seen.map((s) => s.value).sort()).toEqual([0, 1, 2].flatMap((p) => [0, 1, 2].map((i) => `a-p${p}-${i}`)).sort());

      const committed = async () => {
        const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return Object.fromEntries(res!.partitions.map((p) => [p.partition, p.offset]));
      };
      expect(await committed()).toEqual({ 0: '2', 1: '3', 2: '3' });

      await send('b'); // offsets 3..5 on each partition
      await producer.disconnect();

      // Second member of the same group: starts at the committed positions, so it gets the one
      // uncommitted message of p0 and batch b, and nothing committed is delivered again.
      const second = await startConsumer(kafka, groupId, topic, () => true);
      consumers.push(second.consumer);
      await waitFor(async () => second.seen.length >= 10, 'second consumer to see 10 messages');
      await new Promise((r) => setTimeout(r, 500)); // would a redelivery show up?
      await second.consumer.disconnect();
      expect(second.seen.map((s) => s.value).sort()).toEqual(
        ['a-p0-2', ...[0, 1, 2].flatMap((p) => [0, 1, 2].map((i) => `b-p${p}-${i}`))].sort(),
      );
      expect(second.seen.filter((s) => s.offset < (s.partition === 0 ? 2 : 3))).toEqual([]);
      expect(await committed()).toEqual({ 0: '6', 1: '6', 2: '6' });
    } finally {
      await admin.disconnect();
    }
  });
});

describe('startLocalBroker', () => {
  let broker: LocalBroker | undefined;
  let dataDir: string | undefined;
  afterAll(async () => {
    await broker?.kill();
    if (dataDir) await fsp.rm(dataDir, { recursive: true, force: true });
  });

  it('keeps its storage across restart() and kill() + restart(), and stop() ends the process', async () => {
    dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pw-broker-test-'));
    broker = await startLocalBroker({ dataDir, heapMb: 384 });
    const { brokers, clusterId } = broker;
    expect(brokers).toEqual([`127.0.0.1:${broker.port}`]);
    const firstPid = broker.pid!;
    expect(firstPid).toBeGreaterThan(0);

    const kafka = createKafka(brokers, 'kafka-broker-restart-test');
    const topic = unique('pw-test-restart');
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'before-restart' }] });
    await producer.disconnect();

    const readAll = async (): Promise<string[]> => {
      const consumer = kafka.consumer({ groupId: unique('pw-test-restart-reader'), maxWaitTimeInMs: 250 });
      const values: string[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
        return await waitFor(async () => values.length >= 1 && values, 'the message back');
      } finally {
        await consumer.disconnect();
      }
    };

    await broker.restart(); // graceful stop + start on the same ports and storage
    expect(broker.brokers).toEqual(brokers);
    expect(broker.clusterId).toBe(clusterId);
    expect(broker.pid).not.toBe(firstPid);
    expect(isAlive(firstPid)).toBe(false);
    expect(await readAll()).toEqual(['before-restart']);

    const secondPid = broker.pid!;
    await broker.kill(); // unclean
    expect(broker.pid).toBeUndefined();
    expect(isAlive(secondPid)).toBe(false);
    await broker.restart();
    expect(await readAll()).toEqual(['before-restart']);

    const lastPid = broker.pid!;
    await broker.stop();
    expect(broker.pid).toBeUndefined();
    expect(isAlive(lastPid)).toBe(false);
    const meta = JSON.parse(await fsp.readFile(path.join(dataDir, 'kafka', 'meta'), 'utf8')) as { clusterId: string };
    expect(meta.clusterId).toBe(clusterId);
  }, 180_000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
