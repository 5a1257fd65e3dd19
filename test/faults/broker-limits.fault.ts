// A Kafka cluster with Kafka's default message size limit (message.max.bytes = 1,048,588; the
// local broker planewatch starts allows 10 MiB) and planewatch's default body limit (1 MiB):
// - concurrent large deliveries that each fit are never merged into a produce request the broker
//   refuses (before the fix the collector's batching producer sent them together, the broker
//   refused the whole batch with MESSAGE_TOO_LARGE and every delivery in it got 503 — again on
//   each retry);
// - the normalizer's output for them (events of one subject, so one partition) goes out in
//   requests the broker accepts (before the fix: one request for the batch, refused on every
//   retry, the partition stopped);
// - one delivery under the body limit whose envelope still exceeds the broker's limit is answered
//   413 (not 503, which would make the vendor retry it forever), and the rest keeps flowing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startLocalBroker, type LocalBroker } from '../../local-broker/index.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { waitFor } from '../helpers/wait.ts';
import { startFaultPipeline, type FaultPipeline } from './helpers.ts';
import { BatchingProducer } from '../../core/kafka/batching-producer.ts';
import { ensureTopics } from '../../core/kafka/client.ts';
import { TOPICS } from '../../core/kafka/topics.ts';

const run = randomUUID().slice(0, 8);
const SECRET = `whsec_limits_${run}`;
let broker: LocalBroker;
let t: FaultPipeline;

beforeAll(async () => {
  broker = await startLocalBroker({
    dataDir: mkdtempSync(path.join(tmpdir(), 'pw-fault-limits-')),
    heapMb: 384,
    overrides: { 'message.max.bytes': 1_048_588 },
  });
  t = await startFaultPipeline({
    configYaml: `
connections:
  - { id: wk, vendor: workos, transport: webhook, secret_env: LIMITS_SECRET }
`,
    env: { LIMITS_SECRET: SECRET },
    brokers: broker.brokers.join(','),
    pipeline: { ackTimeoutMs: 15_000, detector: false },
  });
}, 180_000);

let pipelineStopped = false;

afterAll(async () => {
  if (pipelineStopped) await t?.rt.close();
  else await t?.stop();
  await broker?.stop();
});

function body(i: number, padding: number): string {
  return JSON.stringify({
    object: 'event',
    id: `event_lim_${run}_${i}`,
    event: 'dsync.user.created',
    created_at: new Date().toISOString(),
    data: {
      object: 'directory_user',
      id: `directory_user_lim_${run}`,
      directory_id: 'directory_1',
      organization_id: 'org_1',
      emails: [{ primary: true, value: `u${i}@x.example` }],
      state: 'active',
      first_name: 'x'.repeat(padding),
    },
  });
}

async function deliver(b: string): Promise<number> {
  const res = await fetch(`${t.pipeline.url}/webhooks/workos/wk`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(b, SECRET, Date.now()) },
    body: b,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('a broker with a small message.max.bytes', () => {
  it('accepts concurrent deliveries that each fit, answers 413 to one that cannot, and stores the rest once', async () => {
    // 24 deliveries of ~200 KB at once (4.8 MB; any six together exceed the broker's limit), all
    // about one directory user, so their events share one partition.
    const statuses = await Promise.all(Array.from({ length: 24 }, (_, i) => deliver(body(i, 200_000))));
    expect(statuses).toEqual(Array.from({ length: 24 }, () => 202));
    // One just under planewatch's 1 MiB body limit: its envelope is over the broker's limit.
    const huge = body(99, 0);
    const tooBig = body(99, 1_048_400 - huge.length);
    expect(Buffer.byteLength(tooBig)).toBeLessThanOrEqual(1_048_576);
    expect(await deliver(tooBig)).toBe(413);
    expect(await deliver(body(24, 1000))).toBe(202);
    const ids = Array.from({ length: 25 }, (_, i) => `event_lim_${run}_${i}`);
    const rows = await waitFor(
      async () => {
        const r = await t.query<{ event_id: string; n: string }>(
          'SELECT event_id, count() AS n FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} GROUP BY event_id',
          { ids },
        );
        return r.length === 25 ? r : undefined;
      },
      'the 25 accepted events',
      90_000,
    );
    expect(rows.every((r) => r.n === '1')).toBe(true);
  }, 180_000);
});

describe('the batching producer on that broker', () => {
  it('never merges queued messages into a request the broker refuses', async () => {
    const topic = `${TOPICS.raw}.limits-${run}`;
    await ensureTopics(t.rt.kafka, [{ topic, numPartitions: 1 }]);
    const batching = new BatchingProducer(t.rt.producer, { maxInFlight: 1 });
    // 24 sends of 200 KB queued at once: the first goes alone, the other 23 (4.6 MB) wait for it.
    const results = await Promise.allSettled(
      Array.from({ length: 24 }, (_, i) => batching.send(topic, [{ key: String(i), value: Buffer.alloc(200_000, 0x61 + (i % 26)) }])),
    );
    expect(results.map((r) => (r.status === 'fulfilled' ? 'acked' : String((r.reason as Error).message)))).toEqual(
      Array.from({ length: 24 }, () => 'acked'),
    );
    const admin = t.rt.kafka.admin();
    await admin.connect();
    const [p0] = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(p0!.high).toBe('24');
  }, 120_000);
});

describe('graceful stop with deliveries waiting for the broker', () => {
  it('answers every delivery already received before it closes the connections (none is cut off)', async () => {
    await broker.stop();
    // Five deliveries now wait for a Kafka acknowledgement that cannot come yet.
    const inFlight = Array.from({ length: 5 }, (_, i) => {
      const b = body(100 + i, 100);
      return fetch(`${t.pipeline.url}/webhooks/workos/wk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(b, SECRET, Date.now()) },
        body: b,
      }).then(
        async (res) => {
          await res.arrayBuffer();
          return res.status;
        },
        (err: unknown) => `cut off: ${String((err as { cause?: Error }).cause?.message ?? err)}`,
      );
    });
    await new Promise((r) => setTimeout(r, 1000));
    const stopping = t.pipeline.stop();
    pipelineStopped = true;
    // New connections are refused while the old ones drain.
    const late = await fetch(`${t.pipeline.url}/healthz`).then(
      (r) => r.status,
      () => 'refused',
    );
    expect(late).toBe('refused');
    await new Promise((r) => setTimeout(r, 1000));
    await broker.restart();
    const answers = await Promise.all(inFlight);
    await stopping;
    // Acknowledged late (202) or timed out waiting (503 + Retry-After): an answer either way.
    expect(
      answers.every((a) => a === 202 || a === 503),
      JSON.stringify(answers),
    ).toBe(true);
  }, 180_000);
});
