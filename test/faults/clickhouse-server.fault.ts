// ClickHouse unavailable in server mode (CLICKHOUSE_URL): the pipeline talks HTTP to a stand-in
// ClickHouse server (test/helpers/clickhouse-http-bridge.ts, executing on chDB in this process),
// which is taken away in the middle of ingest and brought back:
// - the collector keeps accepting deliveries (202: they are in Kafka);
// - the sink stops committing, and keeps retrying (failures counted, positions held);
// - /readyz reports the outage (the server's ping and the sink's last insert error);
// - when the server returns, every accepted delivery is in ClickHouse exactly once, the sink's
//   positions move on and readiness recovers.
// And a CLICKHOUSE_URL nobody answers at start-up stops start-up with an error naming the server
// and the variable (never the URL's password).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { startClickHouseHttpBridge, type ClickHouseHttpBridge } from '../helpers/clickhouse-http-bridge.ts';
import { waitFor } from '../helpers/wait.ts';
import { FIXTURES_DIR } from '../fuzz/harness.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { bootstrap } from '../../runtime/bootstrap.ts';
import { KNOWN_VENDORS } from '../../sources/registry.ts';
import { consumerPositions, metricSum } from './helpers.ts';
import { createClickHouse } from '../../core/clickhouse/client.ts';
import { ClickHouseError } from '@clickhouse/client';

const run = randomUUID().slice(0, 8);
const WK = `chsrv-wk-${run}`;
const SECRET = `whsec_chsrv_${run}`;

let bridge: ClickHouseHttpBridge;
let t: TestPipeline;

beforeAll(async () => {
  bridge = await startClickHouseHttpBridge();
  t = await startTestPipeline({
    configYaml: `
connections:
  - { id: ${WK}, vendor: workos, transport: webhook, secret_env: CHSRV_WORKOS_SECRET }
`,
    env: { CHSRV_WORKOS_SECRET: SECRET, CLICKHOUSE_URL: bridge.url },
    ackTimeoutMs: 15_000,
  });
}, 180_000);

afterAll(async () => {
  if (bridge && !bridge.running) await bridge.start();
  await t?.stop();
  await bridge?.close();
});

function workosEvent(id: string): string {
  const ev = JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'workos', 'dsync.user.created.json'), 'utf8')) as {
    data: Record<string, unknown>;
  } & Record<string, unknown>;
  return JSON.stringify({ ...ev, id, data: { ...ev.data, id: `directory_user_${id}` } });
}

async function deliver(id: string): Promise<number> {
  const body = workosEvent(id);
  const res = await fetch(`${t.pipeline.url}/webhooks/workos/${WK}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(body, SECRET, Date.now()) },
  });
  await res.arrayBuffer();
  return res.status;
}

/** Counts per event id, read from the store directly (works while the "server" is down). */
async function stored(ids: string[]): Promise<{ event_id: string; n: string }[]> {
  const rs = await bridge.client.query({
    query:
      'SELECT event_id, count() AS n FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} GROUP BY event_id ORDER BY event_id',
    query_params: { ids },
    format: 'JSONEachRow',
  });
  return rs.json();
}

interface Ready {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

describe('the stand-in ClickHouse server (test/helpers/clickhouse-http-bridge.ts)', () => {
  it('speaks what @clickhouse/client sends: parameters of each type, settings, inserts with a dedup token, errors, ping', async () => {
    const ch = await createClickHouse({ dataDir: mkdtempSync(path.join(tmpdir(), 'pw-chsrv-client-')), url: bridge.url });
    try {
      expect(ch.mode).toBe('server');
      const table = `bridge_probe_${run.replace(/-/g, '')}`;
      await ch.client.command({
        query: `CREATE TABLE ${table} (s String, n UInt64, d DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY s SETTINGS non_replicated_deduplication_window = 100`,
      });
      const rows = [
        { s: "it's a \\ back\tslash", n: '18446744073709551615', d: '2026-01-02 03:04:05.678' },
        { s: 'plain', n: '2', d: '2026-01-02 03:04:05.000' },
      ];
      await ch.client.insert({
        table,
        format: 'JSONEachRow',
        values: rows,
        clickhouse_settings: { insert_deduplication_token: `tok-${run}` },
      });
      await ch.client.insert({
        table,
        format: 'JSONEachRow',
        values: [{ s: 'dropped', n: '3', d: '2026-01-02 03:04:05.000' }],
        clickhouse_settings: { insert_deduplication_token: `tok-${run}` },
      });
      const q = await ch.client.query({
        query: `SELECT s, n, toString(d) AS ds FROM ${table} WHERE s IN {ss:Array(String)} AND n IN {ns:Array(UInt64)} AND d >= {since:DateTime64(3, 'UTC')} AND {nothing:Nullable(String)} IS NULL ORDER BY s`,
        query_params: {
          ss: [rows[0]!.s, 'plain', 'dropped'],
          ns: [18446744073709551615n, 2, 3],
          since: '2026-01-01 00:00:00.000',
          nothing: null,
        },
        format: 'JSONEachRow',
      });
      expect(await q.json()).toEqual([
        { s: rows[0]!.s, n: '18446744073709551615', ds: '2026-01-02 03:04:05.678' },
        { s: 'plain', n: '2', ds: '2026-01-02 03:04:05.000' },
      ]);
      const one = await ch.client.query({ query: 'SELECT {s:String} AS s', query_params: { s: "O'Brien\n" }, format: 'JSON' });
      expect(((await one.json()) as { data: unknown[] }).data).toEqual([{ s: "O'Brien\n" }]);
      const err = await ch.client.query({ query: `SELECT no_such_column FROM ${table}`, format: 'JSONEachRow' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ClickHouseError);
      expect((err as ClickHouseError).code).toBe('47');
      expect((err as ClickHouseError).type).toBe('UNKNOWN_IDENTIFIER');
      expect(await ch.client.ping()).toEqual({ success: true });
    } finally {
      await ch.close();
    }
  }, 60_000);
});

describe('ClickHouse server unavailable (CLICKHOUSE_URL)', () => {
  it('collector keeps accepting, the sink holds its positions and retries, readiness reports it, and every delivery lands once after the return', async () => {
    expect(t.rt.clickhouseMode).toBe('server');
    const ids = Array.from({ length: 40 }, (_, i) => `evt_chsrv_${run}_${String(i).padStart(2, '0')}`);
    const group = `planewatch-sink-${path.basename(t.dataDir)}`;
    const metrics = async () => (await fetch(`${t.pipeline.url}/metrics`)).text();

    // Before: stored through the server.
    for (const id of ids.slice(0, 10)) expect(await deliver(id)).toBe(202);
    await waitFor(async () => ((await stored(ids)).length === 10 ? true : undefined), 'the first 10 through the server', 60_000, 300);
    expect(bridge.statements).toBeGreaterThan(0);

    // The server goes away in the middle of ingest; deliveries keep being accepted (into Kafka).
    await bridge.stop();
    const statementsAtStop = bridge.statements;
    for (const id of ids.slice(10, 25)) expect(await deliver(id)).toBe(202);

    const ready = await waitFor(
      async () => {
        const res = await fetch(`${t.pipeline.url}/readyz`);
        const body = (await res.json()) as Ready;
        return res.status === 503 && body.checks.sink?.ok === false ? body : undefined;
      },
      '/readyz to report the outage',
      60_000,
      300,
    );
    expect(ready.ready).toBe(false);
    expect(ready.checks.kafka!.ok).toBe(true);
    expect(ready.checks.clickhouse!.ok).toBe(false);
    expect(ready.checks.clickhouse!.detail).toContain(`ECONNREFUSED ${bridge.url.replace('http://', '')}`);
    expect(ready.checks.sink!.detail).toMatch(/^(identity_events|raw_envelopes|dead_letters): .*(ECONNREFUSED|ECONNRESET|socket hang up)/);

    // The sink commits nothing while it cannot store, and keeps trying.
    const held = await consumerPositions(t.rt.kafka, group, TOPICS.events);
    const failuresAtHold = metricSum(await metrics(), 'planewatch_sink_insert_failures_total');
    for (const id of ids.slice(25)) expect(await deliver(id)).toBe(202);
    await waitFor(
      async () => (metricSum(await metrics(), 'planewatch_sink_insert_failures_total') >= failuresAtHold + 2 ? true : undefined),
      'two more failed inserts',
      60_000,
      300,
    );
    const stillHeld = await consumerPositions(t.rt.kafka, group, TOPICS.events);
    expect(stillHeld.map((p) => p.committed)).toEqual(held.map((p) => p.committed));
    expect(stillHeld.some((p) => p.high > p.committed)).toBe(true);
    expect((await stored(ids)).length).toBe(10);
    expect(bridge.statements).toBe(statementsAtStop); // nothing reached the store while it was down

    // The server is back: all 40 exactly once, positions move on, readiness recovers.
    await bridge.start();
    const rows = await waitFor(
      async () => {
        const r = await stored(ids);
        return r.length === 40 ? r : undefined;
      },
      'all 40 events after the outage',
      120_000,
      500,
    );
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 40 }, () => '1'));
    await waitFor(
      async () => ((await fetch(`${t.pipeline.url}/readyz`)).status === 200 ? true : undefined),
      '/readyz to recover',
      60_000,
      500,
    );
    const moved = await consumerPositions(t.rt.kafka, group, TOPICS.events);
    expect(moved.some((p, i) => p.committed > stillHeld[i]!.committed)).toBe(true);
    // Raw envelopes too: one per accepted delivery.
    const [raw] = await (
      await bridge.client.query({
        query: 'SELECT count() AS n, uniqExact(id) AS u FROM raw_envelopes FINAL WHERE connection_id = {c:String}',
        query_params: { c: WK },
        format: 'JSONEachRow',
      })
    ).json<{ n: string; u: string }>();
    expect(raw).toEqual({ n: '40', u: '40' });
  }, 240_000);

  it('an unreachable CLICKHOUSE_URL at start-up stops start-up with an error naming the server and the variable', async () => {
    // A port nobody listens on.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-chsrv-down-'));
    const err = await bootstrap({
      service: 'fault-test',
      knownVendors: KNOWN_VENDORS,
      needKafka: false,
      processEnv: {
        PATH: process.env.PATH,
        PLANEWATCH_DATA_DIR: dataDir,
        PLANEWATCH_LOG_LEVEL: 'fatal',
        CLICKHOUSE_URL: `http://planewatch:pw-db-password@127.0.0.1:${port}/`,
      },
    }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).not.toBeNull();
    expect(err!.message).toBe(
      `ClickHouse server at http://127.0.0.1:${port}/ (CLICKHOUSE_URL) is unreachable: connect ECONNREFUSED 127.0.0.1:${port}. ` +
        'Start it or correct CLICKHOUSE_URL (unset it to use embedded chDB).',
    );
    expect(err!.message).not.toContain('pw-db-password');
  }, 60_000);
});
