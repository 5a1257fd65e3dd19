// Detector service: evaluates every detection on a schedule and shortly after new events arrive,
// and publishes each finding transition to planewatch.alerts.v1 keyed by fingerprint.
//
// - New data: it consumes planewatch.events.v1 with its own consumer group only to learn that
//   something arrived (it never reads the payloads); after `debounce` without further messages it
//   evaluates, and at the latest `max_wait` after the first batch not yet evaluated even while
//   batches keep coming (trigger.ts). The scheduled evaluation (`evaluate_every`) covers anything the sink inserted after
//   a debounced evaluation ran, and time-based detections (PW-DEPROV-OVERDUE opening when an SLA
//   passes, PW-SOURCE-SILENT) with no new events at all.
// - One evaluation at a time; a trigger during an evaluation runs one more right after.
// - One active detector per store: with a lease (core/kafka/lease.ts, role 'detector') only its
//   holder evaluates, and it fences the lease right before an evaluation's first write, its commit
//   stage and publishing, so a process that lost it (frozen, cut off) discards its evaluation
//   instead of committing; every write in between checks the lease locally first
//   (core/clickhouse/writes-while-holding.ts). On gaining the lease it drops its cache and evaluates in full, snapshot
//   included (another process may have evaluated in between). The new-data consumer runs only
//   while it leads (a standby in the same group would take partitions, and their notifications,
//   away from the leader); only the holder builds the detection state.
// - Alerts are at least once: an evaluation's transitions are committed in ClickHouse first, then
//   published (acks=all), then the evaluation is marked published. Transitions of a committed but
//   unpublished evaluation (a crash in between) are published before the next evaluation.
import { CONSUMER_RETRY } from '../../core/kafka/client.ts';
import { collectEvery } from '../../core/collect-garbage.ts';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { Lease } from '../../core/kafka/lease.ts';
import { writesWhileHolding } from '../../core/clickhouse/writes-while-holding.ts';
import type { Logger } from 'pino';
import type { ClickHouseClient } from '@clickhouse/client';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { sendBatchBounded } from '../../core/kafka/send-bounded.ts';
import { loadDetections, type Detection } from '../../store/detections/metadata.ts';
import { evaluate, type EvaluationResult } from './evaluation/evaluate.ts';
import { EvaluationCache } from './evaluation/cache.ts';
import { markPublished, unpublishedEvaluations } from '../../store/findings/findings-store.ts';
import { ensureDetectionState } from '../../store/read-models/state.ts';
import { findingJson } from '../../store/findings/findings.ts';
import type { FindingChange } from '../../store/findings/lifecycle.ts';
import type { DefaultPlaneOf } from '../../store/detections/params.ts';
import { boundedDebounce, realTimers, type Timers } from './trigger.ts';

export const DETECTOR_GROUP = 'planewatch-detector';
/** Schema name carried by every alerts message (JSON). */
export const ALERT_SCHEMA = 'planewatch.finding-transition.v1';

export interface DetectorOptions {
  clickhouse: ClickHouseClient;
  map: BoundaryMap;
  log: Logger;
  defaultPlaneOf: DefaultPlaneOf;
  /** Kafka for the new-data trigger and the alerts topic; without it the detector only runs on its schedule and publishes nothing. */
  kafka?: Kafka;
  producer?: Producer;
  groupId?: string;
  /** Detections to run; default: built-in + detections.custom_dir. */
  detections?: Detection[];
  /** The evaluation clock (injectable); default Date.now. */
  now?: () => number;
  evaluateEveryMs?: number;
  debounceMs?: number;
  /** Longest wait from the first unevaluated batch to its evaluation, even while batches keep coming. */
  maxWaitMs?: number;
  /** Timers for the new-data trigger (injectable for tests); default real timers. */
  timers?: Timers;
  /** The 'detector' lease, started: only its holder evaluates. Without one this process always evaluates (one detector per store). */
  lease?: Lease;
}

export interface DetectorHealth {
  lastEvaluation: { id: string; at: number; matches: number; transitions: number; errors: number } | null;
  lastError: string | null;
  evaluations: number;
}

export interface RunningDetector {
  health: DetectorHealth;
  /** Runs an evaluation now (after any running one) and resolves with its result. */
  evaluateNow(): Promise<EvaluationResult>;
  stop(): Promise<void>;
}

/** Alert messages built and sent at a time when publishing an evaluation's transitions. */
const ALERTS_PER_SLICE = 5_000;
/** How long evaluateNow waits for this process to hold the lease (a restarted leader waits for its old session to expire). */
const LEADING_WAIT_MS = 30_000;

/** The lease was lost (or never held) before a side effect: the evaluation is discarded, nothing was written. */
export class NotLeadingError extends Error {
  constructor(when: string) {
    super(`${when}: this process does not hold the detector lease (another detector is active)`);
    this.name = 'NotLeadingError';
  }
}

export function alertMessage(change: FindingChange, evaluationId: string, latestEvaluation: number | null) {
  return {
    key: change.finding.fingerprint,
    value: JSON.stringify({
      schema: ALERT_SCHEMA,
      transition: change.transition,
      evaluation_id: evaluationId,
      finding: findingJson(change.finding, latestEvaluation),
    }),
    headers: { 'content-type': 'application/json', schema: ALERT_SCHEMA },
  };
}

export async function startDetector(opts: DetectorOptions): Promise<RunningDetector> {
  const now = opts.now ?? Date.now;
  const detections =
    opts.detections ?? loadDetections({ customDir: opts.map.detections.custom_dir, disabled: opts.map.detections.disabled });
  // What each evaluation leaves for the next (committed findings, reusable detections, validated SQL).
  let cache = new EvaluationCache();
  const lease = opts.lease;
  // The first evaluation after gaining the lease rebuilds the snapshot too: it starts from
  // nothing this process remembers or another process may have left half done.
  let fullNext = lease !== undefined;
  /** Right before a write or a publish: the coordinator must still accept this process as the holder. */
  const fence = async (when: string): Promise<void> => {
    if (lease && !(await lease.fence())) throw new NotLeadingError(when);
  };
  const evaluationClient = lease
    ? writesWhileHolding(opts.clickhouse, lease, () => new NotLeadingError('before a write of the evaluation'))
    : opts.clickhouse;
  const every = opts.evaluateEveryMs ?? opts.map.detections.evaluate_every;
  const debounce = opts.debounceMs ?? opts.map.detections.debounce;
  const maxWait = opts.maxWaitMs ?? Math.max(debounce, opts.map.detections.max_wait);
  const health: DetectorHealth = { lastEvaluation: null, lastError: null, evaluations: 0 };
  let stopped = false;
  let chain: Promise<unknown> = Promise.resolve();
  let pending: Promise<EvaluationResult> | null = null;

  // A write, so the holder's alone: at start when this process leads, else before its first evaluation.
  let stateEnsured = false;
  async function ensureState(): Promise<void> {
    if (stateEnsured) return;
    await fence('before building the detection state');
    if (await ensureDetectionState(opts.clickhouse)) opts.log.info('detection state built from the events already stored');
    stateEnsured = true;
  }
  if (!lease || lease.holds())
    await ensureState().catch((err: unknown) => {
      if (!(err instanceof NotLeadingError)) throw err; // lost the lease meanwhile: the next holder builds it
    });

  async function publish(evaluationId: string, changes: readonly FindingChange[], at: number): Promise<void> {
    if (!opts.producer || changes.length === 0) return;
    await fence('before publishing finding transitions');
    // Bounded requests: an evaluation can open hundreds of thousands of findings (a first evaluation
    // over a large store), far above what one produce request may carry. The messages are built a
    // slice at a time (194 k alerts are ~150 MB of JSON), in order, their garbage collected as
    // they go (collect-garbage.ts).
    const collect = collectEvery();
    for (let i = 0; i < changes.length; i += ALERTS_PER_SLICE) {
      const messages = changes.slice(i, i + ALERTS_PER_SLICE).map((c) => alertMessage(c, evaluationId, at));
      await sendBatchBounded(opts.producer, [{ topic: TOPICS.alerts, messages }], { acks: -1 });
      collect(messages.length);
    }
    await markPublished(opts.clickhouse, evaluationId);
  }

  async function runOnce(): Promise<EvaluationResult> {
    if (lease && !lease.holds()) throw new NotLeadingError('evaluation not started');
    await ensureState();
    if (opts.producer) {
      for (const u of await unpublishedEvaluations(opts.clickhouse)) await publish(u.evaluationId, u.changes, now());
    }
    const result = await evaluate(evaluationClient, {
      detections,
      map: opts.map,
      now: now(),
      defaultPlaneOf: opts.defaultPlaneOf,
      log: opts.log,
      cache,
      fence: (before) => fence(`before the evaluation's ${before}`),
      ...(fullNext ? { snapshot: 'full' as const } : {}),
    });
    fullNext = false;
    await publish(result.evaluationId, result.changes, result.now);
    health.evaluations++;
    health.lastEvaluation = {
      id: result.evaluationId,
      at: result.now,
      matches: result.matches,
      transitions: result.changes.length,
      errors: result.errors.length,
    };
    health.lastError = result.errors.length ? result.errors.map((e) => e.message).join('; ') : null;
    return result;
  }

  /** Queues an evaluation; callers arriving while one is queued share it. */
  function trigger(): Promise<EvaluationResult> {
    if (pending) return pending;
    const run = chain.then(() => {
      pending = null;
      return runOnce();
    });
    pending = run;
    chain = run.catch((err: unknown) => {
      health.lastError = (err as Error).message;
      if (err instanceof NotLeadingError)
        opts.log.warn({ err: err.message }, 'detection evaluation discarded: the detector lease was lost');
      else opts.log.error({ err }, 'detection evaluation failed');
    });
    return run;
  }
  const fire = () => {
    if (!stopped && (!lease || lease.holds())) void trigger().catch(() => undefined);
  };
  const onNewData = boundedDebounce(fire, debounce, maxWait, opts.timers ?? realTimers);

  const timer = setInterval(fire, every);
  timer.unref();

  let consumer: Consumer | null = null;
  async function startTrigger(): Promise<void> {
    if (!opts.kafka || consumer || stopped) return;
    const c = opts.kafka.consumer({
      groupId: opts.groupId ?? DETECTOR_GROUP,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      retry: { ...CONSUMER_RETRY },
    });
    consumer = c;
    await c.connect();
    await c.subscribe({ topics: [TOPICS.events], fromBeginning: false });
    await c.run({
      autoCommit: true,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0 || stopped) return;
        onNewData.notify();
      },
    });
  }
  async function stopTrigger(): Promise<void> {
    const c = consumer;
    consumer = null;
    onNewData.cancel();
    await c?.disconnect();
  }
  // Start and stop of the new-data consumer, one after another as the lease comes and goes.
  let triggerOps: Promise<void> = Promise.resolve();
  const queueTrigger = (op: () => Promise<void>) => {
    triggerOps = triggerOps.then(op).catch((err: unknown) => opts.log.error({ err }, 'detector new-data consumer failed to start or stop'));
  };
  const onAcquired = () => {
    cache = new EvaluationCache();
    fullNext = true;
    queueTrigger(startTrigger);
    fire();
  };
  const onLost = () => queueTrigger(stopTrigger);
  lease?.on('acquired', onAcquired);
  lease?.on('lost', onLost);
  if (!lease || lease.holds()) await startTrigger();
  opts.log.info({ detections: detections.map((d) => d.id), everyMs: every, debounceMs: debounce, maxWaitMs: maxWait }, 'detector running');
  fire();

  return {
    health,
    evaluateNow: async () => {
      if (stopped) throw new Error('detector stopped');
      if (lease && !(await lease.waitUntilLeading(LEADING_WAIT_MS))) throw new NotLeadingError('evaluation not run');
      return trigger();
    },
    stop: async () => {
      stopped = true;
      lease?.off('acquired', onAcquired);
      lease?.off('lost', onLost);
      clearInterval(timer);
      onNewData.cancel();
      await triggerOps;
      await stopTrigger();
      await chain;
    },
  };
}
