// A broker is ready once a client has produced (acks=-1) and consumed back (consumer group) a message.
import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, Producer, Admin } from 'kafkajs';
import { createProducer } from '../core/kafka/client.ts';

/** Topic the readiness probe produces to and consumes from. */
export const READY_TOPIC = '__planewatch_ready';

/** Create READY_TOPIC, produce one message with acks=-1, consume it back via a group. */
export async function readinessRoundTrip(kafka: Kafka, timeoutMs: number): Promise<void> {
  const nonce = `${process.pid}-${Date.now()}-${randomBytes(4).toString('hex')}`;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  let timer: NodeJS.Timeout | undefined;
  const work = (async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: READY_TOPIC, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
      timeout: 10_000,
    });
    producer = createProducer(kafka, { retry: { retries: 4, initialRetryTime: 200, maxRetryTime: 2000 } });
    await producer.connect();
    await producer.send({ topic: READY_TOPIC, acks: -1, messages: [{ key: nonce, value: nonce }] });
    const c = kafka.consumer({
      groupId: `__planewatch_ready-${nonce}`,
      maxWaitTimeInMs: 100, // disconnect() waits for the fetch in flight
      retry: { retries: 4, initialRetryTime: 200, maxRetryTime: 2000, restartOnFailure: async () => false },
    });
    consumer = c;
    await c.connect();
    await c.subscribe({ topic: READY_TOPIC, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      c.on(c.events.CRASH, (e) => reject(e.payload.error));
      c.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          if (message.key?.toString() === nonce) resolve();
        },
      }).catch(reject);
    });
  })();
  work.catch(() => {}); // it may lose the race against the timeout below
  try {
    await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`readiness round trip took longer than ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    const clients: Array<Admin | Producer | Consumer | undefined> = [consumer, producer, admin];
    await Promise.allSettled(clients.map((c) => c?.disconnect()));
  }
}
