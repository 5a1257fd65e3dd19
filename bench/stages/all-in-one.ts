// Bench stage: the all-in-one process (services/all-in-one/pipeline.ts: collector + normalizer +
// sink + embedded ClickHouse in one process, as `npm start` runs them), on the bench broker.
import { bootstrap } from '../../runtime/bootstrap.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startPipeline } from '../../services/all-in-one/pipeline.ts';
import { sendReady, serveStage } from '../lib/proc.ts';
import { traceMemory } from '../lib/memory-trace.ts';

const groupSuffix = process.env.BENCH_GROUP_SUFFIX;
if (!groupSuffix) throw new Error('BENCH_GROUP_SUFFIX not set');
const rt = await bootstrap({ service: 'bench-all-in-one', knownVendors: KNOWN_VENDORS });
// BENCH_DETECTOR=off: the ingest path alone (no detection evaluations sharing the embedded engine).
const detectorOff = process.env.BENCH_DETECTOR === 'off';
// BENCH_MEM_TRACE=<file>: a memory trace of this process (bench/lib/memory-trace.ts).
const stopTrace = process.env.BENCH_MEM_TRACE ? traceMemory(rt.clickhouse, process.env.BENCH_MEM_TRACE) : undefined;
const pipeline = await startPipeline(rt, SOURCES, {
  host: '127.0.0.1',
  port: 0,
  groupSuffix,
  ...(detectorOff ? { detector: false as const } : {}),
});

async function one<T>(query: string, params: Record<string, unknown> = {}): Promise<T> {
  const rs = await rt.clickhouse.query({ query, query_params: params, format: 'JSONEachRow' });
  const [row] = await rs.json<T>();
  return row!;
}

serveStage(
  {
    /** The detector's health (evaluations done, the last one), or null when it is off. */
    detector: () => pipeline.detector?.health ?? null,
    counts: async () => {
      const r = await one<{ e: string; r: string }>(
        'SELECT (SELECT count() FROM identity_events) AS e, (SELECT count() FROM raw_envelopes) AS r',
      );
      return { identity_events: Number(r.e), raw_envelopes: Number(r.r) };
    },
    /**
     * Freshness of the events whose id contains `tag`: ingested_at (set by ClickHouse when the
     * sink's insert runs) − received_at (set by the collector before the Kafka ack), in ms.
     */
    freshness: async (tag: string) => {
      const r = await one<{ n: string; q: number[]; mx: number }>(
        `SELECT count() AS n, quantiles(0.5, 0.95, 0.99)(d) AS q, max(d) AS mx
           FROM (SELECT dateDiff('millisecond', received_at, ingested_at) AS d FROM identity_events WHERE position(event_id, {tag:String}) > 0)`,
        { tag },
      );
      return { n: Number(r.n), p50: Number(r.q[0]), p95: Number(r.q[1]), p99: Number(r.q[2]), max: Number(r.mx) };
    },
  },
  async () => {
    await stopTrace?.();
    await pipeline.stop();
    await rt.close();
  },
);
sendReady({ url: pipeline.url });
