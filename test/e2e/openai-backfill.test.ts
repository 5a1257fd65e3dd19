// `planewatch backfill` end to end: history pages from a local vendor API server → Kafka → the real
// normalizer and sink → ClickHouse. Interrupted mid-way and re-run: resumes after the last
// acknowledged page, and every event is stored exactly once; a full re-run changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';
import { json, serverError, startVendorApiServer, type VendorApiServer } from '../../demo/vendor-api-server.ts';
import { runBackfill, backfillFilePath } from '../../services/poller/backfill.ts';
import { kafkaPollPublishers } from '../../services/poller/publish.ts';
import { SOURCES } from '../../sources/registry.ts';

const run = randomUUID().slice(0, 8);
const KEY = `sk-admin-test-${randomUUID()}`;
const CONN = 'openai-hist';
const AUDIT = '/v1/organization/audit_logs';
const REPO = path.resolve(new URL('../..', import.meta.url).pathname);
const SINCE = Date.parse('2026-09-01T00:00:00Z');
const SINCE_CLI = '2026-08-01T00:00:00Z';
const S = String(SINCE / 1000);
const S2 = String(Date.parse(SINCE_CLI) / 1000);

let api: VendorApiServer;
let t: TestPipeline;

const id = (n: number) => `audit_log-${run}-bf${n}`;
const ev = (n: number, at: number) => ({
  id: id(n),
  type: 'api_key.deleted',
  effective_at: at,
  project: { id: 'proj_h', name: 'Hist' },
  actor: { type: 'session', session: { user: { id: 'user-h', email: 'h@acme.example' }, ip_address: '198.51.100.1' } },
  'api_key.deleted': { id: `key_${run}_${n}` },
});
const list = (data: { id: string }[], hasMore: boolean) => ({
  object: 'list',
  data,
  first_id: data[0]?.id ?? null,
  last_id: data[data.length - 1]?.id ?? null,
  has_more: hasMore,
});
const T0 = SINCE / 1000 + 86_400;

async function counts(ids: string[]): Promise<Record<string, number>> {
  const rows = await t.query<{ event_id: string; n: string }>(
    'SELECT event_id, count() AS n FROM identity_events FINAL WHERE connection_id = {c:String} AND has({ids:Array(String)}, event_id) GROUP BY event_id ORDER BY event_id',
    { c: CONN, ids },
  );
  return Object.fromEntries(rows.map((r) => [r.event_id, Number(r.n)]));
}

beforeAll(async () => {
  api = await startVendorApiServer();
  api.route({ path: AUDIT, query: { 'effective_at[gte]': S, after: null } }, [json(list([ev(1, T0), ev(2, T0 + 1)], true))]);
  api.route({ path: AUDIT, query: { 'effective_at[gte]': S, after: id(2) } }, [
    serverError(503),
    json(list([ev(3, T0 + 2), ev(4, T0 + 3)], true)),
  ]);
  api.route({ path: AUDIT, query: { 'effective_at[gte]': S, after: id(4) } }, [json(list([ev(5, T0 + 4)], false))]);
  api.route({ path: AUDIT, query: { 'effective_at[gte]': S2, after: null } }, [
    json(list([ev(11, T0 - 86_400 * 10), ev(12, T0 - 86_400 * 9)], true)),
  ]);
  api.route({ path: AUDIT, query: { 'effective_at[gte]': S2, after: id(12) } }, [json(list([ev(13, T0 - 86_400 * 8)], false))]);
  process.env.TEST_OPENAI_HIST_KEY = KEY;
  t = await startTestPipeline({
    configYaml: `
connections:
  - id: ${CONN}
    vendor: openai
    transport: poll
    api_key_env: TEST_OPENAI_HIST_KEY
    base_url: ${api.url}/v1
    poll_interval: 1h
    inventory_interval: 1h
`,
    ackTimeoutMs: 15_000,
  });
});

afterAll(async () => {
  await t?.stop();
  await api?.close();
});

describe('backfill', () => {
  it('interrupted after the first page, re-run resumes after it; every event stored exactly once', async () => {
    const connection = t.rt.config.map.connections[0]!;
    const publishers = kafkaPollPublishers(t.rt.producer);
    const log = pino({ level: 'silent' });
    const abort = new AbortController();
    const interrupted = await runBackfill({
      connection,
      source: SOURCES.openai!,
      sinceMs: SINCE,
      dataDir: t.dataDir,
      publishers,
      log,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.pages === 1) abort.abort(new Error('interrupted'));
      },
    }).catch((e: unknown) => e);
    expect((interrupted as Error).message).toBe('interrupted');
    const file = JSON.parse(readFileSync(backfillFilePath(t.dataDir, CONN), 'utf8')) as { done: boolean; pages: number; summary: string };
    expect([file.done, file.pages, file.summary]).toEqual([
      false,
      1,
      `effective_at >= 2026-09-01T00:00:00Z (0 ids seen at that second), walk in progress after ${id(2)}`,
    ]);

    const resumed = await runBackfill({
      connection,
      source: SOURCES.openai!,
      sinceMs: SINCE,
      dataDir: t.dataDir,
      publishers,
      log,
      fetch: { policy: { baseDelayMs: 10 } },
    });
    expect([resumed.resumed, resumed.pages, resumed.items]).toEqual([true, 2, 3]);
    expect(api.requestsTo(AUDIT, { 'effective_at[gte]': S, after: null })).toHaveLength(1); // page 1 not fetched again
    expect(api.requestsTo(AUDIT, { 'effective_at[gte]': S, after: id(2) }).map((r) => r.status)).toEqual([503, 200]);

    const expected = { [id(1)]: 1, [id(2)]: 1, [id(3)]: 1, [id(4)]: 1, [id(5)]: 1 };
    expect(
      await waitFor(async () => {
        const c = await counts(Object.keys(expected));
        return Object.keys(c).length === 5 ? c : undefined;
      }, 'five backfilled events'),
    ).toEqual(expected);

    // A finished backfill run again starts over; the re-delivered events collapse.
    const before = (await t.query<{ now: string }>("SELECT toString(now64(3, 'UTC')) AS now"))[0]!.now;
    const again = await runBackfill({ connection, source: SOURCES.openai!, sinceMs: SINCE, dataDir: t.dataDir, publishers, log });
    expect([again.resumed, again.pages, again.items]).toEqual([false, 3, 5]);
    // The same three pages (same bytes → same raw ids) are stored again, replacing the older rows.
    await waitFor(async () => {
      const rows = await t.query<{ n: string }>(
        "SELECT count() AS n FROM raw_envelopes FINAL WHERE connection_id = {c:String} AND transport = 'poll' AND position(body, {r:String}) > 0 AND ingested_at > {b:DateTime64(3, 'UTC')}",
        { c: CONN, r: `-bf`, b: before },
      );
      return Number(rows[0]!.n) >= 3 ? true : undefined;
    }, 'the re-run pages in raw_envelopes');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await counts(Object.keys(expected))).toEqual(expected);
    const row = await t.query<Record<string, string>>(
      'SELECT category, action, subject_kind, subject_id, tenant_id, actor_ip FROM identity_events FINAL WHERE event_id = {e:String}',
      { e: id(3) },
    );
    expect(row).toEqual([
      {
        category: 'credential',
        action: 'revoked',
        subject_kind: 'api_key',
        subject_id: `key_${run}_3`,
        tenant_id: 'proj_h',
        actor_ip: '198.51.100.1',
      },
    ]);
  });

  it('`planewatch backfill openai --since <date>` publishes through Kafka with a progress line per page on stderr', async () => {
    const exec = promisify(execFile);
    const { stdout, stderr } = await exec(
      process.execPath,
      [path.join(REPO, 'bin/planewatch.js'), 'backfill', 'openai', '--since', SINCE_CLI],
      {
        cwd: REPO,
        env: {
          PATH: process.env.PATH ?? '',
          PLANEWATCH_DATA_DIR: t.dataDir,
          PLANEWATCH_CONFIG: path.join(t.dataDir, 'planewatch.yaml'),
          PLANEWATCH_LOG_LEVEL: 'silent',
          KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '',
          PLANEWATCH_TOPIC_PREFIX: process.env.PLANEWATCH_TOPIC_PREFIX ?? '',
          TEST_OPENAI_HIST_KEY: KEY,
        },
      },
    );
    expect(stdout).toBe(`${CONN}: 2 pages, 3 items published\n`);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toBe(`backfill ${CONN} (openai) since 2026-08-01T00:00:00.000Z`);
    expect(lines.slice(1).map((l) => l.replace(/ · [\d.]+ items\/s/, ' · R items/s').slice(2))).toEqual([
      `${CONN} ▰▱▱▱▱▱▱▱▱▱ 1 pages · 2 items · R items/s · effective_at >= 2026-08-01T00:00:00Z (0 ids seen at that second), walk in progress after ${id(12)}`,
      `${CONN} ▰▰▱▱▱▱▱▱▱▱ 2 pages · 3 items · R items/s · effective_at >= ${new Date((T0 - 86_400 * 8) * 1000).toISOString().replace('.000Z', 'Z')} (1 id seen at that second)`,
    ]);
    expect(existsSync(backfillFilePath(t.dataDir, CONN))).toBe(true);
    expect(
      await waitFor(async () => {
        const c = await counts([id(11), id(12), id(13)]);
        return Object.keys(c).length === 3 ? c : undefined;
      }, 'three CLI-backfilled events'),
    ).toEqual({ [id(11)]: 1, [id(12)]: 1, [id(13)]: 1 });
  });
});
