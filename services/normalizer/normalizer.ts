// Normalizer service: planewatch.raw.v1 → planewatch.events.v1 (+ planewatch.dlq.v1).
// For each fetched batch it maps every envelope, produces all outputs with acks=all, and only then
// commits the batch's offsets, so a crash re-processes (never loses) a batch; the duplicates that
// re-processing creates carry the same event ids and collapse in ClickHouse.
import type { Consumer, Kafka, Message, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { TOPICS, CONSUMER_GROUPS } from '../../core/kafka/topics.ts';
import { CONSUMER_RETRY } from '../../core/kafka/client.ts';
import { rawEnvelopeCodec, identityEventCodec, deadLetterCodec } from '../../core/avro/codecs.ts';
import type { SourceModule } from '../../source-kit/source-module.ts';
import { boundedDeadLetter, deadLetterId, type DeadLetter } from '../../core/events/dead-letter.ts';
import { batchMessages, deadLetters as dlqMetric } from '../../core/metrics.ts';
import { normalizedEvents } from './metrics.ts';
import { trackConsumerLag } from '../../core/kafka/lag.ts';
import { sendBatchBounded } from '../../core/kafka/send-bounded.ts';
import { runAndRerunAfterCrash } from '../../core/kafka/rerun-after-crash.ts';
import { eventKey, normalizeEnvelope } from './normalize-envelope.ts';

export interface NormalizerOptions {
  kafka: Kafka;
  producer: Producer;
  map: BoundaryMap;
  sources: Readonly<Record<string, SourceModule>>;
  log: Logger;
  groupId?: string;
  now?: () => number;
  /** Register the group on the consumer-lag gauge here (default true; the all-in-one's worker thread leaves it to the main thread, whose /metrics is served). */
  trackLag?: boolean;
  /** Called when the consumer crashed; `restart` false = kafkajs gave up and this normalizer consumes nothing more. */
  onCrash?: (error: Error, restart: boolean) => void;
}

/**
 * Largest encoded IdentityEvent the normalizer publishes. One event is one fact about one identity
 * (a few KB at most); anything far larger is a vendor payload gone wrong (a huge attribute), and
 * publishing it could exceed the broker's message.max.bytes, which would fail the whole batch on
 * every retry and stop the partition. Such an event goes to the DLQ instead, with the reason.
 */
export const MAX_EVENT_BYTES = 256 * 1024;

/** Outputs and offsets of the partition batches that share one produce request and one commit. */
interface OutputGroup {
  events: Message[];
  dlq: Message[];
  offsets: { topic: string; partition: number; offset: string }[];
  /** Resolves when the group was sent off (done is set then). */
  started: Promise<void>;
  release: () => void;
  done: Promise<void> | null;
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
  const pushDead = (full: DeadLetter) => {
    // Bounded, so a dead letter can always be published (see boundedDeadLetter).
    const dl = boundedDeadLetter(full);
    dlq.push({ key: dl.raw_id ?? dl.id, value: deadLetterCodec.encode(dl) });
    dlqMetric.inc({ stage: dl.stage, source: dl.source ?? 'unknown' });
  };
  for (const m of messages) {
    const value = m.value ?? Buffer.alloc(0);
    const origin = { topic, partition, offset: m.offset };
    let envelope;
    try {
      envelope = rawEnvelopeCodec.decodeFields(value);
    } catch (err) {
      const reason = `undecodable raw envelope: ${(err as Error).message}`;
      pushDead({
        id: deadLetterId('normalizer', reason, value, `${topic}/${partition}/${m.offset}`),
        stage: 'normalizer',
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
      continue;
    }
    const deadOf = (reason: string, payload: Buffer): DeadLetter => ({
      id: deadLetterId('normalizer', reason, payload, envelope.id),
      stage: 'normalizer',
      reason,
      source: envelope.source,
      connection_id: envelope.connection_id,
      raw_id: envelope.id,
      origin_topic: topic,
      origin_partition: partition,
      origin_offset: m.offset,
      payload,
      failed_at: now,
    });
    // Fault-suite fix: anything a mapping throws past normalizeEnvelope (e.g. a RangeError from a
    // pathologically deep body) used to escape this loop, fail the whole batch on every retry and
    // stop the partition. It is now this envelope's dead letter; the batch goes on.
    let result;
    try {
      result = normalizeEnvelope(envelope, map, sources, origin, now);
    } catch (err) {
      pushDead(deadOf(`normalizer failed on this envelope: ${(err as Error)?.message ?? String(err)}`, envelope.body));
      continue;
    }
    for (const ev of result.events) {
      let value: Buffer;
      try {
        value = identityEventCodec.encode(ev);
      } catch (err) {
        pushDead(
          deadOf(
            `${envelope.source}: event ${ev.event_id} could not be encoded as an IdentityEvent: ${(err as Error).message}`,
            Buffer.from(safeJson(ev)),
          ),
        );
        continue;
      }
      if (value.length > MAX_EVENT_BYTES) {
        pushDead(
          deadOf(
            `${envelope.source}: event ${ev.event_id} is ${value.length} bytes encoded, above the ${MAX_EVENT_BYTES}-byte limit of one identity event`,
            Buffer.from(safeJson(ev)),
          ),
        );
        continue;
      }
      events.push({ key: eventKey(ev), value });
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
    retry: { ...CONSUMER_RETRY },
    heartbeatInterval: 3000,
  });
  let stopping = false;
  if (opts.onCrash) {
    const onCrash = opts.onCrash;
    // runAndRerunAfterCrash runs it again after any crash until it stops.
    consumer.on(consumer.events.CRASH, (e) => onCrash(e.payload.error, e.payload.restart || !stopping));
  }
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.raw, fromBeginning: true });
  // The partition batches of one fetch (processed concurrently; kafkajs fetches again when all are
  // done) share one produce request and one offset commit: under live traffic a fetch brings a few
  // dozen envelopes per partition, and a produce + a commit per partition batch was a large part of
  // the normalizer's CPU in the all-in-one (`npm run bench`, docs/PERFORMANCE.md "Where the time goes").
  let group: OutputGroup | null = null;
  const flush = (g: OutputGroup) => {
    if (group === g) group = null;
    const topicMessages = [];
    if (g.events.length) topicMessages.push({ topic: TOPICS.events, messages: g.events });
    if (g.dlq.length) topicMessages.push({ topic: TOPICS.dlq, messages: g.dlq });
    // Bounded requests (core/kafka/send-bounded.ts): one request for a big batch's whole output
    // could exceed the broker's message.max.bytes and fail on every retry (fault-suite fix).
    // Offsets are committed only after every output of every batch in the group is acknowledged.
    g.done = (async () => {
      if (topicMessages.length) await sendBatchBounded(opts.producer, topicMessages, { acks: -1 });
      await consumer.commitOffsets(g.offsets);
    })();
    g.release();
  };
  await runAndRerunAfterCrash(
    consumer,
    {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 64,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        batchMessages.observe({ stage: 'normalizer', topic: batch.topic }, batch.messages.length);
        const { events, dlq, counts } = normalizeMessages(batch.messages, batch.topic, batch.partition, opts.map, opts.sources, now());
        const last = batch.messages[batch.messages.length - 1]!;
        // Join the group of this fetch; it goes out once the batches that started with this one had
        // their turn (setImmediate: after the pending I/O callbacks and microtasks).
        if (!group) {
          let release!: () => void;
          const started = new Promise<void>((r) => (release = r));
          const g: OutputGroup = { events: [], dlq: [], offsets: [], release, started, done: null };
          group = g;
          setImmediate(() => flush(g));
        }
        const g = group;
        for (const m of events) g.events.push(m); // (no spread: a big batch can exceed the argument limit)
        for (const m of dlq) g.dlq.push(m);
        g.offsets.push({ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() });
        await g.started;
        await g.done;
        for (const [k, n] of counts) {
          const [source, plane] = k.split('|') as [string, string];
          normalizedEvents.inc({ source, plane }, n);
        }
        resolveOffset(last.offset);
        await heartbeat();
        if (dlq.length) opts.log.warn({ partition: batch.partition, deadLetters: dlq.length }, 'normalizer sent items to the DLQ');
      },
    },
    { log: opts.log, stopping: () => stopping },
  );
  opts.log.info({ group: opts.groupId ?? CONSUMER_GROUPS.normalizer }, 'normalizer consuming planewatch.raw.v1');
  const stopLag =
    opts.trackLag === false
      ? async () => undefined
      : trackConsumerLag(opts.kafka, opts.groupId ?? CONSUMER_GROUPS.normalizer, [TOPICS.raw]);
  return {
    stop: async () => {
      stopping = true;
      await stopLag();
      await consumer.disconnect();
    },
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch (err) {
    return JSON.stringify({ unserializable: (err as Error).message });
  }
}
