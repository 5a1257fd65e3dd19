// Normalizer service: planewatch.raw.v1 → planewatch.events.v1 (+ planewatch.dlq.v1).
// For each fetched batch it maps every envelope, produces all outputs with acks=all, and only then
// commits the batch's offsets, so a crash re-processes (never loses) a batch; the duplicates that
// re-processing creates carry the same event ids and collapse in ClickHouse.
import type { Consumer, Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { TOPICS, CONSUMER_GROUPS } from '../../core/kafka/topics.ts';
import { rawEnvelopeCodec, identityEventCodec, deadLetterCodec } from '../../core/avro/codecs.ts';
import type { SourceModule } from '../../core/sources/source-module.ts';
import { deadLetterId, type DeadLetter } from '../../core/events/dead-letter.ts';
import { deadLetters as dlqMetric, normalizedEvents } from '../../core/metrics.ts';
import { eventKey, normalizeEnvelope } from './normalize-envelope.ts';

export interface NormalizerOptions {
  kafka: Kafka;
  producer: Producer;
  map: BoundaryMap;
  sources: Readonly<Record<string, SourceModule>>;
  log: Logger;
  groupId?: string;
  now?: () => number;
}

export interface RunningService {
  stop(): Promise<void>;
}

/** Maps one batch of raw-topic messages to output messages. Pure apart from the clock. */
export function normalizeMessages(
  messages: { value: Buffer | null; offset: string }[],
  topic: string,
  partition: number,
  map: BoundaryMap,
  sources: Readonly<Record<string, SourceModule>>,
  now: number,
): { events: Message[]; dlq: Message[]; counts: Map<string, number> } {
  const events: Message[] = [];
  const dlq: Message[] = [];
  const counts = new Map<string, number>();
  const pushDead = (dl: DeadLetter) => {
    dlq.push({ key: dl.raw_id ?? dl.id, value: deadLetterCodec.encode(dl) });
    dlqMetric.inc({ stage: dl.stage, source: dl.source ?? 'unknown' });
  };
  for (const m of messages) {
    const value = m.value ?? Buffer.alloc(0);
    const origin = { topic, partition, offset: m.offset };
    let envelope;
    try {
      envelope = rawEnvelopeCodec.decode(value);
    } catch (err) {
      const reason = `undecodable raw envelope: ${(err as Error).message}`;
      pushDead({
        id: deadLetterId('normalizer', reason, value, `${topic}/${partition}/${m.offset}`),
        stage: 'normalizer', reason, source: null, connection_id: null, raw_id: null,
        origin_topic: topic, origin_partition: partition, origin_offset: m.offset, payload: value, failed_at: now,
      });
      continue;
    }
    const result = normalizeEnvelope(envelope, map, sources, origin, now);
    for (const ev of result.events) {
      events.push({ key: eventKey(ev), value: identityEventCodec.encode(ev) });
      const k = `${ev.source}|${ev.plane}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    result.deadLetters.forEach(pushDead);
  }
  return { events, dlq, counts };
}

export async function startNormalizer(opts: NormalizerOptions): Promise<RunningService> {
  const now = opts.now ?? Date.now;
  const consumer: Consumer = opts.kafka.consumer({
    groupId: opts.groupId ?? CONSUMER_GROUPS.normalizer,
    maxBytesPerPartition: 4 * 1024 * 1024,
    sessionTimeout: 30_000,
    heartbeatInterval: 3000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.raw, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 2,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const { events, dlq, counts } = normalizeMessages(batch.messages, batch.topic, batch.partition, opts.map, opts.sources, now());
      const topicMessages = [];
      if (events.length) topicMessages.push({ topic: TOPICS.events, messages: events });
      if (dlq.length) topicMessages.push({ topic: TOPICS.dlq, messages: dlq });
      if (topicMessages.length) await opts.producer.sendBatch({ acks: -1, topicMessages });
      for (const [k, n] of counts) {
        const [source, plane] = k.split('|') as [string, string];
        normalizedEvents.inc({ source, plane }, n);
      }
      const last = batch.messages[batch.messages.length - 1]!;
      resolveOffset(last.offset);
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
      await heartbeat();
      if (dlq.length) opts.log.warn({ partition: batch.partition, deadLetters: dlq.length }, 'normalizer sent items to the DLQ');
    },
  });
  opts.log.info({ group: opts.groupId ?? CONSUMER_GROUPS.normalizer }, 'normalizer consuming planewatch.raw.v1');
  return {
    stop: async () => {
      await consumer.disconnect();
    },
  };
}
