// kafkajs driver of the `client` bench stage: the project's own wiring (core/kafka/client.ts:
// acks=all producer, not idempotent, Java-compatible partitioner), sendBatch of 1000, 2 in flight;
// then a consumer group (eachBatch, 4 partitions concurrently, no work).
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type { Message } from 'kafkajs';
import { createKafka, createProducer } from '../../core/kafka/client.ts';
import { createLogger } from '../../core/log.ts';
import {
  FETCH_MAX_BYTES_PER_PARTITION,
  PRODUCE_BATCH,
  PRODUCE_IN_FLIGHT,
  Phase,
  packageVersion,
  recordKey,
  type ClientDriver,
  type ClientRunArgs,
  type ClientRunResult,
} from './client-common.ts';

export function kafkajsDriver(brokers: string[]): ClientDriver {
  const log = createLogger({ level: 'warn', name: 'bench-client' });
  const kafka = createKafka(brokers, 'bench-client', { log });
  const version = packageVersion(createRequire(import.meta.url).resolve('kafkajs'), 'kafkajs');
  return {
    async run(a: ClientRunArgs): Promise<ClientRunResult> {
      const producer = createProducer(kafka);
      await producer.connect();
      const payload = randomBytes(a.recordSize);
      const p = new Phase().start();
      const inFlight: Promise<unknown>[] = [];
      for (let i = 0; i < a.records; i += PRODUCE_BATCH) {
        const messages: Message[] = [];
        for (let k = i; k < Math.min(i + PRODUCE_BATCH, a.records); k++) messages.push({ key: recordKey(k), value: payload });
        inFlight.push(producer.sendBatch({ acks: -1, topicMessages: [{ topic: a.topic, messages }] }));
        if (inFlight.length >= PRODUCE_IN_FLIGHT) await inFlight.shift();
      }
      await Promise.all(inFlight);
      const produce = p.stop(a.records);
      await producer.disconnect();

      const consumer = kafka.consumer({ groupId: a.group, maxBytesPerPartition: FETCH_MAX_BYTES_PER_PARTITION });
      await consumer.connect();
      const c = new Phase().start();
      await consumer.subscribe({ topic: a.topic, fromBeginning: true });
      let seen = 0;
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          partitionsConsumedConcurrently: 4,
          eachBatch: async ({ batch: b }) => {
            if (seen >= a.records) return;
            seen += b.messages.length;
            c.mark(b.messages.length);
            if (seen >= a.records) resolve();
          },
        });
      });
      await done;
      const consume = c.stop(seen);
      await consumer.disconnect();
      return {
        name: `kafkajs ${version}`,
        produce,
        consume,
        how: 'producer (acks=-1, not idempotent, 1 request in flight per broker), sendBatch of 1000, 2 in flight; consumer group, eachBatch with 4 partitions concurrently',
      };
    },
  };
}
