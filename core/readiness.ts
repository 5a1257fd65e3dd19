// Readiness checks shared by the HTTP surfaces: is Kafka reachable, does ClickHouse answer?
// Results are cached briefly so a probe storm does not become a broker/database storm.
import type { Kafka } from 'kafkajs';
import type { ClickHouseClient } from '@clickhouse/client';

export interface CheckResult {
  ok: boolean;
  detail?: string;
}
export type Check = () => Promise<CheckResult>;

export function kafkaCheck(kafka: Kafka, timeoutMs = 3000): Check {
  const admin = kafka.admin();
  let connected = false;
  return async () => {
    try {
      if (!connected) {
        await withTimeout(admin.connect(), timeoutMs);
        connected = true;
      }
      const cluster = await withTimeout(admin.describeCluster(), timeoutMs);
      return { ok: cluster.brokers.length > 0, detail: `${cluster.brokers.length} broker(s)` };
    } catch (err) {
      connected = false;
      await admin.disconnect().catch(() => undefined);
      return { ok: false, detail: (err as Error).message };
    }
  };
}

export function clickhouseCheck(client: ClickHouseClient, timeoutMs = 3000): Check {
  return async () => {
    try {
      const r = await withTimeout(client.ping(), timeoutMs);
      return r.success ? { ok: true } : { ok: false, detail: String((r as { error?: unknown }).error ?? 'ping failed') };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  };
}

/** `CLICKHOUSE_URL` without credentials, for messages (a URL may carry user:password). */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Start-up check of a ClickHouse server: resolves when it answers a ping, else throws an error that
 * names the server and the variable (the client's own error would only say `connect ECONNREFUSED
 * host:port`). Embedded chDB needs no check.
 */
export async function assertClickHouseReachable(client: ClickHouseClient, url: string, timeoutMs = 5000): Promise<void> {
  const r = await clickhouseCheck(client, timeoutMs)();
  if (r.ok) return;
  const detail = (r.detail ?? 'no answer').replace(/^Error: /, '');
  throw new Error(
    `ClickHouse server at ${redactedUrl(url)} (CLICKHOUSE_URL) is unreachable: ${detail}. Start it or correct CLICKHOUSE_URL (unset it to use embedded chDB).`,
  );
}

export function readinessOf(checks: Record<string, Check>, cacheMs = 1000) {
  let cached: { at: number; value: Promise<{ ready: boolean; checks: Record<string, CheckResult> }> } | null = null;
  return () => {
    const now = Date.now();
    if (cached && now - cached.at < cacheMs) return cached.value;
    const value = (async () => {
      const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await check()] as const));
      const results = Object.fromEntries(entries);
      return { ready: entries.every(([, r]) => r.ok), checks: results };
    })();
    cached = { at: now, value };
    return value;
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
