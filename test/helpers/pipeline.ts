// Starts the real pipeline (collector + normalizer + sink) for a test: the shared test broker (or
// KAFKA_BROKERS), embedded ClickHouse in a temp dir, and a boundary map written to a temp file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { bootstrap, type Runtime } from '../../core/bootstrap.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startPipeline, type Pipeline, type PipelineOptions } from '../../services/all-in-one/pipeline.ts';

export interface TestPipeline {
  rt: Runtime;
  pipeline: Pipeline;
  dataDir: string;
  apiToken: string;
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
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
  const pipeline = await startPipeline(rt, SOURCES, { apiToken, groupSuffix: path.basename(dataDir), ackTimeoutMs: opts.ackTimeoutMs, detector: opts.detector ?? false });
  return {
    rt,
    pipeline,
    dataDir,
    apiToken,
    async query<T>(sql: string, params: Record<string, unknown> = {}) {
      const rs = await rt.clickhouse.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return rs.json<T>();
    },
    async stop() {
      await pipeline.stop();
      await rt.close();
    },
  };
}
