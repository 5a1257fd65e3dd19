// A fetch answered with UNKNOWN_SERVER_ERROR (a broker whose disk is full does that;
// test/faults/disk-full.fault.ts) crashes a kafkajs consumer, and kafkajs does not restart it: the
// error is not retriable. runAndRerunAfterCrash (core/kafka/rerun-after-crash.ts), which the
// normalizer and the sink run their consumers with, runs it again, from its committed offsets.
// The broker's answer is replaced by the error for one fetch (kafkajs's Broker.fetch wrapped).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import pino from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createKafka, createProducer, ensureTopics, CONSUMER_RETRY } from '../../core/kafka/client.ts';
import { runAndRerunAfterCrash } from '../../core/kafka/rerun-after-crash.ts';
import { waitFor } from '../helpers/wait.ts';

const require = createRequire(import.meta.url);
type Fetch = (this: unknown, ...args: unknown[]) => Promise<unknown>;
const KafkaBroker = require('kafkajs/src/broker') as { prototype: { fetch: Fetch } };
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode: (code: number) => Error };
const UNKNOWN_SERVER_ERROR = -1;

describe('a consumer crashed by an error kafkajs does not retry', () => {
  const brokers = (inject('kafkaBrokers') ?? process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const kafka = createKafka(brokers, 'rerun-after-crash-test');
  const realFetch = KafkaBroker.prototype.fetch;
  afterAll(() => {
    KafkaBroker.prototype.fetch = realFetch;
  });

  it('is run again and consumes what came after the crash', async () => {
    const topic = `pw-test-rerun-${randomBytes(4).toString('hex')}`;
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const producer = createProducer(kafka);
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'before' }] });

    const seen: string[] = [];
    const crashes: boolean[] = [];
    let stopping = false;
    const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 100, retry: { ...CONSUMER_RETRY } });
    consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload.restart));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await runAndRerunAfterCrash(
      consumer,
      {
        eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
        },
      },
      { log: pino({ level: 'silent' }), stopping: () => stopping, delayMs: 100 },
    );
    await waitFor(async () => seen.includes('before'), 'the first message');

    let failed = false;
    KafkaBroker.prototype.fetch = async function (this: unknown, ...args: unknown[]) {
      if (!failed) {
        failed = true;
        throw createErrorFromCode(UNKNOWN_SERVER_ERROR);
      }
      return realFetch.apply(this, args);
    };
    await waitFor(async () => crashes.length > 0, 'the crash');
    KafkaBroker.prototype.fetch = realFetch;
    expect(crashes[0]).toBe(false); // kafkajs itself would leave it stopped
    await producer.send({ topic, acks: -1, messages: [{ value: 'after' }] });
    await waitFor(async () => seen.includes('after'), 'the message sent after the crash', 30_000);
    stopping = true;
    await consumer.disconnect();
    await producer.disconnect();
    expect(seen.filter((v) => v === 'after')).toHaveLength(1);
  });
});
