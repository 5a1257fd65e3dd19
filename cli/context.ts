// What CLI commands share: env + boundary map, and a way to read data either from the running
// planewatch process (its local API) or, when none runs, from ClickHouse directly.
import path from 'node:path';
import { loadEnv, type Env } from '../core/config/env.ts';
import { loadBoundaryMap, type LoadedConfig } from '../core/config/load.ts';
import { readRunInfo } from '../core/run-file.ts';
import { createClickHouse, fromEnv as clickhouseFromEnv } from '../core/clickhouse/client.ts';
import { migrate } from '../core/clickhouse/migrate.ts';
import type { ClickHouseClient } from '@clickhouse/client';
import { KNOWN_VENDORS } from '../sources/registry.ts';

export interface CliContext {
  env: Env;
  config: LoadedConfig;
  dataDir: string;
}

export function cliContext(): CliContext {
  const env = loadEnv();
  return { env, config: loadBoundaryMap({ configPath: env.PLANEWATCH_CONFIG, knownVendors: KNOWN_VENDORS }), dataDir: path.resolve(env.PLANEWATCH_DATA_DIR) };
}

/** GET from the running process's API; null when no process is running on this data dir. */
export async function fromRunningApi<T>(ctx: CliContext, pathAndQuery: string): Promise<T | null> {
  const run = readRunInfo(ctx.dataDir);
  if (!run) return null;
  const res = await fetch(run.url + pathAndQuery, { headers: { authorization: `Bearer ${run.token}` } });
  const body = (await res.json()) as { data?: T; error?: { message: string } };
  if (!res.ok) throw new Error(`planewatch API answered ${res.status}: ${body.error?.message ?? 'unknown error'}`);
  return body.data as T;
}

/** Opens ClickHouse directly (embedded chDB on the data dir, or CLICKHOUSE_URL). */
export async function withClickHouse<T>(ctx: CliContext, fn: (client: ClickHouseClient) => Promise<T>): Promise<T> {
  const ch = await createClickHouse(clickhouseFromEnv(process.env, ctx.dataDir));
  try {
    await migrate(ch.client, {});
    return await fn(ch.client);
  } finally {
    await ch.close();
  }
}
