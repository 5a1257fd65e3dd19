// The all-in-one's normalizer on a thread of its own (services/all-in-one/normalizer-thread.ts starts
// it): the same startNormalizer as the stand-alone service, with its own kafkajs client, producer and
// logger, so normalizing runs on a second core while the main thread serves HTTP and runs the sink.
//
// Protocol with the main thread (parentPort):
//   → main  { type: 'ready' }                       the consumer is running
//   → main  { type: 'metrics', counters, observations } increments of this thread's instruments, which
//           the main thread applies to its own (its /metrics is the one that is served)
//   → main  { type: 'fatal', message }               the consumer gave up; the thread exits with code 1
//   → main  { type: 'stopped' }                      after a requested stop (consumer disconnected:
//           its last batch produced and committed); the thread then ends
//   ← main  { type: 'stop' }
import { parentPort, workerData } from 'node:worker_threads';
import type { Counter, Histogram } from 'prom-client';
import { createLogger } from '../../core/log.ts';
import { createKafka, createProducer } from '../../core/kafka/client.ts';
import { batchMessages, deadLetters } from '../../core/metrics.ts';
import { normalizedEvents } from '../normalizer/metrics.ts';
import { SOURCES } from '../../sources/registry.ts';
import { startNormalizer } from '../normalizer/normalizer.ts';
import { normalizerWorkerDataSchema, type ForwardedMetrics } from './normalizer-thread-protocol.ts';

const port = parentPort;
if (!port) throw new Error('normalizer-worker.ts runs only as a worker thread (services/all-in-one/normalizer-thread.ts)');
const data = normalizerWorkerDataSchema.parse(workerData);
const log = createLogger({ level: data.logLevel, name: data.logName, format: data.logFormat }).child({
  service: 'normalizer',
  thread: 'worker',
});

// --- metrics: this thread's instruments are forwarded to the main thread's ------------------------
type Labels = Record<string, string>;
const counters = new Map<string, { metric: ForwardedMetrics['counters'][number]['metric']; labels: Labels; value: number }>();
let observations: ForwardedMetrics['observations'] = [];
let flushScheduled = false;
const flushMetrics = () => {
  flushScheduled = false;
  if (counters.size === 0 && observations.length === 0) return;
  const msg: ForwardedMetrics = { type: 'metrics', counters: [...counters.values()], observations };
  counters.clear();
  observations = [];
  port.postMessage(msg);
};
const schedule = () => {
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flushMetrics);
};
function forwardCounter(c: Counter<string>, metric: 'normalized_events' | 'dead_letters'): void {
  const inc = c.inc.bind(c) as (labels?: Labels | number, value?: number) => void;
  (c as unknown as { inc: typeof inc }).inc = (labels, value) => {
    inc(labels, value);
    const l = typeof labels === 'object' ? labels : {};
    const v = typeof labels === 'number' ? labels : (value ?? 1);
    const key = `${metric}\0${JSON.stringify(l)}`;
    const cur = counters.get(key);
    if (cur) cur.value += v;
    else counters.set(key, { metric, labels: { ...l }, value: v });
    schedule();
  };
}
function forwardHistogram(h: Histogram<string>, metric: 'batch_messages'): void {
  const observe = h.observe.bind(h) as (labels: Labels | number, value?: number) => void;
  (h as unknown as { observe: typeof observe }).observe = (labels, value) => {
    observe(labels, value);
    observations.push({
      metric,
      labels: typeof labels === 'object' ? { ...labels } : {},
      value: typeof labels === 'number' ? labels : (value ?? 0),
    });
    schedule();
  };
}
forwardCounter(normalizedEvents, 'normalized_events');
forwardCounter(deadLetters, 'dead_letters');
forwardHistogram(batchMessages, 'batch_messages');

// --- the normalizer --------------------------------------------------------------------------------
const kafka = createKafka(data.brokers, data.clientId, { log });
const producer = createProducer(kafka);
await producer.connect();
let stopping = false;
const normalizer = await startNormalizer({
  kafka,
  producer,
  map: data.map,
  sources: SOURCES,
  log,
  groupId: data.groupId,
  // The main thread registers the group on the lag gauge (its registry is the one /metrics serves).
  trackLag: false,
  onCrash: (error, restart) => {
    if (restart || stopping) {
      log.warn({ err: error, restart }, 'normalizer consumer crashed; kafkajs restarts it');
      return;
    }
    log.error({ err: error }, 'normalizer consumer crashed and will not restart');
    flushMetrics();
    port.postMessage({ type: 'fatal', message: `normalizer consumer crashed: ${error.message}` });
    process.exit(1);
  },
});

port.on('message', (msg: unknown) => {
  if ((msg as { type?: unknown })?.type !== 'stop' || stopping) return;
  stopping = true;
  void (async () => {
    try {
      await normalizer.stop();
      await producer.disconnect();
      flushMetrics();
      port.postMessage({ type: 'stopped' });
      port.close();
    } catch (err) {
      log.error({ err }, 'normalizer worker failed to stop cleanly');
      flushMetrics();
      process.exit(1);
    }
  })();
});
port.postMessage({ type: 'ready' });
