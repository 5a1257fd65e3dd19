// Stop and restart the broker while signed deliveries are in flight: the collector never answers
// 2xx for a delivery Kafka did not acknowledge, and afterwards every delivery (those acknowledged
// before the outage, and those the "vendor" retried after a 503) is in ClickHouse exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startLocalBroker, type LocalBroker } from '../../local-broker/index.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'whsec_restart';
const CONFIG = `
connections:
  - { id: wk, vendor: workos, transport: webhook, secret_env: TEST_SECRET }
`;
const N = 80;
const run = randomUUID().slice(0, 8);

let broker: LocalBroker;
let t: TestPipeline;

beforeAll(async () => {
  broker = await startLocalBroker({ dataDir: mkdtempSync(path.join(tmpdir(), 'pw-restart-')), heapMb: 384 });
  t = await startTestPipeline({ configYaml: CONFIG, env: { TEST_SECRET: SECRET }, brokers: broker.brokers, ackTimeoutMs: 2000 });
}, 180_000);

afterAll(async () => {
  await t?.stop();
  await broker?.stop();
});

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
    const res = await fetch(`${t.pipeline.url}/webhooks/workos/wk`, {
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

describe('broker restart during ingest', () => {
  it('acknowledges only what Kafka stored, and loses nothing acknowledged', async () => {
    const status = new Map<number, number>();
    let next = 0;
    let stopped = false;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        status.set(i, await deliver(i));
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const outage = (async () => {
      await waitFor(async () => status.size >= 15, '15 deliveries before the outage', 30_000, 20);
      await broker.stop();
      stopped = true;
      await new Promise((r) => setTimeout(r, 4000));
      await broker.restart();
    })();
    await Promise.all([worker(), worker(), worker(), worker(), outage]);
    expect(stopped).toBe(true);

    const answered = [...status.values()];
    // Some deliveries were refused while the broker was down (503 with Retry-After), never 2xx.
    expect(answered.filter((s) => s === 202).length).toBeGreaterThan(10);
    expect(answered.filter((s) => s !== 202).every((s) => s === 503 || s === 0)).toBe(true);
    expect(answered.some((s) => s !== 202)).toBe(true);

    // The vendor retries whatever was not acknowledged.
    for (const [i, s] of status) {
      if (s === 202) continue;
      const retried = await waitFor(async () => ((await deliver(i)) === 202 ? true : undefined), `retry of delivery ${i}`, 60_000, 500);
      expect(retried).toBe(true);
    }

    const ids = Array.from({ length: N }, (_, i) => `event_${run}_${i}`);
    const rows = await waitFor(
      async () => {
        const r = await t.query<{ event_id: string; n: string }>(
          'SELECT event_id, count() AS n FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} GROUP BY event_id',
          { ids },
        );
        return r.length === N ? r : undefined;
      },
      `all ${N} events in ClickHouse`,
      150_000,
      500,
    );
    expect(rows.every((r) => r.n === '1')).toBe(true);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(ids));
  }, 330_000);
});
