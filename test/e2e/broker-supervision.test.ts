// Issue #18 point 1: the broker planewatch starts itself is supervised. A real all-in-one runtime
// (bootstrap with no KAFKA_BROKERS, so it starts and supervises its own Kafka 4 broker; embedded
// ClickHouse; collector, normalizer, sink):
// - kill -9 of the broker JVM: it is restarted, counted (outcome="ready") and ready again; the
//   vendor's retried delivery is acknowledged and every event is stored exactly once; /healthz 200;
// - a broker that cannot come back (its port taken by someone else): after its restart attempts
//   /healthz fails (503), so a process supervisor restarts the process;
// - an external cluster (KAFKA_BROKERS) that goes down: /readyz 503 but /healthz stays 200.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { bootstrap, type Runtime } from '../../runtime/bootstrap.ts';
import { startLocalBroker, type LocalBroker } from '../../local-broker/index.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startPipeline, type Pipeline } from '../../services/all-in-one/pipeline.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'whsec_supervision';
const CONFIG = `
connections:
  - { id: wk, vendor: workos, transport: webhook, secret_env: TEST_SECRET }
`;
const run = randomUUID().slice(0, 8);

function body(i: number): string {
  return JSON.stringify({
    object: 'event',
    id: `event_${run}_${i}`,
    event: 'dsync.user.created',
    created_at: new Date().toISOString(),
    data: {
      object: 'directory_user',
      id: `directory_user_${run}_${i}`,
      directory_id: 'directory_1',
      organization_id: 'org_1',
      emails: [{ primary: true, value: `u${i}@x.example` }],
      state: 'active',
    },
  });
}

async function deliver(url: string, i: number): Promise<number> {
  const b = body(i);
  try {
    const res = await fetch(`${url}/webhooks/workos/wk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(b, SECRET, Date.now()) },
      body: b,
      signal: AbortSignal.timeout(20_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

const status = async (url: string, p: string) => (await fetch(`${url}${p}`)).status;
const metrics = async (url: string) => (await fetch(`${url}/metrics`)).text();

describe('a broker planewatch started itself', () => {
  let rt: Runtime;
  let pipeline: Pipeline;
  let broker: LocalBroker;

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-supervise-'));
    writeFileSync(path.join(dataDir, 'planewatch.yaml'), CONFIG);
    rt = await bootstrap({
      service: 'test',
      knownVendors: KNOWN_VENDORS,
      startBroker: true,
      processEnv: {
        PATH: process.env.PATH,
        PLANEWATCH_LOG_LEVEL: process.env.PLANEWATCH_LOG_LEVEL ?? 'warn',
        PLANEWATCH_DATA_DIR: dataDir,
        PLANEWATCH_CONFIG: path.join(dataDir, 'planewatch.yaml'),
        PLANEWATCH_HTTP_PORT: '0',
        KAFKA_PORT: '0',
        TEST_SECRET: SECRET,
        PLANEWATCH_BROKER_RESTART_ATTEMPTS: '2',
        PLANEWATCH_BROKER_RESTART_BACKOFF_MS: '1000',
      },
    });
    broker = rt.localBroker!;
    pipeline = await startPipeline(rt, SOURCES, {
      apiToken: randomBytes(16).toString('hex'),
      groupSuffix: path.basename(dataDir),
      ackTimeoutMs: 2000,
      detector: false,
    });
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
    await rt?.close();
  }, 120_000);

  async function stored(ids: string[]): Promise<{ event_id: string; n: string }[]> {
    return waitFor(
      async () => {
        const rs = await rt.clickhouse.query({
          query:
            'SELECT event_id, count() AS n FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} GROUP BY event_id ORDER BY event_id',
          query_params: { ids },
          format: 'JSONEachRow',
        });
        const r = await rs.json<{ event_id: string; n: string }>();
        return r.length === ids.length ? r : undefined;
      },
      `${ids.length} events in ClickHouse`,
      150_000,
      500,
    );
  }

  it('is restarted after kill -9, counted, ready again, and nothing acknowledged is lost', async () => {
    expect(broker).toBeDefined();
    expect(await deliver(pipeline.url, 0)).toBe(202);
    const before = broker.pid!;
    process.kill(before, 'SIGKILL');
    await waitFor(
      async () => (await metrics(pipeline.url)).includes('planewatch_kafka_broker_restarts_total{outcome="ready"} 1'),
      'one successful restart',
      120_000,
      250,
    );
    expect(broker.pid).toBeDefined();
    expect(broker.pid).not.toBe(before);
    // The vendor retries until it is acknowledged.
    expect(
      await waitFor(async () => ((await deliver(pipeline.url, 1)) === 202 ? true : undefined), 'delivery after the restart', 120_000, 500),
    ).toBe(true);
    expect(await stored([`event_${run}_0`, `event_${run}_1`])).toEqual([
      { event_id: `event_${run}_0`, n: '1' },
      { event_id: `event_${run}_1`, n: '1' },
    ]);
    expect(await waitFor(async () => ((await status(pipeline.url, '/readyz')) === 200 ? true : undefined), 'readiness', 60_000)).toBe(true);
    expect(await status(pipeline.url, '/healthz')).toBe(200);
    expect(await metrics(pipeline.url)).not.toContain('planewatch_kafka_broker_restarts_total{outcome="failed"}');
  }, 330_000);

  it('fails liveness when it cannot come back after its restart attempts', async () => {
    const exited = new Promise<void>((resolve) => {
      const off = broker.onExit(() => {
        off();
        resolve();
      });
    });
    process.kill(broker.pid!, 'SIGKILL');
    await exited;
    // Someone else takes the broker's port before the first attempt (1 s backoff): every attempt fails to bind.
    const squatter = net.createServer((c) => c.destroy());
    await new Promise<void>((resolve, reject) => {
      squatter.once('error', reject);
      squatter.listen(broker.port, '127.0.0.1', () => resolve());
    });
    try {
      await waitFor(async () => ((await status(pipeline.url, '/healthz')) === 503 ? true : undefined), '/healthz 503', 120_000, 250);
      const res = await fetch(`${pipeline.url}/healthz`);
      expect(await res.json()).toEqual({
        status: 'failed',
        detail: `the local kafka broker did not come back after 2 restart attempts (see ${broker.logFile})`,
      });
      expect(await metrics(pipeline.url)).toContain('planewatch_kafka_broker_restarts_total{outcome="failed"} 2');
      expect(await status(pipeline.url, '/readyz')).toBe(503);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    await broker.restart(); // lets the pipeline stop cleanly
  }, 330_000);
});

describe('an external cluster (KAFKA_BROKERS)', () => {
  let external: LocalBroker;
  let t: TestPipeline;

  beforeAll(async () => {
    external = await startLocalBroker({ dataDir: mkdtempSync(path.join(tmpdir(), 'pw-external-')), heapMb: 384 });
    t = await startTestPipeline({ configYaml: CONFIG, env: { TEST_SECRET: SECRET }, brokers: external.brokers, ackTimeoutMs: 2000 });
  }, 180_000);

  afterAll(async () => {
    await t?.stop();
    await external?.stop();
  }, 120_000);

  it('down: not ready, still live, and not restarted by planewatch', async () => {
    expect(t.rt.localBroker).toBeUndefined();
    await external.kill();
    await waitFor(async () => ((await status(t.pipeline.url, '/readyz')) === 503 ? true : undefined), '/readyz 503', 60_000, 250);
    expect(await status(t.pipeline.url, '/healthz')).toBe(200);
    expect(external.pid).toBeUndefined();
    await external.restart();
  }, 180_000);
});
