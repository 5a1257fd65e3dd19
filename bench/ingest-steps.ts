// CPU per event of the ingest path's own steps, in one process, without Kafka, HTTP or ClickHouse:
// what the collector does with a delivery's bytes (signature, depth check, redaction, body check,
// envelope id, Avro), the normalizer's `normalizeMessages` and the sink's `convertBatch` (the
// event and its envelope). On a shared machine this separates small changes of those steps that
// the end-to-end run cannot (docs/PERFORMANCE.md); run it at two commits, alternately.
//
//   npx tsx bench/ingest-steps.ts [--events=20000] [--reps=7]
import type { KafkaMessage } from 'kafkajs';
import { signedDeliveries, benchBoundaryMap, BENCH_CONNECTION, BENCH_SECRET } from './lib/workload.ts';
import { verifyWorkosSignature } from '../sources/workos/webhook.ts';
import { SOURCES } from '../sources/registry.ts';
import { redactSecretsParsed } from '../source-kit/redact.ts';
import { jsonDepthExceeds } from '../core/http/body.ts';
import { rawEnvelopeId, type RawEnvelope } from '../core/events/raw-envelope.ts';
import { rawEnvelopeCodec } from '../core/avro/codecs.ts';
import { TOPICS } from '../core/kafka/topics.ts';
import { normalizeMessages } from '../services/normalizer/normalizer.ts';
import { convertBatch } from '../services/sink/sink.ts';

const arg = (name: string, dflt: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const N = arg('events', 20_000);
const REPS = arg('reps', 7);
const WARM_UPS = 2;
const NORMALIZER_BATCH = 22; // about what a partition batch of the all-in-one holds under load
const SINK_BATCH = 300;

const map = benchBoundaryMap();
const now = Date.now();
const webhook = SOURCES.workos!.webhook!;
const deliveries = signedDeliveries('steps', N, now);
const bodies = deliveries.map((d) => Buffer.from(d.body, 'utf8'));

function collectorSteps(i: number): Buffer {
  const verdict = verifyWorkosSignature({
    headers: deliveries[i]!.headers,
    rawBody: bodies[i]!,
    secret: BENCH_SECRET,
    nowMs: now,
    toleranceMs: 900_000,
  });
  if (!verdict.ok) throw new Error('bench delivery does not verify');
  if (jsonDepthExceeds(bodies[i]!)) throw new Error('bench delivery too deep');
  const { body, parsed } = redactSecretsParsed(bodies[i]!);
  const problem = webhook.checkBody(body, parsed);
  if (problem) throw new Error(problem);
  const envelope: RawEnvelope = {
    id: rawEnvelopeId('workos', BENCH_CONNECTION, body),
    source: 'workos',
    connection_id: BENCH_CONNECTION,
    received_at: now,
    transport: 'webhook',
    content_type: 'application/json',
    headers: { 'content-type': 'application/json' },
    body,
    verification: verdict.verification,
  };
  return rawEnvelopeCodec.encode(envelope);
}

const rawValues = bodies.map((_, i) => collectorSteps(i));
const asMessages = (values: Buffer[], from: number): KafkaMessage[] =>
  values.map((value, k) => ({ key: null, value, offset: String(from + k), headers: {}, timestamp: String(now), attributes: 0 }));
const normalizeAll = (): Buffer[] => {
  const out: Buffer[] = [];
  for (let i = 0; i < N; i += NORMALIZER_BATCH) {
    const r = normalizeMessages(asMessages(rawValues.slice(i, i + NORMALIZER_BATCH), i), TOPICS.raw, 0, map, SOURCES, now);
    for (const m of r.events) out.push(m.value as Buffer);
  }
  return out;
};
const eventValues = normalizeAll();

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
function perEvent(run: () => void): number {
  const t0 = cpuMicros();
  run();
  return (cpuMicros() - t0) / N;
}

const steps: Record<string, () => void> = {
  collector: () => {
    for (let i = 0; i < N; i++) collectorSteps(i);
  },
  normalizer: () => void normalizeAll(),
  sink: () => {
    for (let i = 0; i < N; i += SINK_BATCH) {
      convertBatch(TOPICS.raw, 0, asMessages(rawValues.slice(i, i + SINK_BATCH), i), now);
      convertBatch(TOPICS.events, 0, asMessages(eventValues.slice(i, i + SINK_BATCH), i), now);
    }
  },
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(steps).map((k) => [k, []]));
for (let rep = 0; rep < REPS; rep++) for (const [name, run] of Object.entries(steps)) samples[name]!.push(perEvent(run));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, xs] of Object.entries(samples)) {
  const kept = xs.slice(WARM_UPS);
  console.log(
    `${name.padEnd(10)} ${median(kept).toFixed(1).padStart(6)} µs CPU/event (median of ${kept.length} after ${WARM_UPS} warm-ups; ${N} events)`,
  );
}
