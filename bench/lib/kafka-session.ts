// The bench's own Kafka broker (local-broker/broker.ts, in the run's temp dir) and the parent's
// clients of it, with every topic the sections use created up front.
import path from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { ensureKafkaJars, startLocalBroker, type LocalBroker } from '../../local-broker/index.ts';
import { createKafka, createProducer, ensureTopics } from '../../core/kafka/client.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { PARTITIONS } from './options.ts';

export interface KafkaSession {
  broker: LocalBroker;
  /** host:port list, comma-separated. */
  brokers: string;
  /** Kafka's jars (its perf tools). */
  libsDir: string;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
}

/** Starts the broker; `onBroker` learns of it before anything else can fail, so cleanup can stop it. */
export async function startKafkaSession(
  runDir: string,
  log: Logger,
  say: (msg: string) => void,
  onBroker: (b: LocalBroker) => void,
): Promise<KafkaSession> {
  const libsDir = await ensureKafkaJars({ log });
  const broker = await startLocalBroker({ dataDir: path.join(runDir, 'broker'), partitions: PARTITIONS, log });
  onBroker(broker);
  const brokers = broker.brokers.join(',');
  say(`broker up at ${brokers} (pid ${broker.pid})`);
  const kafka: Kafka = createKafka(broker.brokers, 'planewatch-bench', { log });
  const admin = kafka.admin();
  await admin.connect();
  const producer = createProducer(kafka);
  await producer.connect();
  await ensureTopics(
    kafka,
    [
      ...Object.values(TOPICS).map((topic) => ({ topic, numPartitions: PARTITIONS })),
      { topic: 'bench.perf.raw', numPartitions: PARTITIONS },
      { topic: 'bench.perf.events', numPartitions: PARTITIONS },
      { topic: 'bench.peer.events.json', numPartitions: PARTITIONS },
    ],
    { admin },
  );
  return { broker, brokers, libsDir, kafka, admin, producer };
}

export async function closeKafkaClients(session: KafkaSession): Promise<void> {
  await session.producer.disconnect();
  await session.admin.disconnect();
}
