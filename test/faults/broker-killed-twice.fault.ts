// The broker planewatch starts itself (no KAFKA_BROKERS) killed twice in a row while signed
// deliveries are in flight: kill -9 of the JVM, then kill -9 of the JVM the supervisor starts in
// its place, before it is ready. The supervisor counts the failed attempt, brings the broker back
// on the next one, /healthz stays 200 (the process healed itself), and the vendor's retries of
// every delivery that was not acknowledged (503) are acknowledged afterwards. Figures printed:
// sent, acknowledged, stored, lost (acknowledged but not stored), duplicated (stored more than once).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { bootstrap, type Runtime } from '../../runtime/bootstrap.ts';
import type { LocalBroker } from '../../local-broker/index.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startPipeline, type Pipeline } from '../../services/all-in-one/pipeline.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'whsec_twice';
const N = 120;
const run = randomUUID().slice(0, 8);
let rt: Runtime;
let pipeline: Pipeline;
let broker: LocalBroker;

beforeAll(async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-fault-twice-'));
  writeFileSync(
    path.join(dataDir, 'planewatch.yaml'),
    'connections:\n  - { id: wk, vendor: workos, transport: webhook, secret_env: TEST_SECRET }\n',
  );
  rt = await bootstrap({
    service: 'fault-test',
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
      PLANEWATCH_BROKER_RESTART_ATTEMPTS: '5',
      PLANEWATCH_BROKER_RESTART_BACKOFF_MS: '500',
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

async function deliver(i: number): Promise<number> {
  const b = body(i);
  try {
    const res = await fetch(`${pipeline.url}/webhooks/workos/wk`, {
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

const metrics = async () => (await fetch(`${pipeline.url}/metrics`)).text();
const restarts = async (outcome: string) =>
  Number(new RegExp(`planewatch_kafka_broker_restarts_total\\{outcome="${outcome}"\\} (\\d+)`).exec(await metrics())?.[1] ?? 0);

describe('the local broker killed twice in a row', () => {
  it('heals itself, refuses (503) what it cannot acknowledge, and loses or duplicates nothing acknowledged', async () => {
    const first = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        first.set(i, await deliver(i));
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const outage = (async () => {
      await waitFor(async () => first.size >= 20, '20 deliveries before the outage', 60_000, 20);
      const pid1 = broker.pid!;
      process.kill(pid1, 'SIGKILL');
      // The second kill hits the JVM the supervisor started in its place, before it is ready.
      const pid2 = await waitFor(
        async () => (broker.pid !== undefined && broker.pid !== pid1 ? broker.pid : undefined),
        'the replacement JVM',
        60_000,
        20,
      );
      process.kill(pid2, 'SIGKILL');
      await waitFor(async () => ((await restarts('ready')) >= 1 ? true : undefined), 'a successful restart', 180_000, 250);
    })();
    await Promise.all([worker(), worker(), worker(), worker(), outage]);

    const ackedFirst = [...first.values()].filter((s) => s === 202).length;
    const refused = [...first.values()].filter((s) => s !== 202);
    expect(refused.every((s) => s === 503 || s === 0)).toBe(true);
    // The vendor retries whatever was not acknowledged.
    for (const [i, s] of first) {
      if (s !== 202)
        expect(await waitFor(async () => ((await deliver(i)) === 202 ? true : undefined), `retry of ${i}`, 120_000, 500)).toBe(true);
    }
    const ids = Array.from({ length: N }, (_, i) => `event_${run}_${i}`);
    const rows = await waitFor(
      async () => {
        const rs = await rt.clickhouse.query({
          query: 'SELECT event_id, count() AS n FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} GROUP BY event_id',
          query_params: { ids },
          format: 'JSONEachRow',
        });
        const r = await rs.json<{ event_id: string; n: string }>();
        return r.length === N ? r : undefined;
      },
      `all ${N} events stored`,
      180_000,
      500,
    );
    const stored = new Set(rows.map((r) => r.event_id));
    const figures = {
      sent: N,
      acknowledged_first_try: ackedFirst,
      refused_first_try: refused.length,
      acknowledged_after_retries: N,
      stored: stored.size,
      lost: ids.filter((id) => !stored.has(id)).length,
      duplicated: rows.filter((r) => r.n !== '1').length,
      restarts_ready: await restarts('ready'),
      restarts_failed: await restarts('failed'),
    };
    console.log(`FAULT FIGURES broker killed twice: ${JSON.stringify(figures)}`);
    expect(figures.lost).toBe(0);
    expect(figures.duplicated).toBe(0);
    expect(figures.stored).toBe(N);
    expect(figures.restarts_failed).toBeGreaterThanOrEqual(1);
    expect(figures.restarts_ready).toBe(1);
    expect((await fetch(`${pipeline.url}/healthz`)).status).toBe(200);
  }, 600_000);
});
