// @platformatic/kafka driver of the `client` bench stage (a devDependency: the pipeline keeps
// kafkajs). Same workload as the kafkajs driver where the library allows it: an idempotent
// producer (acks=-1) sending batches of 1000 records with the Java-compatible murmur2
// partitioner; then a consumer group reading the topic from the earliest offset (its
// MessagesStream emits one 'data' event per record; there is no batch callback), autocommit on,
// no work per record.
//
// One deviation: its idempotent producer cannot have 2 send() calls in flight — the broker
// rejects the second with OUT_OF_ORDER_SEQUENCE_NUMBER (error 45; 1.35.0, reproduced here; the
// library also forces 1 request in flight per connection when idempotent). So the idempotent run
// awaits each send before the next, and a second run produces the common shape (2 in flight,
// acks=-1) without idempotence after the consume phase, to show what the one-at-a-time sending costs.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { Consumer, Producer, compatibilityPartitioner, stringSerializer, type MessageToProduce } from '@platformatic/kafka';
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
  type PhaseResult,
} from './client-common.ts';

async function producePhase(brokers: string[], a: ClientRunArgs, idempotent: boolean, inFlightMax: number): Promise<PhaseResult> {
  const producer = new Producer<string, Buffer, Buffer, Buffer>({
    clientId: 'bench-client-platformatic',
    bootstrapBrokers: brokers,
    idempotent,
    acks: -1,
    partitioner: compatibilityPartitioner,
    serializers: { key: stringSerializer },
  });
  try {
    // Connection and metadata before the clock starts, like kafkajs's producer.connect().
    await producer.metadata({ topics: [a.topic] });
    const payload = randomBytes(a.recordSize);
    const p = new Phase().start();
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < a.records; i += PRODUCE_BATCH) {
      const messages: MessageToProduce<string, Buffer, Buffer, Buffer>[] = [];
      for (let k = i; k < Math.min(i + PRODUCE_BATCH, a.records); k++) messages.push({ topic: a.topic, key: recordKey(k), value: payload });
      inFlight.push(producer.send({ messages }));
      if (inFlight.length >= inFlightMax) await inFlight.shift();
    }
    await Promise.all(inFlight);
    return p.stop(a.records);
  } finally {
    await producer.close();
  }
}

export function platformaticDriver(brokers: string[]): ClientDriver {
  const version = packageVersion(createRequire(import.meta.url).resolve('@platformatic/kafka'), '@platformatic/kafka');
  return {
    async run(a: ClientRunArgs): Promise<ClientRunResult> {
      const produce = await producePhase(brokers, a, true, 1);

      const consumer = new Consumer({
        clientId: 'bench-client-platformatic',
        groupId: a.group,
        bootstrapBrokers: brokers,
        maxBytesPerPartition: FETCH_MAX_BYTES_PER_PARTITION,
      });
      await consumer.metadata({ topics: [a.topic] });
      const c = new Phase().start();
      const stream = await consumer.consume({ topics: [a.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: true });
      let seen = 0;
      await new Promise<void>((resolve, reject) => {
        stream.on('error', reject);
        stream.on('data', () => {
          if (seen >= a.records) return;
          seen++;
          c.mark(1);
          if (seen >= a.records) resolve();
        });
      });
      const consume = c.stop(seen);
      await stream.close();
      await consumer.close(true);
      // After the consume phase, so that the consumer read exactly the records of the first run.
      const plain = await producePhase(brokers, a, false, PRODUCE_IN_FLIGHT);
      return {
        name: `@platformatic/kafka ${version}`,
        produce,
        produceDeviation:
          'idempotent, 1 send in flight (2 concurrent sends of its idempotent producer fail with OUT_OF_ORDER_SEQUENCE_NUMBER)',
        produceVariants: [{ label: 'not idempotent, acks=-1, 2 in flight', phase: plain }],
        consume,
        how: 'idempotent producer, send of 1000 with acks=-1, awaited one at a time; consumer group (MessagesStream, one data event per record, autocommit)',
      };
    },
  };
}
