// The all-in-one process (`npm start`: collector + normalizer + sink + embedded ClickHouse + API in
// one process) as a child process on its own Kafka broker (so its consumer groups and topics hold
// only this test's data):
// 1. SIGKILL in the middle of an ingest, then a restart on the same data directory: every
//    delivery answered 202 (before the kill, or on the vendor's retry after it) is stored exactly
//    once; the consumers resume from their committed positions (the second life re-normalizes only
//    what the first had not committed, never the settled first half); the embedded ClickHouse data
//    written before the kill is intact (CHECK TABLE, row counts).
// 2. SIGTERM while deliveries are in flight: every request already received gets its answer (no
//    reset connection), new ones are refused, batches are flushed and committed, the process exits
//    0 within its bound, and a restart finds everything acknowledged exactly once with nothing
//    left to consume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startLocalBroker, type LocalBroker } from '../../local-broker/index.ts';
import { createKafka } from '../../core/kafka/client.ts';
import { CONSUMER_GROUPS, TOPICS } from '../../core/kafka/topics.ts';
import { createClickHouse } from '../../core/clickhouse/client.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { waitFor } from '../helpers/wait.ts';
import { childDataDir, consumerPositions, metricValue, spawnAllInOne, type ChildPipeline } from './helpers.ts';

const run = randomUUID().slice(0, 8);
const SECRET = `whsec_proc_${run}`;
const CONFIG = `
connections:
  - { id: wk, vendor: workos, transport: webhook, secret_env: PROC_WORKOS_SECRET }
detections:
  evaluate_every: 1h
`;

let broker: LocalBroker;
const children: ChildPipeline[] = [];

beforeAll(async () => {
  broker = await startLocalBroker({ dataDir: mkdtempSync(path.join(tmpdir(), 'pw-fault-proc-')), heapMb: 384 });
}, 180_000);

afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  await broker?.stop();
});

async function start(dataDir: string, configPath: string): Promise<ChildPipeline> {
  const c = await spawnAllInOne({ dataDir, configPath, brokers: broker.brokers.join(','), env: { PROC_WORKOS_SECRET: SECRET } });
  children.push(c);
  return c;
}

function body(tag: string, i: number): string {
  return JSON.stringify({
    object: 'event',
    id: `event_${tag}_${run}_${i}`,
    event: 'dsync.user.created',
    created_at: new Date().toISOString(),
    data: {
      object: 'directory_user',
      id: `directory_user_${tag}_${run}_${i}`,
      directory_id: 'directory_1',
      organization_id: 'org_1',
      emails: [{ primary: true, value: `u${i}@x.example` }],
      state: 'active',
    },
  });
}

async function deliver(c: ChildPipeline, tag: string, i: number): Promise<number> {
  const b = body(tag, i);
  try {
    const res = await fetch(`${c.url}/webhooks/workos/wk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(b, SECRET, Date.now()) },
      body: b,
      signal: AbortSignal.timeout(20_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0; // connection refused or reset: the vendor sees a failure and retries
  }
}

/** Distinct event ids of a tag stored by the running child (API, FINAL). */
async function storedIds(c: ChildPipeline, tag: string): Promise<string[]> {
  const res = await fetch(`${c.url}/api/v1/events?connection=wk&last=10000`, { headers: { authorization: `Bearer ${c.token}` } });
  const rows = ((await res.json()) as { data: { event_id: string }[] }).data;
  return rows
    .map((r) => r.event_id)
    .filter((id) => id.startsWith(`event_${tag}_${run}_`))
    .sort();
}

const expectedIds = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `event_${tag}_${run}_${i}`).sort();

describe('all-in-one process killed mid-ingest (SIGKILL)', () => {
  it('loses nothing acknowledged, stores nothing twice, resumes from the committed positions, and keeps its store intact', async () => {
    const { dataDir, configPath } = childDataDir(CONFIG);
    let c = await start(dataDir, configPath);

    // Phase A: 100 deliveries, settled (stored and committed).
    const A = 100;
    for (let i = 0; i < A; i += 10) {
      const statuses = await Promise.all(Array.from({ length: 10 }, (_, k) => deliver(c, 'a', i + k)));
      expect(statuses).toEqual(Array.from({ length: 10 }, () => 202));
    }
    await waitFor(async () => ((await storedIds(c, 'a')).length === A ? true : undefined), 'phase A stored', 90_000, 300);

    // Phase B: 100 more, 8 at a time; SIGKILL once 30 have been answered.
    const B = 100;
    const status = new Map<number, number>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < B) {
        const i = next++;
        status.set(i, await deliver(c, 'b', i));
      }
    };
    const killer = (async () => {
      await waitFor(async () => status.size >= 30, '30 phase-B answers', 60_000, 5);
      c.proc.kill('SIGKILL');
      killed = true;
    })();
    await Promise.all([...Array.from({ length: 8 }, worker), killer]);
    expect(killed).toBe(true);
    expect(await c.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const answered = [...status.values()];
    expect(answered.filter((s) => s === 202).length).toBeGreaterThanOrEqual(30);
    // Never anything but 202 or a failure the vendor retries (0 = connection refused/reset).
    expect(answered.every((s) => s === 202 || s === 0)).toBe(true);

    // Restart on the same data directory; the vendor retries whatever was not acknowledged.
    const restartedAt = Date.now();
    c = await start(dataDir, configPath);
    const retried = [...status].filter(([, s]) => s !== 202).map(([i]) => i);
    process.stdout.write(
      `SIGKILL: phase B answered ${answered.filter((s) => s === 202).length}×202, ${answered.filter((s) => s === 0).length}× connection failure before the kill took effect; restart ready in ${Date.now() - restartedAt} ms; ${retried.length} retried\n`,
    );
    for (const i of retried)
      expect(await waitFor(async () => ((await deliver(c, 'b', i)) === 202 ? true : undefined), `retry of ${i}`, 60_000, 500)).toBe(true);

    // Everything exactly once (the API reads FINAL; one row per id).
    await waitFor(
      async () => ((await storedIds(c, 'b')).length === B ? true : undefined),
      'phase B stored after the restart',
      120_000,
      500,
    );
    expect(await storedIds(c, 'a')).toEqual(expectedIds('a', A));
    expect(await storedIds(c, 'b')).toEqual(expectedIds('b', B));

    // Positions resumed: the second life normalized at most phase B plus the retried deliveries
    // (their redelivered envelopes), never phase A's settled hundred again.
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    const normalized = metricValue(metrics, 'planewatch_normalized_events_total', { source: 'workos', plane: 'application' }) ?? 0;
    expect(normalized).toBeGreaterThan(0);
    expect(normalized).toBeLessThanOrEqual(B + retried.length);
    process.stdout.write(
      `SIGKILL: the second life normalized ${normalized} events (phase B ${B} + ${retried.length} retried at most; phase A's ${A} not again)\n`,
    );

    // Graceful stop, then the store itself: tables check out and hold exactly the rows.
    c.proc.kill('SIGTERM');
    expect((await c.exited).code).toBe(0);
    const ch = createClickHouse({ dataDir });
    try {
      for (const table of ['identity_events', 'raw_envelopes', 'dead_letters']) {
        const rs = await ch.client.query({ query: `CHECK TABLE ${table}`, format: 'JSONEachRow' });
        const rows = await rs.json<{ result?: number; is_passed?: number }>();
        expect(
          rows.every((r) => (r.result ?? r.is_passed) === 1),
          `CHECK TABLE ${table}: ${JSON.stringify(rows)}`,
        ).toBe(true);
      }
      const counts = await (
        await ch.client.query({
          query: `SELECT countIf(event_id LIKE {a:String}) AS a, countIf(event_id LIKE {b:String}) AS b, uniqExact(event_id) AS u, count() AS n
                FROM identity_events FINAL WHERE event_id LIKE {all:String}`,
          query_params: { a: `event_a_${run}_%`, b: `event_b_${run}_%`, all: `event_%_${run}_%` },
          format: 'JSONEachRow',
        })
      ).json<{ a: string; b: string; u: string; n: string }>();
      expect(counts).toEqual([{ a: '100', b: '100', u: '200', n: '200' }]);
    } finally {
      await ch.close();
    }
  }, 420_000);
});

describe('all-in-one process stopped with SIGTERM', () => {
  it('answers what it received, refuses the rest, flushes and commits, and exits 0 within its bound', async () => {
    const { dataDir, configPath } = childDataDir(CONFIG);
    let c = await start(dataDir, configPath);
    const N = 150;
    const status = new Map<number, number>();
    let next = 0;
    let termAt = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        status.set(i, await deliver(c, 't', i));
      }
    };
    const terminator = (async () => {
      await waitFor(async () => status.size >= 40, '40 answers before SIGTERM', 60_000, 5);
      termAt = Date.now();
      c.proc.kill('SIGTERM');
    })();
    await Promise.all([...Array.from({ length: 8 }, worker), terminator]);
    const exit = await c.exited;
    const stoppedInMs = Date.now() - termAt;
    expect(exit).toEqual({ code: 0, signal: null });
    // The bound: the process's own 30 s shutdown deadline never had to fire.
    expect(stoppedInMs).toBeLessThan(30_000);
    expect(c.output()).toContain('"msg":"stopped"');

    const answered = [...status.values()];
    process.stdout.write(
      `SIGTERM: exited 0 after ${stoppedInMs} ms; ${answered.filter((s) => s === 202).length}×202, ${answered.filter((s) => s === 503).length}×503, ${answered.filter((s) => s === 0).length}× refused connection\n`,
    );
    // Before SIGTERM every delivery was accepted; after it, requests on open connections got 503
    // + Retry-After and new connections were refused (0) — never a 2xx for something not stored.
    expect(answered.filter((s) => s === 202).length).toBeGreaterThanOrEqual(40);
    expect(answered.every((s) => s === 202 || s === 503 || s === 0)).toBe(true);

    // After the graceful stop every consumer group is committed exactly where its topic ends for
    // what was processed: the normalizer consumed everything the collector had acknowledged
    // (SIGTERM waits for in-flight batches), or left it uncommitted for the next start.
    const kafka = createKafka(broker.brokers, `proc-fault-${run}`);
    const rawPositions = await consumerPositions(kafka, CONSUMER_GROUPS.normalizer, TOPICS.raw);
    for (const p of rawPositions) expect(p.committed).toBeLessThanOrEqual(p.high);

    // Restart: the vendor retries what was not accepted; everything accepted is there once, and
    // once settled nothing is left uncommitted.
    c = await start(dataDir, configPath);
    for (const [i, s] of status)
      if (s !== 202)
        expect(await waitFor(async () => ((await deliver(c, 't', i)) === 202 ? true : undefined), `retry of ${i}`, 60_000, 500)).toBe(true);
    await waitFor(
      async () => ((await storedIds(c, 't')).length === N ? true : undefined),
      'all deliveries stored after the restart',
      120_000,
      500,
    );
    expect(await storedIds(c, 't')).toEqual(expectedIds('t', N));
    await waitFor(
      async () => {
        const positions = [
          ...(await consumerPositions(kafka, CONSUMER_GROUPS.normalizer, TOPICS.raw)),
          ...(await consumerPositions(kafka, CONSUMER_GROUPS.sink, TOPICS.events)),
          ...(await consumerPositions(kafka, CONSUMER_GROUPS.sink, TOPICS.raw)),
        ];
        return positions.every((p) => p.committed === p.high || (p.high === 0 && p.committed === -1)) ? true : undefined;
      },
      'every group committed to the end of its topics',
      60_000,
      500,
    );
    c.proc.kill('SIGTERM');
    expect((await c.exited).code).toBe(0);
  }, 420_000);
});
