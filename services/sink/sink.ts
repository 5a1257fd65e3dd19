// Sink service: planewatch.events.v1, planewatch.raw.v1 and planewatch.dlq.v1 → ClickHouse
// (identity_events, raw_envelopes, dead_letters). A batch's offsets are committed only after its
// insert succeeded; a failed insert is retried with backoff (the partition waits, nothing is
// skipped). The partition batches of one fetch share one insert per table (coalesce.ts); inserts
// carry a deduplication token derived from their batches' offsets, and the tables collapse rows by
// id, so a retried or replayed batch never doubles a row.
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ClickHouseClient } from '@clickhouse/client';
import { TOPICS, CONSUMER_GROUPS } from '../../core/kafka/topics.ts';
import { CONSUMER_RETRY } from '../../core/kafka/client.ts';
import { deadLetterCodec, identityEventCodec, rawEnvelopeCodec } from '../../core/avro/codecs.ts';
import { boundedDeadLetter, deadLetterId, type DeadLetter } from '../../core/events/dead-letter.ts';
import { deadLetterToRow, identityEventToRow, insertRows, rawEnvelopeToRow } from '../../core/clickhouse/rows.ts';
import { batchMessages, deadLetters as dlqMetric } from '../../core/metrics.ts';
import { sinkInsertFailures, sinkInsertSeconds, sinkRows } from './metrics.ts';
import { trackConsumerLag } from '../../core/kafka/lag.ts';
import { sendBatchBounded } from '../../core/kafka/send-bounded.ts';
import { runAndRerunAfterCrash } from '../../core/kafka/rerun-after-crash.ts';
import { InsertCoalescer } from './coalesce.ts';
import { replayIdOf } from '../../core/events/replay-marker.ts';

export interface SinkOptions {
  kafka: Kafka;
  producer: Producer;
  clickhouse: ClickHouseClient;
  log: Logger;
  groupId?: string;
  now?: () => number;
  /** How long an insert waits for more partition batches to join it (default DEFAULT_LINGER_MS). */
  lingerMs?: number;
  /** An insert is sent at once when it holds this many rows (default DEFAULT_MAX_INSERT_ROWS). */
  maxInsertRows?: number;
  /** First retry delay of a failed insert; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface SinkHealth {
  /** Last insert error, cleared by the next success. */
  lastError: string | null;
  lastInsertAt: number | null;
  /**
   * Inserts sent and not yet answered. ClickHouse makes an insert's rows visible in the target
   * table before its materialized views (the detection state) have run; only when the insert
   * returns is everything derived from it committed. 0 with the rows visible means settled.
   */
  insertsInFlight: number;
}

export interface RunningSink {
  health: SinkHealth;
  stop(): Promise<void>;
}

/** See SinkOptions.lingerMs and services/sink/coalesce.ts. */
export const DEFAULT_LINGER_MS = 300;
export const DEFAULT_MAX_INSERT_ROWS = 50_000;

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
    // Replay (services/replay/): a re-published envelope IS the stored raw_envelopes row; not stored again.
    if (topic === TOPICS.raw && replayIdOf(m.headers) !== null) continue;
    const value = m.value ?? Buffer.alloc(0);
    try {
      if (topic === TOPICS.events) rows.push(identityEventToRow(identityEventCodec.decodeFields(value)));
      else if (topic === TOPICS.raw) rows.push(rawEnvelopeToRow(rawEnvelopeCodec.decodeFields(value)));
      else rows.push(deadLetterToRow(deadLetterCodec.decodeFields(value)));
    } catch (err) {
      const reason = `sink could not decode a ${topic} message: ${(err as Error).message}`;
      // Bounded (boundedDeadLetter): an undecodable message can be as large as the broker allows,
      // and an unpublishable dead letter would stop this partition's sink for good.
      const dl: DeadLetter = boundedDeadLetter({
        id: deadLetterId('sink', reason, value, `${topic}/${partition}/${m.offset}`),
        stage: 'sink',
        reason,
        source: null,
        connection_id: null,
        raw_id: null,
        origin_topic: topic,
        origin_partition: partition,
        origin_offset: m.offset,
        payload: value,
        failed_at: now,
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
  const health: SinkHealth = { lastError: null, lastInsertAt: null, insertsInFlight: 0 };
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
  // One insert per table for the partition batches of a fetch, lingering up to lingerMs for more
  // (services/sink/coalesce.ts). Every topic-partition's batch of a fetch must be able to join it,
  // so all of them are processed concurrently (kafkajs fetches again only after all are done).
  const coalescer = new InsertCoalescer({
    lingerMs: opts.lingerMs ?? DEFAULT_LINGER_MS,
    maxRows: opts.maxInsertRows ?? DEFAULT_MAX_INSERT_ROWS,
    insert: async (table, rows, token) => {
      health.insertsInFlight++;
      try {
        await insertRows(opts.clickhouse, table, rows, token);
      } finally {
        health.insertsInFlight--;
      }
    },
    onFailure: (table, err, token, retryInMs) => {
      sinkInsertFailures.inc({ table });
      health.lastError = `${table}: ${(err as Error).message}`;
      opts.log.warn({ err, table, token, retryInMs }, 'sink insert failed; retrying');
    },
    onSuccess: (table, _rows, seconds) => {
      sinkInsertSeconds.observe({ table }, seconds);
      health.lastError = null;
      health.lastInsertAt = now();
    },
    stopping: () => stopping,
    backoffMs: backoff0,
    maxBackoffMs: backoffMax,
  });
  await runAndRerunAfterCrash(
    consumer,
    {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 64,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0) return;
        const table = TABLE_OF[batch.topic]!;
        const first = batch.messages[0]!.offset;
        const last = batch.messages[batch.messages.length - 1]!.offset;
        const { rows, undecodable } = convertBatch(batch.topic, batch.partition, batch.messages, now());
        batchMessages.observe({ stage: 'sink', topic: batch.topic }, batch.messages.length);
        const alive = () => isRunning() && !isStale() && !stopping;

        if (undecodable.length) {
          let delay = backoff0;
          for (;;) {
            if (!alive()) return; // uncommitted: redelivered later
            try {
              // Bounded requests: many dead letters of one batch must not exceed the broker's limit together.
              await sendBatchBounded(
                opts.producer,
                [{ topic: TOPICS.dlq, messages: undecodable.map((dl) => ({ key: dl.id, value: deadLetterCodec.encode(dl) })) }],
                { acks: -1 },
              );
              break;
            } catch (err) {
              health.lastError = `${TOPICS.dlq}: ${(err as Error).message}`;
              opts.log.warn(
                { err, topic: batch.topic, partition: batch.partition, retryInMs: delay },
                'sink could not publish dead letters; retrying',
              );
              await sleep(delay);
              delay = Math.min(delay * 2, backoffMax);
              await heartbeat().catch(() => undefined);
            }
          }
          dlqMetric.inc({ stage: 'sink', source: 'unknown' }, undecodable.length);
        }
        if (rows.length) {
          const inserted = await coalescer.add(table, {
            topic: batch.topic,
            partition: batch.partition,
            first,
            last,
            rows,
            alive,
            heartbeat,
          });
          if (!inserted) return; // uncommitted: redelivered later
        } else if (!alive()) return;
        sinkRows.inc({ table }, rows.length);
        resolveOffset(last);
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        await heartbeat();
      },
    },
    { log: opts.log, stopping: () => stopping },
  );
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
