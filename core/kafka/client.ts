// kafkajs wiring shared by every service: one way to build a client (logs go to pino, not to
// kafkajs's console logger), one way to build a producer (acks=all, Java-compatible partitioner,
// not idempotent: see createProducer), and an idempotent "make sure the topics exist" for start-up.
import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type ITopicConfig,
  type KafkaConfig,
  type LogEntry,
  type Producer,
  type ProducerConfig,
  type logCreator,
} from 'kafkajs';
import { logger as rootLogger, type Logger } from '../log.ts';
import { TOPICS } from './topics.ts';

/**
 * kafkajs level → pino method. kafkajs has no TRACE/FATAL; NOTHING never reaches the log function.
 * kafkajs's INFO is its life cycle ("Starting", "Consumer has joined the group", "Stopped"): a
 * dozen lines at every start and stop that buried the start banner, so it is pino debug; what
 * needs attention comes at WARN and ERROR.
 */
const LEVEL_METHOD = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'debug',
  [logLevel.DEBUG]: 'debug',
} as const satisfies Partial<Record<logLevel, string>>;

/** The kafkajs level that lets through exactly what the pino logger would print anyway. */
export function kafkajsLevelFor(log: Logger): logLevel {
  switch (log.level) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info': // kafkajs INFO is logged at debug (LEVEL_METHOD)
    case 'warn':
      return logLevel.WARN;
    case 'error':
    case 'fatal':
      return logLevel.ERROR;
    default: // 'silent'
      return logLevel.NOTHING;
  }
}

export interface KafkajsLogOptions {
  /**
   * Log everything at most at this pino level, e.g. 'debug' for a client whose errors are expected
   * (the broker readiness probe connects before the broker listens).
   */
  capAt?: 'debug' | 'info' | 'warn';
}

const SEVERITY = { debug: 0, info: 1, warn: 2, error: 3 } as const;

/** A kafkajs `logCreator` writing into `log.child({ component: 'kafkajs' })`. */
export function pinoLogCreator(log: Logger = rootLogger, opts: KafkajsLogOptions = {}): logCreator {
  const child = log.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      let method: keyof typeof SEVERITY = LEVEL_METHOD[level as keyof typeof LEVEL_METHOD] ?? 'info';
      if (opts.capAt && SEVERITY[method] > SEVERITY[opts.capAt]) method = opts.capAt;
      // kafkajs puts its own timestamp and the logger name into every entry; pino has its own.
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry;
      child[method]({ namespace, ...extra }, message);
    };
}

export interface CreateKafkaOptions extends KafkajsLogOptions {
  log?: Logger;
  /** Anything else for the kafkajs client (retry, timeouts, ssl, sasl, ...). */
  config?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator'>;
}

/** A kafkajs client whose logs go to pino (`component: 'kafkajs'`). */
export function createKafka(brokers: string[], clientId: string, opts: CreateKafkaOptions = {}): Kafka {
  const log = opts.log ?? rootLogger;
  return new Kafka({
    logLevel: kafkajsLevelFor(log),
    ...opts.config,
    brokers,
    clientId,
    logCreator: pinoLogCreator(log, opts),
  });
}

/**
 * A producer with kafkajs's default (Java-compatible murmur2) partitioner, so the v2 "default
 * partitioner changed" warning never fires, one request in flight per broker, acks=-1 (kafkajs's
 * default; every caller keeps it) and retries without end. Anything in `opts` overrides these.
 *
 * Not idempotent, on purpose: kafkajs's idempotent producer rolls a partition's sequence number back
 * whenever a produce request fails, even when the broker had written the batch before failing (a
 * full disk does that: the record reaches the segment, then the index update faults and the
 * broker answers UNKNOWN_SERVER_ERROR). The next, different batch then reuses that sequence number,
 * and once the broker has recovered the written batch from its log it takes the new one for a
 * retry, answers success and drops it: an acknowledged record that is never stored
 * (test/faults/disk-full.fault.ts). Without idempotence a retry can at worst write a record twice,
 * which every consumer already collapses by its stable id (raw envelope id, event id). One request
 * in flight per broker, as the idempotent producer's per-broker lock allowed: requests still go
 * out one after another in send order.
 */
export function createProducer(kafka: Kafka, opts: ProducerConfig = {}): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: false,
    maxInFlightRequests: 1,
    // Retry without end but never wait more than 2 s between tries: kafkajs's default backoff grows
    // to 30 s, so after a broker outage a stuck send (and everything queued behind it in the
    // collector) would wait that long after the broker is back.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2000 },
    ...opts,
  });
}

export interface TopicSpec {
  topic: string;
  /** Default: env PLANEWATCH_PARTITIONS, else 4. */
  numPartitions?: number;
  /** Default: the broker's `default.replication.factor`. */
  replicationFactor?: number;
  configEntries?: ITopicConfig['configEntries'];
}

export function defaultPartitions(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PLANEWATCH_PARTITIONS;
  if (raw === undefined || raw.trim() === '') return 4;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`PLANEWATCH_PARTITIONS must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** Every topic in TOPICS with the default partition count. */
export function planewatchTopics(numPartitions = defaultPartitions()): TopicSpec[] {
  return Object.values(TOPICS).map((topic) => ({ topic, numPartitions }));
}

export interface EnsureTopicsOptions {
  /** Broker-side timeout for the create request and the wait for leaders (ms). Default 30 s. */
  timeoutMs?: number;
  /** Reuse an admin client that is already connected (it is left connected). */
  admin?: Admin;
}

/**
 * Creates whichever of `topics` (default: all planewatch topics) do not exist yet and waits for their
 * partition leaders. Safe to call repeatedly and concurrently (TOPIC_ALREADY_EXISTS counts as done).
 * Existing topics are left alone, even if their partition count differs. Returns the topics that were
 * missing (created by this call, or by a concurrent caller that won the race); [] when all existed.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: TopicSpec[] = planewatchTopics(),
  opts: EnsureTopicsOptions = {},
): Promise<string[]> {
  if (topics.length === 0) return [];
  const admin = opts.admin ?? kafka.admin();
  if (!opts.admin) await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return [];
    const fallbackPartitions = defaultPartitions();
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let createdAll: boolean;
    try {
      createdAll = await admin.createTopics({
        waitForLeaders: true,
        timeout: timeoutMs,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.numPartitions ?? fallbackPartitions,
          ...(t.replicationFactor !== undefined ? { replicationFactor: t.replicationFactor } : {}),
          ...(t.configEntries ? { configEntries: t.configEntries } : {}),
        })),
      });
    } catch (err) {
      // kafkajs's own wait for leaders retries LEADER_NOT_AVAILABLE only; right after creation (or
      // while a concurrent creator's topics appear) the metadata can still answer
      // UNKNOWN_TOPIC_OR_PARTITION, and that failed start-up of two test files racing on a fresh
      // broker. The topics exist or are being created: wait for their leaders below.
      if (!hasKafkaErrorType(err, ['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE'])) throw err;
      createdAll = false;
    }
    // createTopics resolves false when some of them already existed (a concurrent creator won the
    // race) and then skips its wait for leaders, so wait here instead.
    if (!createdAll)
      await waitForLeaders(
        admin,
        missing.map((t) => t.topic),
        timeoutMs,
      );
    return missing.map((t) => t.topic);
  } finally {
    if (!opts.admin) await admin.disconnect();
  }
}

function hasKafkaErrorType(err: unknown, types: readonly string[]): boolean {
  for (
    let e: unknown = err, depth = 0;
    e instanceof Error && depth < 8;
    e = (e as { cause?: unknown; originalError?: unknown }).originalError ?? (e as { cause?: unknown }).cause, depth++
  ) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && types.includes(type)) return true;
  }
  return false;
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for leaders of ${topics.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Retry policy for the pipeline's consumers: keep retrying through a broker outage (at most 2 s
 * between tries) instead of giving up and crashing the consumer, which would leave a stage idle
 * after the broker is back. Offsets are only committed after output is durable, so a retry never
 * skips anything.
 */
export const CONSUMER_RETRY = {
  retries: Number.MAX_SAFE_INTEGER,
  initialRetryTime: 100,
  maxRetryTime: 2000,
  restartOnFailure: async () => true,
} as const;
