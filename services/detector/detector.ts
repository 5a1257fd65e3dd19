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
// - Alerts are at least once: an evaluation's transitions are committed in ClickHouse first, then
//   published (acks=all), then the evaluation is marked published. Transitions of a committed but
//   unpublished evaluation (a crash in between) are published before the next evaluation.
import { CONSUMER_RETRY } from '../../core/kafka/client.ts';
import type { Consumer, Kafka, Producer } from 'kafkajs';
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
  const cache = new EvaluationCache();
  const every = opts.evaluateEveryMs ?? opts.map.detections.evaluate_every;
  const debounce = opts.debounceMs ?? opts.map.detections.debounce;
  const maxWait = opts.maxWaitMs ?? Math.max(debounce, opts.map.detections.max_wait);
  const health: DetectorHealth = { lastEvaluation: null, lastError: null, evaluations: 0 };
  let stopped = false;
  let chain: Promise<unknown> = Promise.resolve();
  let pending: Promise<EvaluationResult> | null = null;

  if (await ensureDetectionState(opts.clickhouse)) opts.log.info('detection state built from the events already stored');

  async function publish(evaluationId: string, changes: readonly FindingChange[], at: number): Promise<void> {
    if (!opts.producer || changes.length === 0) return;
    // Bounded requests: an evaluation can open hundreds of thousands of findings (a first evaluation
    // over a large store), far above what one produce request may carry. The messages are built a
    // slice at a time (194 k alerts are ~150 MB of JSON), in order.
    for (let i = 0; i < changes.length; i += ALERTS_PER_SLICE) {
      const messages = changes.slice(i, i + ALERTS_PER_SLICE).map((c) => alertMessage(c, evaluationId, at));
      await sendBatchBounded(opts.producer, [{ topic: TOPICS.alerts, messages }], { acks: -1 });
    }
    await markPublished(opts.clickhouse, evaluationId);
  }

  async function runOnce(): Promise<EvaluationResult> {
    if (opts.producer) {
      for (const u of await unpublishedEvaluations(opts.clickhouse)) await publish(u.evaluationId, u.changes, now());
    }
    const result = await evaluate(opts.clickhouse, {
      detections,
      map: opts.map,
      now: now(),
      defaultPlaneOf: opts.defaultPlaneOf,
      log: opts.log,
      cache,
    });
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
      opts.log.error({ err }, 'detection evaluation failed');
    });
    return run;
  }
  const fire = () => {
    if (!stopped) void trigger().catch(() => undefined);
  };
  const onNewData = boundedDebounce(fire, debounce, maxWait, opts.timers ?? realTimers);

  const timer = setInterval(fire, every);
  timer.unref();

  let consumer: Consumer | null = null;
  if (opts.kafka) {
    consumer = opts.kafka.consumer({
      groupId: opts.groupId ?? DETECTOR_GROUP,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      retry: { ...CONSUMER_RETRY },
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPICS.events], fromBeginning: false });
    await consumer.run({
      autoCommit: true,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0 || stopped) return;
        onNewData.notify();
      },
    });
  }
  opts.log.info({ detections: detections.map((d) => d.id), everyMs: every, debounceMs: debounce, maxWaitMs: maxWait }, 'detector running');
  fire();

  return {
    health,
    evaluateNow: () => {
      if (stopped) return Promise.reject(new Error('detector stopped'));
      return trigger();
    },
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      onNewData.cancel();
      await consumer?.disconnect();
      await chain;
    },
  };
}
