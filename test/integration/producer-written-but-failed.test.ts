// A produce request the broker wrote and still answered with an error (on a full disk the record
// reaches the segment, then the index update faults and the broker answers UNKNOWN_SERVER_ERROR;
// test/faults/disk-full.fault.ts). With kafkajs's idempotent producer the failed request's sequence
// number was rolled back and the next, different record reused it: the broker took it for a
// retry of the written one, answered success and dropped it. The producer of core/kafka/client.ts
// must never lose an acknowledged record that way. The broker's answer is replaced here by the
// error after the real request was written (kafkajs's Broker.produce wrapped for one call).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createKafka, createProducer, ensureTopics } from '../../core/kafka/client.ts';

const require = createRequire(import.meta.url);
type Produce = (this: unknown, req: { topicData: Array<{ topic: string }> }) => Promise<unknown>;
const KafkaBroker = require('kafkajs/src/broker') as { prototype: { produce: Produce } };
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode: (code: number) => Error };
const UNKNOWN_SERVER_ERROR = -1;

describe('a produce request written by the broker but answered with an error', () => {
  const brokers = (inject('kafkaBrokers') ?? process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const kafka = createKafka(brokers, 'written-but-failed-test');
  const realProduce = KafkaBroker.prototype.produce;
  afterAll(() => {
    KafkaBroker.prototype.produce = realProduce;
  });

  it('does not make the next acknowledged record vanish', async () => {
    const topic = `pw-test-written-but-failed-${randomBytes(4).toString('hex')}`;
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    const producer = createProducer(kafka);
    await producer.connect();
    let failNext = true;
    KafkaBroker.prototype.produce = async function (this: unknown, req) {
      const answer = await realProduce.call(this, req);
      if (failNext && req.topicData.some((t) => t.topic === topic)) {
        failNext = false;
        throw createErrorFromCode(UNKNOWN_SERVER_ERROR); // written, yet answered with an error
      }
      return answer;
    };
    await expect(producer.send({ topic, acks: -1, messages: [{ key: 'a', value: 'first, answered with an error' }] })).rejects.toThrow(
      /unexpected error/,
    );
    KafkaBroker.prototype.produce = realProduce;
    await producer.send({ topic, acks: -1, messages: [{ key: 'b', value: 'second, acknowledged' }] });
    await producer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    const [end] = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const values: string[] = [];
    const consumer = kafka.consumer({ groupId: `${topic}-reader`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value!.toString());
          if (Number(message.offset) + 1 >= Number(end!.high)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    // The first record is there too (the broker wrote it): a duplicate the consumers collapse by id.
    expect(values).toEqual(['first, answered with an error', 'second, acknowledged']);
  });
});
