// What a CLI command needs to read planewatch's data: the validated environment and the data dir,
// then either the running process's local API or ClickHouse directly. Kept apart from the boundary
// map (cli/context.ts) so that a command answered by the API loads neither the map's parser nor
// the ClickHouse client.
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { loadEnv, type Env } from '../core/config/env.ts';
import { readRunInfo } from '../core/run-file.ts';

export interface StoreContext {
  env: Env;
  dataDir: string;
}

export function storeContext(): StoreContext {
  const env = loadEnv();
  return { env, dataDir: path.resolve(env.PLANEWATCH_DATA_DIR) };
}

/** GET from the running process's API; null when no process is running on this data dir. */
export async function fromRunningApi<T>(ctx: StoreContext, pathAndQuery: string): Promise<T | null> {
  const run = readRunInfo(ctx.dataDir);
  if (!run) return null;
  const res = await fetch(run.url + pathAndQuery, { headers: { authorization: `Bearer ${run.token}` } });
  const body = (await res.json()) as { data?: T; error?: { message: string } };
  if (!res.ok) throw new Error(`planewatch API answered ${res.status}: ${body.error?.message ?? 'unknown error'}`);
  return body.data as T;
}

/**
 * Opens ClickHouse directly (embedded chDB on the data dir, or CLICKHOUSE_URL). The client and
 * chDB (a large native library) are imported here, on first use, so that a command answered by
 * the running process's API never loads them.
 */
export async function withClickHouse<T>(ctx: StoreContext, fn: (client: ClickHouseClient) => Promise<T>): Promise<T> {
  const [{ createClickHouse, fromEnv: clickhouseFromEnv }, { migrate }] = await Promise.all([
    import('../core/clickhouse/client.ts'),
    import('../core/clickhouse/migrate.ts'),
  ]);
  const ch = await createClickHouse(clickhouseFromEnv(process.env, ctx.dataDir));
  try {
    await migrate(ch.client, { cluster: ch.cluster });
    return await fn(ch.client);
  } finally {
    await ch.close();
  }
}
