// Sink service: planewatch.events.v1, planewatch.raw.v1 and planewatch.dlq.v1 → ClickHouse
// (identity_events, raw_envelopes, dead_letters). A batch's offsets are committed only after its
// insert succeeded; a failed insert is retried with backoff (the partition waits, nothing is
// skipped). Inserts carry a deduplication token derived from the batch's offsets, and the tables
// collapse rows by id, so a retried or replayed batch never doubles a row.
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ClickHouseClient } from '@clickhouse/client';
import { TOPICS, CONSUMER_GROUPS } from '../../core/kafka/topics.ts';
import { CONSUMER_RETRY } from '../../core/kafka/client.ts';
import { deadLetterCodec, identityEventCodec, rawEnvelopeCodec } from '../../core/avro/codecs.ts';
import { boundedDeadLetter, deadLetterId, type DeadLetter } from '../../core/events/dead-letter.ts';
import { deadLetterToRow, identityEventToRow, insertRows, rawEnvelopeToRow } from '../../core/clickhouse/rows.ts';
import { batchMessages, deadLetters as dlqMetric, sinkInsertFailures, sinkInsertSeconds, sinkRows } from '../../core/metrics.ts';
import { trackConsumerLag } from '../../core/kafka/lag.ts';
import { sendBatchBounded } from '../../core/kafka/send-bounded.ts';

export interface SinkOptions {
  kafka: Kafka;
  producer: Producer;
  clickhouse: ClickHouseClient;
  log: Logger;
  groupId?: string;
  now?: () => number;
  /** First retry delay of a failed insert; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface SinkHealth {
  /** Last insert error, cleared by the next success. */
  lastError: string | null;
  lastInsertAt: number | null;
}

export interface RunningSink {
  health: SinkHealth;
  stop(): Promise<void>;
}

const TABLE_OF: Record<string, string> = {
  [TOPICS.events]: 'identity_events',
  [TOPICS.raw]: 'raw_envelopes',
  [TOPICS.dlq]: 'dead_letters',
};

interface Converted {
  rows: Record<string, unknown>[];
  undecodable: DeadLetter[];
}

/** Decodes one batch into table rows; messages that do not decode become dead letters. */
export function convertBatch(topic: string, partition: number, messages: KafkaMessage[], now: number): Converted {
  const rows: Record<string, unknown>[] = [];
  const undecodable: DeadLetter[] = [];
  for (const m of messages) {
    const value = m.value ?? Buffer.alloc(0);
    try {
      if (topic === TOPICS.events) rows.push(identityEventToRow(identityEventCodec.decode(value)));
      else if (topic === TOPICS.raw) rows.push(rawEnvelopeToRow(rawEnvelopeCodec.decode(value)));
      else rows.push(deadLetterToRow(deadLetterCodec.decode(value)));
    } catch (err) {
      const reason = `sink could not decode a ${topic} message: ${(err as Error).message}`;
      // Bounded (boundedDeadLetter): an undecodable message can be as large as the broker allows,
      // and an unpublishable dead letter would stop this partition's sink for good.
      const dl: DeadLetter = boundedDeadLetter({
        id: deadLetterId('sink', reason, value, `${topic}/${partition}/${m.offset}`),
        stage: 'sink', reason, source: null, connection_id: null, raw_id: null,
        origin_topic: topic, origin_partition: partition, origin_offset: m.offset, payload: value, failed_at: now,
      });
      // A broken message on the DLQ topic itself is stored directly rather than re-queued in a loop.
      if (topic === TOPICS.dlq) rows.push(deadLetterToRow(dl));
      else undecodable.push(dl);
    }
  }
  return { rows, undecodable };
}

export async function startSink(opts: SinkOptions): Promise<RunningSink> {
  const now = opts.now ?? Date.now;
  const health: SinkHealth = { lastError: null, lastInsertAt: null };
  const backoff0 = opts.backoffMs ?? 200;
  const backoffMax = opts.maxBackoffMs ?? 10_000;
  let stopping = false;

  const consumer: Consumer = opts.kafka.consumer({
    groupId: opts.groupId ?? CONSUMER_GROUPS.sink,
    maxBytesPerPartition: 8 * 1024 * 1024,
    sessionTimeout: 30_000,
    retry: { ...CONSUMER_RETRY },
    heartbeatInterval: 3000,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPICS.events, TOPICS.raw, TOPICS.dlq], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (batch.messages.length === 0) return;
      const table = TABLE_OF[batch.topic]!;
      const first = batch.messages[0]!.offset;
      const last = batch.messages[batch.messages.length - 1]!.offset;
      const { rows, undecodable } = convertBatch(batch.topic, batch.partition, batch.messages, now());
      const token = `${batch.topic}:${batch.partition}:${first}-${last}`;
      batchMessages.observe({ stage: 'sink', topic: batch.topic }, batch.messages.length);

      let delay = backoff0;
      for (;;) {
        if (!isRunning() || isStale() || stopping) return; // uncommitted: redelivered later
        try {
          if (undecodable.length) {
            // Bounded requests: many dead letters of one batch must not exceed the broker's limit together.
            await sendBatchBounded(opts.producer, [{ topic: TOPICS.dlq, messages: undecodable.map((dl) => ({ key: dl.id, value: deadLetterCodec.encode(dl) })) }], { acks: -1 });
          }
          if (rows.length) {
            const started = process.hrtime.bigint();
            await insertRows(opts.clickhouse, table, rows, token);
            sinkInsertSeconds.observe({ table }, Number(process.hrtime.bigint() - started) / 1e9);
          }
          break;
        } catch (err) {
          sinkInsertFailures.inc({ table });
          health.lastError = `${table}: ${(err as Error).message}`;
          opts.log.warn({ err, table, token, retryInMs: delay }, 'sink insert failed; retrying');
          await sleep(delay);
          delay = Math.min(delay * 2, backoffMax);
          await heartbeat().catch(() => undefined);
        }
      }
      if (undecodable.length) dlqMetric.inc({ stage: 'sink', source: 'unknown' }, undecodable.length);
      sinkRows.inc({ table }, rows.length);
      health.lastError = null;
      health.lastInsertAt = now();
      resolveOffset(last);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      await heartbeat();
    },
  });
  opts.log.info({ group: opts.groupId ?? CONSUMER_GROUPS.sink }, 'sink consuming events, raw envelopes and dead letters');
  const stopLag = trackConsumerLag(opts.kafka, opts.groupId ?? CONSUMER_GROUPS.sink, [TOPICS.events, TOPICS.raw, TOPICS.dlq]);
  return {
    health,
    stop: async () => {
      stopping = true;
      await stopLag();
      await consumer.disconnect();
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
