// Starts the real pipeline (collector + normalizer + sink) for a test: the shared test broker (or
// KAFKA_BROKERS), embedded ClickHouse in a temp dir, and a boundary map written to a temp file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { bootstrap, type Runtime } from '../../runtime/bootstrap.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { waitFor } from './wait.ts';
import { startPipeline, type Pipeline, type PipelineOptions } from '../../services/all-in-one/pipeline.ts';

export interface TestPipeline {
  rt: Runtime;
  pipeline: Pipeline;
  dataDir: string;
  apiToken: string;
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /**
   * Waits until `fn` holds (e.g. the events are in identity_events) AND no sink insert is in
   * flight: rows show in identity_events before the insert's materialized views have written the
   * detection state, so a test that evaluates detections must wait for this, not for the rows.
   */
  waitStored<T>(fn: () => Promise<T | undefined | false | null>, what: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export interface TestPipelineOptions {
  configYaml: string;
  env?: Record<string, string>;
  brokers?: string[];
  ackTimeoutMs?: number;
  /**
   * The detector evaluates every detection after each batch; ingest tests leave it off (it would
   * compete for the one embedded ClickHouse and slow every insert), detection tests turn it on.
   */
  detector?: PipelineOptions['detector'];
}

export async function startTestPipeline(opts: TestPipelineOptions): Promise<TestPipeline> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-e2e-'));
  const configPath = path.join(dataDir, 'planewatch.yaml');
  writeFileSync(configPath, opts.configYaml);
  const brokers = opts.brokers?.join(',') ?? process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS not set: the vitest global setup should have started a broker');
  const rt = await bootstrap({
    service: 'test',
    knownVendors: KNOWN_VENDORS,
    processEnv: {
      PATH: process.env.PATH,
      PLANEWATCH_LOG_LEVEL: process.env.PLANEWATCH_LOG_LEVEL ?? 'warn',
      PLANEWATCH_DATA_DIR: dataDir,
      PLANEWATCH_CONFIG: configPath,
      PLANEWATCH_HTTP_PORT: '0',
      KAFKA_BROKERS: brokers,
      ...opts.env,
    },
  });
  const apiToken = randomBytes(16).toString('hex');
  // Unique consumer groups: several test files share the broker, each with its own ClickHouse.
  const pipeline = await startPipeline(rt, SOURCES, {
    apiToken,
    groupSuffix: path.basename(dataDir),
    ackTimeoutMs: opts.ackTimeoutMs,
    detector: opts.detector ?? false,
  });
  return {
    rt,
    pipeline,
    dataDir,
    apiToken,
    async query<T>(sql: string, params: Record<string, unknown> = {}) {
      const rs = await rt.clickhouse.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return rs.json<T>();
    },
    waitStored(fn, what, timeoutMs) {
      return waitFor(
        async () => {
          const v = await fn();
          return v !== undefined && v !== false && v !== null && pipeline.sink.health.insertsInFlight === 0 ? v : undefined;
        },
        `${what} (and the sink's inserts finished)`,
        timeoutMs,
      );
    },
    async stop() {
      await pipeline.stop();
      await rt.close();
    },
  };
}
