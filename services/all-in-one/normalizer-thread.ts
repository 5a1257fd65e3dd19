// The all-in-one's normalizer on a worker thread (PLANEWATCH_NORMALIZER_THREAD=worker; default inline):
// the main thread runs the collector, sink, API, SCIM, detector and alerter; normalizing (Avro decode,
// vendor mapping, Avro encode: most of the ingest path's JavaScript) runs on a second core. The two
// meet only through Kafka, as the stand-alone services do; the main thread keeps what the process
// exposes: the worker's metric increments are applied to the main registry (served on /metrics),
// the consumer-lag gauge of the normalizer's group is sampled here, and a worker that dies or whose
// consumer gives up fails readiness and is reported through onFatal.
import { Worker } from 'node:worker_threads';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { selectLogFormat } from '../../core/log-format.ts';
import { trackConsumerLag } from '../../core/kafka/lag.ts';
import { batchMessages, deadLetters } from '../../core/metrics.ts';
import { normalizedEvents } from '../normalizer/metrics.ts';
import type { CheckResult } from '../../core/readiness.ts';
import { workerMessageSchema, type NormalizerWorkerData } from './normalizer-thread-protocol.ts';

export interface NormalizerThreadOptions {
  kafka: Kafka;
  brokers: string[];
  map: BoundaryMap;
  groupId: string;
  log: Logger;
  logLevel: string;
  logName: string;
  /** Called once when the worker dies or its consumer gives up while it was not asked to stop. */
  onFatal: (err: Error) => void;
  /** How long stop() waits for the worker to finish its batch, commit and leave the group (default 20 s). */
  stopTimeoutMs?: number;
}

export interface NormalizerThread {
  /** The worker (diagnostics; tests terminate it to check that a dead normalizer fails readiness). */
  readonly worker: Worker;
  health(): CheckResult;
  stop(): Promise<void>;
}

// From the TypeScript sources the thread needs the .mjs shim that registers tsx in it; compiled
// (dist/), the worker's own .js runs directly.
const WORKER_ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./normalizer-worker.mjs', import.meta.url)
  : new URL('./normalizer-worker.js', import.meta.url);

/** Starts the worker; resolves once its consumer is running (rejects if it fails to start). */
export async function startNormalizerThread(opts: NormalizerThreadOptions): Promise<NormalizerThread> {
  const data: NormalizerWorkerData = {
    brokers: opts.brokers,
    clientId: `${opts.logName}-normalizer`,
    groupId: opts.groupId,
    logLevel: opts.logLevel,
    logName: opts.logName,
    logFormat: selectLogFormat(),
    map: opts.map,
  };
  const worker = new Worker(WORKER_ENTRY, { workerData: data, name: 'planewatch-normalizer' });
  let state: 'starting' | 'running' | 'stopping' | 'stopped' | 'failed' = 'starting';
  let failure: string | null = null;
  let startResolve!: () => void;
  let startReject!: (err: Error) => void;
  const started = new Promise<void>((resolve, reject) => {
    startResolve = resolve;
    startReject = reject;
  });
  let stoppedResolve!: () => void;
  const stopped = new Promise<void>((resolve) => (stoppedResolve = resolve));

  const fail = (err: Error) => {
    if (state === 'failed' || state === 'stopped') return;
    const wasStarting = state === 'starting';
    const wasStopping = state === 'stopping';
    state = 'failed';
    failure = err.message;
    if (wasStarting) return startReject(err);
    opts.log.error({ err }, 'normalizer worker thread failed: this process normalizes nothing more');
    if (!wasStopping) opts.onFatal(err);
  };

  worker.on('message', (raw: unknown) => {
    const parsed = workerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      opts.log.error({ problem: parsed.error.issues[0]?.message }, 'normalizer worker sent an unexpected message');
      return;
    }
    const msg = parsed.data;
    if (msg.type === 'metrics') {
      for (const c of msg.counters) {
        if (c.metric === 'normalized_events') normalizedEvents.inc(c.labels, c.value);
        else deadLetters.inc(c.labels, c.value);
      }
      for (const o of msg.observations) batchMessages.observe(o.labels, o.value);
    } else if (msg.type === 'ready') {
      if (state === 'starting') {
        state = 'running';
        startResolve();
      }
    } else if (msg.type === 'fatal') {
      fail(new Error(msg.message));
    }
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => {
    if (state === 'stopping' && code === 0) state = 'stopped';
    else fail(new Error(`normalizer worker thread exited with code ${code}${failure ? ` (${failure})` : ''}`));
    stoppedResolve();
  });

  try {
    await started;
  } catch (err) {
    await worker.terminate().catch(() => undefined);
    throw new Error(`normalizer worker thread failed to start: ${(err as Error).message}`, { cause: err });
  }
  const stopLag = trackConsumerLag(opts.kafka, opts.groupId, [TOPICS.raw]);
  opts.log.info({ group: opts.groupId, threadId: worker.threadId }, 'normalizer running on a worker thread');

  return {
    worker,
    health: () =>
      state === 'running' || state === 'stopping' || state === 'stopped'
        ? { ok: true }
        : { ok: false, detail: failure ?? `normalizer worker ${state}` },
    stop: async () => {
      await stopLag();
      if (state !== 'running') return;
      state = 'stopping';
      worker.postMessage({ type: 'stop' });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        stopped.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), opts.stopTimeoutMs ?? 20_000);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        opts.log.error(
          { ms: opts.stopTimeoutMs ?? 20_000 },
          'normalizer worker did not stop in time; terminating it (its uncommitted batch is redelivered on the next start)',
        );
        await worker.terminate();
      }
    },
  };
}
