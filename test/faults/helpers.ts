// Helpers of the fault suite (test/faults/, `npm run test:faults`).
// - startFaultPipeline: the real in-process pipeline (collector, normalizer, sink, SCIM, poller,
//   detector, API) on the shared test broker and embedded ClickHouse, with the pipeline's
//   ClickHouse client behind a fault injector (`faults.clickhouseDown`): while set, inserts,
//   queries and commands fail and ping reports failure, as when a server is unreachable. The
//   test's own `query` uses the healthy client underneath.
// - spawnAllInOne: `services/all-in-one/main.ts` as a child process (its own data dir, a given
//   broker), with its stdout/stderr captured, its URL and API token read once it is up.
// - consumerPositions: committed offsets of a consumer group vs the topic's high watermarks.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka } from 'kafkajs';
import { bootstrap, type Runtime } from '../../runtime/bootstrap.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startPipeline, type Pipeline, type PipelineOptions } from '../../services/all-in-one/pipeline.ts';
import { REPO_ROOT } from '../../local-broker/index.ts';
import { waitFor } from '../helpers/wait.ts';

export interface FaultState {
  clickhouseDown: boolean;
}

export const INJECTED_CLICKHOUSE_ERROR = 'ClickHouse is unavailable (injected fault: connect ECONNREFUSED)';

/** The client with an off switch: every call fails while `state.clickhouseDown`. */
export function faultyClickHouse(client: ClickHouseClient, state: FaultState): ClickHouseClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (prop === 'insert' || prop === 'query' || prop === 'command' || prop === 'exec') {
        return (...args: unknown[]) =>
          state.clickhouseDown ? Promise.reject(new Error(INJECTED_CLICKHOUSE_ERROR)) : fn.apply(target, args);
      }
      if (prop === 'ping') {
        return (...args: unknown[]) =>
          state.clickhouseDown ? Promise.resolve({ success: false, error: new Error(INJECTED_CLICKHOUSE_ERROR) }) : fn.apply(target, args);
      }
      return fn.bind(target);
    },
  });
}

export interface FaultPipeline {
  rt: Runtime;
  pipeline: Pipeline;
  dataDir: string;
  apiToken: string;
  groupSuffix: string;
  faults: FaultState;
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  stop(): Promise<void>;
}

export async function startFaultPipeline(opts: {
  configYaml: string;
  env?: Record<string, string>;
  pipeline?: PipelineOptions;
  brokers?: string;
}): Promise<FaultPipeline> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-fault-'));
  const configPath = path.join(dataDir, 'planewatch.yaml');
  writeFileSync(configPath, opts.configYaml);
  const brokers = opts.brokers ?? process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS not set: the vitest global setup should have started a broker');
  const env = {
    PATH: process.env.PATH,
    PLANEWATCH_LOG_LEVEL: process.env.PLANEWATCH_LOG_LEVEL ?? 'warn',
    PLANEWATCH_DATA_DIR: dataDir,
    PLANEWATCH_CONFIG: configPath,
    PLANEWATCH_HTTP_PORT: '0',
    KAFKA_BROKERS: brokers,
    ...opts.env,
  };
  const rt = await bootstrap({ service: 'fault-test', knownVendors: KNOWN_VENDORS, processEnv: env });
  const faults: FaultState = { clickhouseDown: false };
  const apiToken = randomBytes(16).toString('hex');
  const groupSuffix = path.basename(dataDir);
  const pipeline = await startPipeline({ ...rt, clickhouse: faultyClickHouse(rt.clickhouse, faults) }, SOURCES, {
    apiToken,
    groupSuffix,
    pollerEnv: { ...process.env, ...opts.env },
    ...opts.pipeline,
  });
  return {
    rt,
    pipeline,
    dataDir,
    apiToken,
    groupSuffix,
    faults,
    async query<T>(sql: string, params: Record<string, unknown> = {}) {
      const rs = await rt.clickhouse.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return rs.json<T>();
    },
    async stop() {
      faults.clickhouseDown = false;
      await pipeline.stop();
      await rt.close();
    },
  };
}

// --- the all-in-one process as a child --------------------------------------------------------------

export interface ChildPipeline {
  proc: ChildProcess;
  url: string;
  token: string;
  /** Everything the child wrote to stdout and stderr so far (pino JSON lines + the banner). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function childDataDir(configYaml: string): { dataDir: string; configPath: string } {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-fault-child-'));
  const configPath = path.join(dataDir, 'planewatch.yaml');
  writeFileSync(configPath, configYaml);
  return { dataDir, configPath };
}

/** Starts services/all-in-one/main.ts and resolves once it listens and has written its run info. */
export async function spawnAllInOne(opts: {
  dataDir: string;
  configPath: string;
  brokers: string;
  env?: Record<string, string>;
  logLevel?: string;
}): Promise<ChildPipeline> {
  const runFile = path.join(opts.dataDir, 'run', 'server.json');
  let out = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'services/all-in-one/main.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      PLANEWATCH_DATA_DIR: opts.dataDir,
      PLANEWATCH_CONFIG: opts.configPath,
      PLANEWATCH_HTTP_PORT: '0',
      PLANEWATCH_LOG_LEVEL: opts.logLevel ?? 'info',
      KAFKA_BROKERS: opts.brokers,
      PLANEWATCH_TOPIC_PREFIX: process.env.PLANEWATCH_TOPIC_PREFIX ?? '',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  proc.stderr!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  const info = await waitFor(
    async () => {
      if (dead) throw new Error(`all-in-one exited during start-up:\n${out.slice(-4000)}`);
      if (!existsSync(runFile)) return undefined;
      const run = JSON.parse(readFileSync(runFile, 'utf8')) as { pid: number; url: string };
      if (run.pid !== proc.pid) return undefined;
      return run;
    },
    'the all-in-one child to start',
    120_000,
    200,
  ).catch((err: unknown) => {
    proc.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- child output ---\n${out.slice(-4000)}`);
  });
  const token = readFileSync(path.join(opts.dataDir, 'run', 'api-token'), 'utf8').trim();
  return { proc, url: info.url, token, output: () => out, exited };
}

// --- consumer positions -----------------------------------------------------------------------------

export async function consumerPositions(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<{ partition: number; committed: number; high: number }[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const marks = await admin.fetchTopicOffsets(topic);
    return marks
      .map((m) => ({
        partition: m.partition,
        high: Number(m.high),
        committed: Number(committed?.partitions.find((p) => p.partition === m.partition)?.offset ?? -1),
      }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** Value of one sample of a Prometheus text exposition, or null when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const part of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) got[part[1]!] = part[2]!;
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return null;
}

/** Sum of every sample of a metric (all label sets). */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m && m[1] === name) sum += Number(m[3]);
  }
  return sum;
}
