// Memory trace of a bench stage (BENCH_MEM_TRACE=<file>): every 250 ms the process's RSS, the V8
// heap, chDB's MemoryTracking (read on a connection of its own, so it never waits behind the
// evaluation) and which ClickHouse calls are running on the traced client (phase marks), as
// JSON lines. For locating a memory peak; off unless the variable is set.
import { appendFileSync, readFileSync } from 'node:fs';
import type { ClickHouseClient } from '@clickhouse/client';
import { separateConnection } from '../../core/clickhouse/client.ts';

function rssBytes(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
}

const label = (q: string) => q.replace(/\s+/g, ' ').trim().slice(0, 80);

/** Wraps `client`'s calls to record the running ones and starts sampling; returns a stop function. */
export function traceMemory(client: ClickHouseClient, file: string): () => Promise<void> {
  const running = new Map<number, string>();
  let next = 0;
  const t0 = Date.now();
  const wrap = <K extends 'query' | 'insert' | 'command' | 'exec'>(name: K, describe: (p: any) => string) => {
    const orig = (client[name] as (...a: unknown[]) => Promise<unknown>).bind(client);
    (client as any)[name] = async (p: any) => {
      const id = next++;
      running.set(id, `${name}: ${describe(p)}`);
      try {
        return await orig(p);
      } finally {
        running.delete(id);
      }
    };
  };
  wrap('query', (p) => label(p.query));
  wrap('command', (p) => label(p.query));
  wrap('exec', (p) => label(p.query));
  wrap('insert', (p) => `${p.table} ${Array.isArray(p.values) ? p.values.length : '?'} rows`);
  const own = separateConnection(client);
  let busy = false;
  const sample = async () => {
    if (busy) return;
    busy = true;
    try {
      let ch = NaN;
      if (own) {
        const rs = await own.query({ query: "SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'", format: 'JSONEachRow' });
        ch = Number((await rs.json<{ value: string }>())[0]?.value ?? NaN);
      }
      const m = process.memoryUsage();
      const mib = (b: number) => Math.round(b / 2 ** 20);
      appendFileSync(
        file,
        `${JSON.stringify({ t: (Date.now() - t0) / 1000, rss: mib(rssBytes()), heap: mib(m.heapUsed), ext: mib(m.external), ch: mib(ch), calls: [...running.values()] })}\n`,
      );
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void sample().catch(() => undefined), 250);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await own?.close();
  };
}
