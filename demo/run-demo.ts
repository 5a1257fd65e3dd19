// `planewatch demo`: the all-in-one pipeline on the embedded defaults (local broker, embedded
// ClickHouse; KAFKA_BROKERS / CLICKHOUSE_URL honoured as for `npm start`) with the demo's boundary
// map and a local vendor API, then the demo company loaded through the public interfaces. Stays up
// until SIGINT / SIGTERM and stops like `npm start` (run file removed, broker stopped).
//
// The data dir (PLANEWATCH_DATA_DIR, default ./data) must be new or one the demo used before: the
// demo company is not mixed into a store that holds anything else. On a data dir the demo already
// loaded, it starts again without reloading, the vendor API serving the same company (built from
// the first start's time).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { bootstrap } from '../runtime/bootstrap.ts';
import { loadEnv } from '../core/config/env.ts';
import { clearRunInfo, writeRunInfo } from '../core/run-file.ts';
import { SOURCES, KNOWN_VENDORS } from '../sources/registry.ts';
import { startPipeline } from '../services/all-in-one/pipeline.ts';
import { buildDemoCompany } from './company/demo-company.ts';
import { demoConfigYaml, demoEnv, generateDemoSecrets } from './demo-config.ts';
import { loadDemoCompany } from './load-company.ts';
import { registerDemoVendorRoutes } from './vendor-routes.ts';
import { startVendorApiServer } from './vendor-api-server.ts';

const MarkerSchema = z.object({ now: z.number().int().positive(), loadedAt: z.string() });
const SHUTDOWN_BOUND_MS = 30_000;

class DemoDataDirError extends Error {}

/** The demo's "now" on this data dir: a new one on a fresh dir, the first start's on a dir it loaded. */
function demoClock(dataDir: string): { now: number; fresh: boolean; marker: string } {
  const marker = path.join(dataDir, 'demo', 'loaded.json');
  if (existsSync(marker)) return { now: MarkerSchema.parse(JSON.parse(readFileSync(marker, 'utf8'))).now, fresh: false, marker };
  if (existsSync(path.join(dataDir, 'clickhouse')) || existsSync(path.join(dataDir, 'kafka'))) {
    throw new DemoDataDirError(
      `${dataDir} holds data that is not the demo's; run the demo on a data dir of its own, e.g. PLANEWATCH_DATA_DIR=./data-demo npx planewatch demo`,
    );
  }
  // Whole seconds: the vendors' timestamps are.
  return { now: Math.floor(Date.now() / 1000) * 1000, fresh: true, marker };
}

export async function runDemo(): Promise<void> {
  const startedAt = Date.now();
  const dataDir = path.resolve(loadEnv().PLANEWATCH_DATA_DIR);
  const clock = demoClock(dataDir);
  const company = buildDemoCompany(clock.now);

  const api = await startVendorApiServer({ recordRequests: false });
  const secrets = generateDemoSecrets();
  registerDemoVendorRoutes(api, company, secrets);
  const configFile = path.join(dataDir, 'demo', 'planewatch.yaml');
  mkdirSync(path.dirname(configFile), { recursive: true });
  writeFileSync(configFile, demoConfigYaml(api.url));
  Object.assign(process.env, demoEnv(secrets), { PLANEWATCH_CONFIG: configFile });

  const rt = await bootstrap({ service: 'demo', knownVendors: KNOWN_VENDORS, startBroker: true });
  const token = randomBytes(24).toString('base64url');
  let shutdown: (signal: string, code?: number) => Promise<void> = async () => undefined;
  const pipeline = await startPipeline(rt, SOURCES, {
    apiToken: token,
    onFatal: (err) => {
      rt.log.fatal({ err }, 'normalizer failed; shutting down');
      void shutdown('normalizer-failure', 1);
    },
  });
  writeRunInfo(rt.dataDir, { pid: process.pid, url: pipeline.url, startedAt: new Date().toISOString() }, token);

  let stopping = false;
  shutdown = async (signal, code = 0) => {
    if (stopping) return;
    stopping = true;
    rt.log.info({ signal }, 'stopping');
    setTimeout(() => {
      rt.log.error({ signal }, `shutdown did not finish within ${SHUTDOWN_BOUND_MS / 1000} s; exiting`);
      process.exit(1);
    }, SHUTDOWN_BOUND_MS).unref();
    clearRunInfo(rt.dataDir);
    await pipeline.stop().catch((err: unknown) => rt.log.error({ err }, 'pipeline stop failed'));
    await rt.close();
    await api.close();
    rt.log.info({ signal, ms: Date.now() - startedAt }, 'stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (clock.fresh) {
    process.stdout.write(`\nplanewatch demo: pipeline up at ${pipeline.url}; loading the demo company (SCIM, webhooks, polls)...\n`);
    try {
      const summary = await loadDemoCompany(
        { url: pipeline.url, producer: rt.producer, connections: rt.config.map.connections, dataDir: rt.dataDir, log: rt.log },
        company,
        secrets,
      );
      writeFileSync(clock.marker, JSON.stringify({ now: clock.now, loadedAt: new Date().toISOString() }) + '\n');
      rt.log.info({ ...summary, ms: Date.now() - startedAt }, 'demo company loaded');
    } catch (err) {
      rt.log.error({ err }, 'loading the demo company failed');
      await shutdown('demo-load-failed', 1);
      return;
    }
  }

  const lines = [
    '',
    `planewatch demo is running (${clock.fresh ? 'company loaded' : 'company loaded on an earlier start'}; data in ${rt.dataDir})`,
    '',
    `  dashboard   ${pipeline.url}/dashboard   (paste the token from ${path.join(rt.dataDir, 'run', 'api-token')})`,
    `  api         ${pipeline.url}/api/v1/findings`,
    `  vendor API  ${api.url}   (plays OpenAI, Anthropic and GitHub for the pollers)`,
    `  map         ${configFile}`,
    '',
    'Every detection has an open finding within a minute of the start. Meanwhile, in another shell:',
    '  npx planewatch findings              npx planewatch lag',
    '  npx planewatch report boundaries     npx planewatch status',
    ...(rt.dataDir === path.resolve('./data') ? [] : [`  (with PLANEWATCH_DATA_DIR=${rt.dataDir})`]),
    '',
    "openai-eu's admin key is revoked on purpose (its 401 warnings are the story behind PW-SOURCE-SILENT).",
    'Stop with Ctrl-C.',
  ];
  process.stdout.write(lines.join('\n') + '\n\n');
}

export function runDemoCommand(): void {
  runDemo().catch((err: unknown) => {
    if (err instanceof DemoDataDirError) process.stderr.write(`planewatch demo: ${err.message}\n`);
    else process.stderr.write(`planewatch demo: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
