// The data directory's disk fills up. The test mounts a small tmpfs (it runs as root; when the
// mount is impossible the test FAILS, it is not skipped) and runs the all-in-one runtime on it:
// its own supervised Kafka broker and embedded ClickHouse both keep their data there. A filler
// file then takes every free byte. Deliveries are answered 503 (never 2xx for what Kafka did not
// take), nothing acknowledged is lost, and once the filler is removed ingest resumes: the vendor's
// retries are acknowledged and every event is stored exactly once. Figures printed (also when it
// fails, with where each missing event was last seen): sent, acknowledged, refused, stored, lost,
// duplicated, and the broker's restarts and log recoveries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { bootstrap, type Runtime } from '../../runtime/bootstrap.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startPipeline, type Pipeline } from '../../services/all-in-one/pipeline.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { waitFor } from '../helpers/wait.ts';
import { TOPICS } from '../../core/kafka/topics.ts';

const SECRET = 'whsec_diskfull';
const run = randomUUID().slice(0, 8);
const mountPoint = fs.mkdtempSync(path.join(tmpdir(), 'pw-fault-disk-'));
const filler = path.join(mountPoint, 'filler');
let mounted = false;
let rt: Runtime | undefined;
let pipeline: Pipeline | undefined;

beforeAll(async () => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=768m', 'tmpfs', mountPoint]); // throws (fails the test) when it cannot mount
  mounted = true;
  const dataDir = path.join(mountPoint, 'data');
  fs.mkdirSync(dataDir);
  fs.writeFileSync(
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
      // The supervisor's defaults (5 attempts): it must wait for space, not give up while the disk is full.
      PLANEWATCH_CONFIG: path.join(dataDir, 'planewatch.yaml'),
      PLANEWATCH_HTTP_PORT: '0',
      KAFKA_PORT: '0',
      TEST_SECRET: SECRET,
    },
  });
  pipeline = await startPipeline(rt, SOURCES, {
    apiToken: randomBytes(16).toString('hex'),
    groupSuffix: `disk${run}`,
    ackTimeoutMs: 2000,
    detector: false,
  });
}, 180_000);

afterAll(async () => {
  fs.rmSync(filler, { force: true });
  await pipeline?.stop();
  await rt?.close();
  if (mounted) execFileSync('umount', ['-l', mountPoint]);
  fs.rmSync(mountPoint, { recursive: true, force: true });
}, 180_000);

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
    const res = await fetch(`${pipeline!.url}/webhooks/workos/wk`, {
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

/** Writes until the file system refuses (ENOSPC); returns the bytes written. */
function fillDisk(): number {
  const fd = fs.openSync(filler, 'w');
  let written = 0;
  try {
    for (const size of [1 << 20, 4096, 1]) {
      const chunk = Buffer.alloc(size, 0x61);
      for (;;) {
        try {
          written += fs.writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return written;
}

async function storedRows(ids: string[]): Promise<{ event_id: string; n: string }[]> {
  const rs = await rt!.clickhouse.query({
    query: 'SELECT event_id, count() AS n FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} GROUP BY event_id',
    query_params: { ids },
    format: 'JSONEachRow',
  });
  return rs.json<{ event_id: string; n: string }>();
}

/** Offsets at which each wanted id appears in a topic (searched in the message bytes: Avro keeps strings as they are). */
async function findInTopic(topic: string, ids: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  const admin = rt!.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const pending = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
  if (pending.size === 0) return found;
  const consumer = rt!.kafka.consumer({ groupId: `disk-diag-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 30_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const value = message.value?.toString('latin1') ?? '';
        for (const id of ids) if (value.includes(id)) found.set(id, [...(found.get(id) ?? []), `${partition}@${message.offset}`]);
        if (Number(message.offset) + 1 >= (pending.get(partition) ?? 0)) pending.delete(partition);
        if (pending.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return found;
}

/** Broker log lines that tell what its restarts did to the logs (the file lost what it wrote while the disk was full). */
function brokerLogMarks(): Record<string, number> {
  let log = '';
  try {
    log = fs.readFileSync(rt!.localBroker!.logFile, 'utf8');
  } catch {
    /* none */
  }
  const count = (re: RegExp) => (log.match(re) ?? []).length;
  return {
    broker_starts: count(/=== planewatch: starting kafka/g),
    recovery_tail_truncations: count(/Corruption found in segment/g),
    recovery_segments_emptied: count(/Found invalid offset during recovery/g),
  };
}

describe('the data directory disk full', () => {
  it('answers 503 while full, loses nothing acknowledged, and resumes ingest when space returns', async () => {
    const status = new Map<number, number>();
    const BEFORE = 20;
    for (let i = 0; i < BEFORE; i++) status.set(i, await deliver(i));
    expect([...status.values()].every((s) => s === 202)).toBe(true);

    const filled = fillDisk();
    expect(filled).toBeGreaterThan(0);
    // While full: keep delivering until a 503 has been seen, and a few more after it.
    let i = BEFORE;
    let refusedAt = -1;
    await waitFor(
      async () => {
        const s = await deliver(i);
        status.set(i, s);
        if (s !== 202 && refusedAt < 0) refusedAt = i;
        i++;
        return refusedAt >= 0 && i >= refusedAt + 10 ? true : undefined;
      },
      'deliveries refused while the disk is full',
      240_000,
      100,
    );
    // What an operator's probes see meanwhile: not ready (Kafka down, inserts failing), still live.
    const probe = async (p: string) => (await fetch(`${pipeline!.url}${p}`, { signal: AbortSignal.timeout(20_000) })).status;
    const readyzWhileFull = await waitFor(
      async () => ((await probe('/readyz')) === 503 ? 503 : undefined),
      '/readyz 503 while the disk is full',
      60_000,
      500,
    );
    const healthzWhileFull = await probe('/healthz');
    const duringFull = [...status.entries()].filter(([k]) => k >= BEFORE).map(([, s]) => s);
    expect(duringFull.every((s) => s === 202 || s === 503 || s === 0)).toBe(true);
    expect(duringFull.filter((s) => s === 503).length).toBeGreaterThan(0);

    fs.rmSync(filler); // space returns
    const N = i;
    const first = new Map(status);
    const ackedBeforeRetry = [...status.values()].filter((s) => s === 202).length;
    for (const [k, s] of status) {
      if (s !== 202)
        expect(await waitFor(async () => ((await deliver(k)) === 202 ? true : undefined), `retry of ${k}`, 300_000, 1000)).toBe(true);
    }
    const ids = Array.from({ length: N }, (_, k) => `event_${run}_${k}`);
    let rows: { event_id: string; n: string }[];
    let waitError: unknown;
    try {
      rows = await waitFor(
        async () => {
          const r = await storedRows(ids);
          return r.length === N ? r : undefined;
        },
        `all ${N} events stored`,
        300_000,
        1000,
      );
    } catch (err) {
      waitError = err;
      rows = await storedRows(ids);
    }
    const stored = new Set(rows.map((r) => r.event_id));
    const missing = ids.filter((id) => !stored.has(id));
    const figures = {
      sent: N,
      acknowledged_before_space_returned: ackedBeforeRetry,
      refused_while_full: duringFull.filter((s) => s !== 202).length,
      acknowledged_after_retries: N,
      stored: stored.size,
      lost: missing.length,
      duplicated: rows.filter((r) => r.n !== '1').length,
      filler_bytes: filled,
      readyz_while_full: readyzWhileFull,
      healthz_while_full: healthzWhileFull,
      ...brokerLogMarks(),
      live: rt!.liveness().ok,
    };
    console.log(`FAULT FIGURES disk full: ${JSON.stringify(figures)}`);
    if (missing.length > 0) {
      // Where each missing event was last seen: acknowledged or not, in the raw topic, the events topic, the DLQ.
      const [raw, events, dlq] = await Promise.all([TOPICS.raw, TOPICS.events, TOPICS.dlq].map((t) => findInTopic(t, missing)));
      for (const id of missing) {
        const k = Number(id.split('_').at(-1));
        console.log(
          `MISSING ${id}: first answer ${first.get(k)}, raw ${raw!.get(id)?.join(' ') ?? '-'}, events ${events!.get(id)?.join(' ') ?? '-'}, dlq ${dlq!.get(id)?.join(' ') ?? '-'}`,
        );
      }
    }
    expect(waitError).toBeUndefined();
    expect(figures.healthz_while_full).toBe(200);
    expect(figures.live).toBe(true); // the supervisor waited for space instead of giving up
    expect(figures.lost).toBe(0);
    expect(figures.duplicated).toBe(0);
    expect(figures.stored).toBe(N);
  }, 900_000);
});
