// Bench stage: the Kafka client library's own limit, no planewatch code in the loop — produce
// `records` opaque records of planewatch's RawEnvelope size with acks=all (idempotent producer,
// batches of 1000, 2 in flight: what the collector's BatchingProducer does under load), then
// consume them with a consumer group (eachBatch, no work). BENCH_CLIENT_LIB=kafkajs measures
// kafkajs; =confluent measures @confluentinc/kafka-javascript when it is installed (it is not a
// dependency of the project: it does not install here, see README "Performance").
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type { Message } from 'kafkajs';
import { createKafka, createProducer } from '../../core/kafka/client.ts';
import { createLogger } from '../../core/log.ts';
import { sendReady, serveStage } from '../lib/proc.ts';

const lib = process.env.BENCH_CLIENT_LIB ?? 'kafkajs';
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) throw new Error('KAFKA_BROKERS not set');

if (lib === 'confluent') {
  const require = createRequire(import.meta.url);
  let reason: string;
  try {
    require.resolve('@confluentinc/kafka-javascript');
    reason = 'installed, but this bench has no driver for it yet';
  } catch {
    reason = '@confluentinc/kafka-javascript is not installed (its install needs a prebuilt binary from GitHub or a librdkafka source build that downloads zlib/OpenSSL/zstd/curl: neither is reachable here)';
  }
  serveStage({}, async () => undefined);
  sendReady({ available: false, reason });
} else {
  const log = createLogger({ level: 'warn', name: 'bench-client' });
  const kafka = createKafka(brokers, 'bench-client', { log });
  serveStage(
    {
      run: async (a: { topic: string; records: number; recordSize: number; group: string }) => {
        const producer = createProducer(kafka);
        await producer.connect();
        const payload = randomBytes(a.recordSize);
        const batch = 1000;
        const t0 = performance.now();
        const inFlight: Promise<unknown>[] = [];
        for (let i = 0; i < a.records; i += batch) {
          const messages: Message[] = [];
          for (let k = i; k < Math.min(i + batch, a.records); k++) messages.push({ key: `raw_${k.toString(16).padStart(32, '0')}`, value: payload });
          inFlight.push(producer.sendBatch({ acks: -1, topicMessages: [{ topic: a.topic, messages }] }));
          if (inFlight.length >= 2) await inFlight.shift();
        }
        await Promise.all(inFlight);
        const produceMs = performance.now() - t0;
        await producer.disconnect();

        const consumer = kafka.consumer({ groupId: a.group, maxBytesPerPartition: 8 * 1024 * 1024 });
        await consumer.connect();
        await consumer.subscribe({ topic: a.topic, fromBeginning: true });
        let seen = 0;
        let first = 0;
        let firstN = 0;
        const done = new Promise<number>((resolve) => {
          void consumer.run({
            partitionsConsumedConcurrently: 4,
            eachBatch: async ({ batch: b }) => {
              if (seen === 0) {
                first = performance.now();
                firstN = b.messages.length;
              }
              seen += b.messages.length;
              if (seen >= a.records) resolve(performance.now());
            },
          });
        });
        const end = await done;
        await consumer.disconnect();
        return {
          produce: { records: a.records, ms: produceMs, perSec: a.records / (produceMs / 1000) },
          consume: { records: seen, ms: end - first, perSec: (seen - firstN) / ((end - first) / 1000) },
        };
      },
    },
    async () => undefined,
  );
  sendReady({ available: true });
}
