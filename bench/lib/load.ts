// HTTP load with autocannon (a real load tool: keep-alive connections, pipelining off, its own
// HTTP client), driving pre-signed WorkOS deliveries from a pool: each request takes the next body
// of the pool, so no request signs anything and, with `amount` ≤ pool size, every delivery is unique.
import autocannon from 'autocannon';
import { WEBHOOK_PATH, type SignedDelivery } from './workload.ts';

export interface LoadOptions {
  url: string;
  pool: SignedDelivery[];
  connections: number;
  /** Stop after this many requests (default: the pool size, so each delivery is sent once). */
  amount?: number;
  /** Or stop after this many seconds (the pool is then cycled). */
  durationSec?: number;
  /** Total requests per second over all connections (autocannon overallRate); unset = as fast as possible. */
  overallRate?: number;
  timeoutSec?: number;
}

export interface LoadResult {
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
  durationMs: number;
  /** 2xx responses per second over the whole run. */
  acceptedPerSec: number;
  /** Per-request latency (ms) of 2xx responses, from autocannon's 'response' events. */
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  startedAt: number;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  let next = 0;
  const pool = o.pool;
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  const startedAt = Date.now();
  const t0 = performance.now();
  const opts: autocannon.Options = {
    url: o.url,
    connections: o.connections,
    pipelining: 1,
    timeout: o.timeoutSec ?? 30,
    ...(o.durationSec !== undefined ? { duration: o.durationSec } : { amount: o.amount ?? pool.length }),
    ...(o.overallRate !== undefined ? { overallRate: o.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        path: WEBHOOK_PATH,
        setupRequest: (req) => {
          const d = pool[next++ % pool.length]!;
          return { ...req, body: d.body, headers: d.headers };
        },
      },
    ],
  };
  const instance = autocannon(opts);
  // autocannon's tracker emits (client, statusCode, resBytes, responseTime); @types/autocannon omits `client`.
  (instance as unknown as NodeJS.EventEmitter).on(
    'response',
    (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    },
  );
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    (instance as unknown as NodeJS.EventEmitter).once('done', resolve);
    (instance as unknown as NodeJS.EventEmitter).once('error', reject);
  });
  const durationMs = performance.now() - t0;
  const sorted = Float64Array.from(latencies).sort();
  const ok = latencies.length;
  const total = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  return {
    requests: total,
    ok2xx: ok,
    non2xx: total - ok,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    durationMs,
    acceptedPerSec: ok / (durationMs / 1000),
    latencyMs: {
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1]! : NaN,
      mean: ok ? latencies.reduce((a, b) => a + b, 0) / ok : NaN,
    },
    startedAt,
  };
}
