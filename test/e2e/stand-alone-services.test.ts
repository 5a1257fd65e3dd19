// Every stage runs alone from its compiled entry point, as docker-compose and docs/OPERATIONS.md run
// them: `node dist/services/<name>/main.js` against the test broker (KAFKA_BROKERS) with a data
// directory of its own. Each must become ready (/readyz 200), serve its own metrics on /metrics, and
// stop with exit 0 on SIGTERM. A collector needs only Kafka: pointed at a ClickHouse server nobody
// answers, it is ready all the same: its readiness is Kafka's.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/repo-root.ts';
import { freePorts } from '../../local-broker/index.ts';
import { waitFor } from '../helpers/wait.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function status(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(5000) })).status;
  } catch {
    return undefined;
  }
}

/** Starts one service, waits for /readyz 200, reads /metrics, then SIGTERM: the exit code and the metrics text. */
async function runAlone(
  service: string,
  env: Record<string, string> = {},
): Promise<{ ready: number | undefined; readyBody: unknown; metrics: string; code: number | null; stderr: string }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `pw-alone-${service}-`));
  dirs.push(dataDir);
  const [port] = await freePorts(1);
  const child = spawn(process.execPath, ['--enable-source-maps', path.join(REPO_ROOT, 'dist', 'services', service, 'main.js')], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? '',
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
      PLANEWATCH_DATA_DIR: dataDir,
      PLANEWATCH_HTTP_PORT: String(port),
      PLANEWATCH_LOG_LEVEL: 'warn',
      PLANEWATCH_LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const base = `http://127.0.0.1:${port}`;
    const ready = await waitFor(
      async () => ((await status(`${base}/readyz`)) === 200 ? 200 : undefined),
      `${service} ready`,
      90_000,
      250,
    ).catch(() => status(`${base}/readyz`));
    const readyBody: unknown = await (await fetch(`${base}/readyz`)).json().catch(() => null);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    child.kill('SIGTERM');
    return { ready, readyBody, metrics, code: await exited, stderr };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

// Each service and a metric that only its own metrics module registers.
const SERVICES: [string, string][] = [
  ['collector', 'planewatch_webhook_deliveries_total'],
  ['normalizer', 'planewatch_normalized_events_total'],
  ['sink', 'planewatch_sink_rows_total'],
  ['poller', 'planewatch_poller_pages_total'],
  ['detector', 'planewatch_open_findings'],
  ['alerter', 'planewatch_alert_deliveries_total'],
];

describe('each stage run alone from dist/', () => {
  for (const [service, metric] of SERVICES) {
    it(`${service}: ready, its own metrics on /metrics, exit 0 on SIGTERM`, async () => {
      const r = await runAlone(service);
      expect(r.ready, r.stderr).toBe(200);
      expect(r.metrics).toContain(`# HELP ${metric} `);
      expect(r.code, r.stderr).toBe(0);
    }, 150_000);
  }
});

describe('a collector alone with its ClickHouse server down', () => {
  it('is ready on Kafka alone: it never opens ClickHouse, so load balancers keep sending it deliveries', async () => {
    const [deadPort] = await freePorts(1); // nothing listens there
    const r = await runAlone('collector', { CLICKHOUSE_URL: `http://127.0.0.1:${deadPort}` });
    expect(r.ready, r.stderr).toBe(200);
    expect(r.readyBody).toMatchObject({ ready: true, checks: { kafka: { ok: true } } });
    expect(Object.keys((r.readyBody as { checks: object }).checks)).toEqual(['kafka']);
    expect(r.code, r.stderr).toBe(0);
  }, 150_000);
});
