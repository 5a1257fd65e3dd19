// Real chDB (in-process ClickHouse), no mocks. chDB binds one data path per process; vitest runs
// each test file in its own process (pool: forks), and this file uses one temp dir for all tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseError } from '@clickhouse/client';
import { createClickHouse, embeddedStatus, fromEnv, separateConnection, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate, MIGRATIONS_DIR, MigrationError, readMigrations } from '../../core/clickhouse/migrate.ts';
import { decodeBody, deadLetterToRow, identityEventToRow, insertRows, rawEnvelopeToRow, toDateTime64 } from '../../core/clickhouse/rows.ts';
import type { IdentityEvent } from '../../core/events/identity-event.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import type { DeadLetter } from '../../core/events/dead-letter.ts';

const tmp = mkdtempSync(join(tmpdir(), 'planewatch-clickhouse-test-'));
const dataDir = join(tmp, 'data');
let ch: ClickHouse;

async function rows<T>(query: string, query_params?: Record<string, unknown>): Promise<T[]> {
  const rs = await ch.client.query({ query, format: 'JSONEachRow', ...(query_params ? { query_params } : {}) });
  return rs.json<T>();
}

function event(over: Partial<IdentityEvent> = {}): IdentityEvent {
  return {
    event_id: 'evt_01',
    source: 'workos',
    connection_id: 'workos-main',
    plane: 'application',
    tenant_id: 'org_01ACME',
    authoritative_for: 'customers',
    category: 'credential',
    action: 'created',
    outcome: 'success',
    subject: { kind: 'api_key', id: 'key_1', email: 'a.lovelace@acme.example', name: 'deploy key' },
    actor: {
      kind: 'human',
      id: 'user_1',
      email: 'a.lovelace@acme.example',
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      credential_id: null,
    },
    credential: {
      id: 'key_1',
      kind: 'api_key',
      owner_id: 'user_1',
      owner_kind: 'human',
      scopes: ['read', 'write'],
      created_at: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
      last_used_at: null,
    },
    occurred_at: Date.UTC(2024, 4, 6, 7, 8, 9, 1),
    received_at: Date.UTC(2024, 4, 6, 7, 8, 10, 999),
    raw_id: 'raw_abc',
    vendor_type: 'api_key.created',
    ocsf_class_uid: 3001,
    ocsf_activity_id: 1,
    attributes: { state: 'active', directory_id: 'directory_1' },
    ...over,
  };
}

beforeAll(async () => {
  const t0 = Date.now();
  ch = createClickHouse(fromEnv({}, dataDir));
  const applied = await migrate(ch.client);
  console.log(`chDB open + migrate: ${Date.now() - t0} ms; rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
  // Every shipped migration applies on an empty store, in order.
  expect(applied).toEqual(readMigrations().map((m) => m.version));
  expect(applied[0]).toBe('0001');
});

afterAll(async () => {
  await ch?.close();
  expect(embeddedStatus()).toBeNull();
  rmSync(tmp, { recursive: true, force: true });
});

describe('createClickHouse (embedded chDB)', () => {
  it('opens <dataDir>/clickhouse in embedded mode, default database', async () => {
    expect(ch.mode).toBe('embedded');
    expect(ch.path).toBe(join(dataDir, 'clickhouse'));
    expect(ch.database).toBe('default');
    expect(await rows<{ db: string }>('SELECT currentDatabase() AS db')).toEqual([{ db: 'default' }]);
  });

  it('ping works', async () => {
    expect(await ch.client.ping()).toEqual({ success: true });
  });

  it('query JSONEachRow quotes 64-bit integers and applies the default settings', async () => {
    const [r] = await rows<Record<string, unknown>>(
      `SELECT toUInt64(18446744073709551615) AS u64, toInt32(-5) AS i32, getSetting('max_memory_usage') AS mem,
              getSetting('date_time_input_format') AS dtif`,
    );
    expect(r).toEqual({ u64: '18446744073709551615', i32: -5, mem: String(4 * 2 ** 30), dtif: 'best_effort' });
  });

  it('query_params bind values, quotes included', async () => {
    const r = await rows('SELECT {s:String} AS s, {n:UInt64} AS n, {a:Array(String)} AS a', {
      s: "it's -- ; not SQL",
      n: 42,
      a: ['x', "y'z"],
    });
    expect(r).toEqual([{ s: "it's -- ; not SQL", n: '42', a: ['x', "y'z"] }]);
  });

  it('command and exec work', async () => {
    await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS probe_cmd (x UInt8) ENGINE = Memory' });
    const res = await ch.client.exec({ query: 'SELECT 7 AS x FORMAT JSONEachRow' });
    let text = '';
    for await (const chunk of res.stream) text += chunk;
    expect(text).toBe('{"x":7}\n');
  });

  it("engine errors are the client's ClickHouseError with code and type", async () => {
    const err = await ch.client.query({ query: 'SELECT * FROM no_such_table' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    // chdb throws @clickhouse/client-common's class, a different copy from the one
    // @clickhouse/client 1.23.1 bundles; createClickHouse re-creates it as the client's.
    expect(err).toBeInstanceOf(ClickHouseError);
    expect((err as Error).cause).toBeInstanceOf(Error);
  });

  it('timestamps in query_params: pass strings, a Date loses its milliseconds over chDB', async () => {
    const ms = Date.UTC(2024, 0, 1, 0, 0, 0, 5);
    const r = await rows("SELECT {s:DateTime64(3, 'UTC')} AS s, {d:DateTime64(3, 'UTC')} AS d", {
      s: toDateTime64(ms),
      d: new Date(ms),
    });
    expect(r).toEqual([{ s: '2024-01-01 00:00:00.005', d: '2024-01-01 00:00:00.000' }]);
  });

  it('concurrent calls keep their own settings (calls are queued on the shared connection)', async () => {
    await ch.client.command({
      query: 'CREATE TABLE probe_concurrent (k String) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100',
    });
    const calls = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? ch.client.insert({
            table: 'probe_concurrent',
            format: 'JSONEachRow',
            values: [{ k: `tok${i}` }],
            clickhouse_settings: { insert_deduplication_token: 'same' },
          })
        : i % 3 === 1
          ? ch.client.insert({ table: 'probe_concurrent', format: 'JSONEachRow', values: [{ k: `plain${i}` }] })
          : ch.client
              .query({
                query: "SELECT toString(getSetting('max_block_size')) AS b",
                format: 'JSONEachRow',
                clickhouse_settings: { max_block_size: String(1000 + i) },
              })
              .then((rs) => rs.json<{ b: string }>())
              .then((r) => expect(r).toEqual([{ b: String(1000 + i) }])),
    );
    await Promise.all(calls);
    const got = await rows<{ k: string }>('SELECT k FROM probe_concurrent ORDER BY k');
    // the first insert with token 'same' wins, the other 9 are duplicates; all 10 plain ones land
    expect(got.filter((r) => r.k.startsWith('plain'))).toHaveLength(10);
    expect(got.filter((r) => r.k.startsWith('tok'))).toEqual([{ k: 'tok0' }]);
  });

  it('a per-call setting does not stick to later calls (chDB SETs are connection state)', async () => {
    await ch.client.command({
      query: 'CREATE TABLE probe_sticky (k String) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100',
    });
    await ch.client.insert({
      table: 'probe_sticky',
      format: 'JSONEachRow',
      values: [{ k: 'a' }],
      clickhouse_settings: { insert_deduplication_token: 'tok' },
    });
    // Without the reset this insert would silently reuse 'tok' and be dropped as a duplicate.
    await ch.client.insert({ table: 'probe_sticky', format: 'JSONEachRow', values: [{ k: 'b' }] });
    expect(await rows('SELECT k FROM probe_sticky ORDER BY k')).toEqual([{ k: 'a' }, { k: 'b' }]);
    await ch.client.query({ query: 'SELECT 1', clickhouse_settings: { max_threads: 1 } });
    const [s] = await rows<{ tok: string; threads: number }>(
      "SELECT getSetting('insert_deduplication_token') AS tok, getSetting('max_threads') AS threads",
    );
    expect(s!.tok).toBe('');
    expect(s!.threads).not.toBe(1);
  });

  it('a misspelt setting fails that call only', async () => {
    await expect(
      ch.client.query({ query: 'SELECT 1', clickhouse_settings: { max_threads: 1, no_such_setting_x: 1 } as Record<string, number> }),
    ).rejects.toMatchObject({ type: 'UNKNOWN_SETTING' });
    expect(await rows('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('server mode builds an HTTP client (no server here: ping reports the failure)', async () => {
    const server = createClickHouse({ dataDir, url: 'http://127.0.0.1:9', username: 'u', password: 'p', database: 'planewatch' });
    expect(server.mode).toBe('server');
    expect(server.database).toBe('planewatch');
    expect(embeddedStatus()?.refs).toBe(1); // did not touch the embedded engine
    const ping = await server.client.ping();
    expect(ping.success).toBe(false);
    await server.close();
  });

  it('shares one engine per path, refuses a second path, releases on the last close', async () => {
    expect(embeddedStatus()).toEqual({ path: join(dataDir, 'clickhouse'), refs: 1 });
    const second = createClickHouse({ dataDir });
    expect(embeddedStatus()?.refs).toBe(2);
    expect(await second.client.ping()).toEqual({ success: true });
    expect(() => createClickHouse({ dataDir: join(tmp, 'other') })).toThrow(/one data path per process/);
    await second.close();
    await second.close(); // idempotent
    expect(embeddedStatus()?.refs).toBe(1);
    await expect(second.client.query({ query: 'SELECT 1' })).rejects.toThrow(/closed/);
    expect((await second.client.ping()).success).toBe(false);
    expect(await rows('SELECT 1 AS one')).toEqual([{ one: 1 }]); // the first user is unaffected
  });

  it('separateConnection: a second connection on the same store runs while the first is busy, with its own settings', async () => {
    await ch.client.command({
      query: 'CREATE TABLE probe_separate (k String) ENGINE = MergeTree ORDER BY k SETTINGS non_replicated_deduplication_window = 100',
    });
    const own = separateConnection(ch.client)!;
    expect(embeddedStatus()?.refs).toBe(2); // the engine stays open while the separate connection is
    // A 2 s query on the shared connection; an insert on the separate one does not wait for it.
    const order: string[] = [];
    const slow = ch.client.query({ query: 'SELECT sleep(2) AS s', format: 'JSONEachRow' }).then(() => order.push('slow query'));
    await new Promise((r) => setTimeout(r, 200));
    await own.insert({
      table: 'probe_separate',
      format: 'JSONEachRow',
      values: [{ k: 'a' }],
      clickhouse_settings: { insert_deduplication_token: 'sep' },
    });
    order.push('insert on the separate connection');
    await slow;
    expect(order).toEqual(['insert on the separate connection', 'slow query']);
    // Settings are per connection: the token set on the separate one never reaches the shared one.
    await ch.client.insert({ table: 'probe_separate', format: 'JSONEachRow', values: [{ k: 'b' }] });
    await own.insert({ table: 'probe_separate', format: 'JSONEachRow', values: [{ k: 'c' }] });
    await own.insert({
      table: 'probe_separate',
      format: 'JSONEachRow',
      values: [{ k: 'dup' }],
      clickhouse_settings: { insert_deduplication_token: 'sep' },
    });
    expect(await rows('SELECT k FROM probe_separate ORDER BY k')).toEqual([{ k: 'a' }, { k: 'b' }, { k: 'c' }]);
    // Wrappers (not made by createClickHouse) have no separate connection.
    expect(separateConnection(new Proxy(ch.client, {}))).toBeNull();
    await own.close();
    await own.close(); // idempotent
    expect(embeddedStatus()?.refs).toBe(1);
    await expect(own.query({ query: 'SELECT 1' })).rejects.toThrow(/closed/);
    expect(await rows('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('refuses a non-default database in embedded mode', () => {
    expect(() => createClickHouse({ dataDir, database: 'planewatch' })).toThrow(/default/);
  });

  it('a runaway query fails with MEMORY_LIMIT_EXCEEDED and the process carries on', async () => {
    const t0 = Date.now();
    await expect(
      ch.client.query({
        query: 'SELECT groupArray(number) FROM numbers(10000000000)',
        format: 'JSONEachRow',
        clickhouse_settings: { max_memory_usage: String(64 * 2 ** 20) },
      }),
    ).rejects.toMatchObject({ code: '241', type: 'MEMORY_LIMIT_EXCEEDED' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    // the small limit was for that query only
    expect(await rows("SELECT getSetting('max_memory_usage') AS m")).toEqual([{ m: String(4 * 2 ** 30) }]);
  });
});

describe('migrate', () => {
  it('applies nothing the second time', async () => {
    expect(await migrate(ch.client)).toEqual([]);
    const applied = await rows<{ version: string; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations FINAL ORDER BY version',
    );
    expect(applied.map((r) => [r.version, r.name])).toEqual(readMigrations().map((m) => [m.version, m.name]));
    expect(applied[0]).toMatchObject({ version: '0001', name: 'events' });
    expect(applied[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    const tables = await rows<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('identity_events', 'raw_envelopes', 'dead_letters') ORDER BY name",
    );
    expect(tables.map((t) => t.name)).toEqual(['dead_letters', 'identity_events', 'raw_envelopes']);
  });

  it('detects a changed checksum of an applied migration and names the file', async () => {
    const dir = join(tmp, 'migrations-checksum');
    mkdirSync(dir);
    copyFileSync(join(MIGRATIONS_DIR, '0001_events.sql'), join(dir, '0001_events.sql'));
    const file = join(dir, '9001_probe.sql');
    writeFileSync(file, '-- probe\nCREATE TABLE IF NOT EXISTS probe_mig (x UInt8) ENGINE = Memory;\n');
    const logged: unknown[] = [];
    expect(await migrate(ch.client, { dir, log: { info: (obj) => logged.push(obj) } })).toEqual(['9001']);
    expect(logged).toEqual([expect.objectContaining({ version: '9001', file: '9001_probe.sql', statements: 1 })]);
    writeFileSync(file, '-- probe, edited\nCREATE TABLE IF NOT EXISTS probe_mig (x UInt16) ENGINE = Memory;\n');
    const err = await migrate(ch.client, { dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toContain('9001_probe.sql');
    expect((err as Error).message).toMatch(/changed after it was applied/);
  });

  it('runs several statements of one file and reports which statement failed', async () => {
    const dir = join(tmp, 'migrations-multi');
    mkdirSync(dir);
    writeFileSync(
      join(dir, '9101_two.sql'),
      `-- two statements; the comment has a semicolon;
CREATE TABLE IF NOT EXISTS probe_a (x String DEFAULT 'a--b') ENGINE = Memory; -- trailing
/* block; comment */
CREATE TABLE IF NOT EXISTS probe_b (x UInt8) ENGINE = Memory;
`,
    );
    expect(await migrate(ch.client, { dir })).toEqual(['9101']);
    expect(await rows("SELECT name FROM system.tables WHERE name IN ('probe_a', 'probe_b') ORDER BY name")).toEqual([
      { name: 'probe_a' },
      { name: 'probe_b' },
    ]);
    writeFileSync(join(dir, '9102_bad.sql'), 'CREATE TABLE IF NOT EXISTS probe_c (x UInt8) ENGINE = Memory;\nSELEC oops;\n');
    await expect(migrate(ch.client, { dir })).rejects.toThrow(/9102_bad\.sql failed at statement 2 of 2/);
  });
});

describe('identity_events', () => {
  it('round-trips every column type', async () => {
    const full = event();
    const sparse = event({
      event_id: 'evt_02',
      tenant_id: null,
      authoritative_for: null,
      outcome: null,
      subject: { kind: 'human', id: 'user_2', email: null, name: null },
      actor: null,
      credential: null,
      ocsf_class_uid: null,
      ocsf_activity_id: null,
      attributes: {},
    });
    await insertRows(ch.client, 'identity_events', [identityEventToRow(full), identityEventToRow(sparse)], 'roundtrip-1');
    const got = await rows<Record<string, unknown>>(
      `SELECT * EXCEPT ingested_at, toUnixTimestamp64Milli(occurred_at) AS occurred_ms,
              abs(dateDiff('second', ingested_at, now64(3))) < 600 AS fresh_ingested_at
       FROM identity_events WHERE event_id IN ('evt_01', 'evt_02') ORDER BY event_id`,
    );
    expect(got).toEqual([
      {
        ...identityEventToRow(full),
        occurred_at: '2024-05-06 07:08:09.001',
        received_at: '2024-05-06 07:08:10.999',
        credential_created_at: '2024-01-02 03:04:05.678',
        credential_last_used_at: null,
        credential_scopes: ['read', 'write'],
        attributes: { state: 'active', directory_id: 'directory_1' },
        ocsf_class_uid: 3001,
        occurred_ms: String(full.occurred_at), // Int64: quoted
        fresh_ingested_at: 1, // UInt8
      },
      {
        ...identityEventToRow(sparse),
        actor_kind: null,
        credential_id: null,
        credential_scopes: [],
        subject_email: null,
        attributes: {},
        occurred_ms: String(sparse.occurred_at),
        fresh_ingested_at: 1, // UInt8
      },
    ]);
  });

  it('drops a retried batch with the same deduplication token (count without FINAL)', async () => {
    const batch = [1, 2, 3].map((i) => identityEventToRow(event({ event_id: `evt_dedup_${i}` })));
    await insertRows(ch.client, 'identity_events', batch, 'planewatch.events.v1:0:100-102');
    await insertRows(ch.client, 'identity_events', batch, 'planewatch.events.v1:0:100-102');
    expect(await rows("SELECT count() AS n FROM identity_events WHERE event_id LIKE 'evt_dedup_%'")).toEqual([{ n: '3' }]);
    // a different token is a different batch: inserted (and collapsed later by the key)
    await insertRows(ch.client, 'identity_events', batch, 'planewatch.events.v1:0:200-202');
    expect(await rows("SELECT count() AS n FROM identity_events WHERE event_id LIKE 'evt_dedup_%'")).toEqual([{ n: '6' }]);
    expect(await rows("SELECT count() AS n FROM identity_events FINAL WHERE event_id LIKE 'evt_dedup_%'")).toEqual([{ n: '3' }]);
  });

  it('a replay with a new plane replaces the row (FINAL), even across partitions', async () => {
    const before = event({ event_id: 'evt_replay', plane: 'application' });
    await insertRows(ch.client, 'identity_events', [identityEventToRow(before)], 'replay-1');
    await new Promise((r) => setTimeout(r, 5)); // newer ingested_at
    // the mapping fix changed the plane, and occurred_at moved to another month (other partition)
    const after = event({ event_id: 'evt_replay', plane: 'platform', occurred_at: Date.UTC(2024, 5, 1) });
    await insertRows(ch.client, 'identity_events', [identityEventToRow(after)], 'replay-2');
    const got = await rows<{ plane: string; occurred_at: string }>(
      "SELECT plane, occurred_at FROM identity_events FINAL WHERE source = 'workos' AND event_id = 'evt_replay'",
    );
    expect(got).toEqual([{ plane: 'platform', occurred_at: '2024-06-01 00:00:00.000' }]);
    // same partition too
    await new Promise((r) => setTimeout(r, 5));
    await insertRows(ch.client, 'identity_events', [identityEventToRow({ ...after, plane: 'application' })], 'replay-3');
    expect(await rows("SELECT plane FROM identity_events FINAL WHERE source = 'workos' AND event_id = 'evt_replay'")).toEqual([
      { plane: 'application' },
    ]);
    // same event id from another source is another event
    await insertRows(ch.client, 'identity_events', [identityEventToRow({ ...after, source: 'okta' })], 'replay-4');
    expect(await rows("SELECT count() AS n FROM identity_events FINAL WHERE event_id = 'evt_replay'")).toEqual([{ n: '2' }]);
  });

  it('accepts the DateTime64 forms we rely on, exact to the millisecond', async () => {
    const ms = Date.UTC(2031, 11, 31, 23, 59, 59, 999);
    expect(toDateTime64(ms)).toBe('2031-12-31 23:59:59.999');
    expect(toDateTime64(0)).toBe('1970-01-01 00:00:00.000');
    const r = await rows<{ a: string; b: string; c: string }>(
      `SELECT toUnixTimestamp64Milli(parseDateTime64BestEffort({a:String}, 3, 'UTC')) AS a,
              toUnixTimestamp64Milli(toDateTime64({b:String}, 3, 'UTC')) AS b,
              toUnixTimestamp64Milli(fromUnixTimestamp64Milli(toInt64({c:Int64}), 'UTC')) AS c`,
      { a: toDateTime64(ms), b: toDateTime64(ms), c: ms },
    );
    expect(r).toEqual([{ a: String(ms), b: String(ms), c: String(ms) }]);
  });
});

describe('raw_envelopes and dead_letters', () => {
  it('keep UTF-8 bodies as text, other bytes as base64, and round-trip them', async () => {
    const text: RawEnvelope = {
      id: 'raw_text',
      source: 'workos',
      connection_id: 'workos-main',
      received_at: Date.UTC(2024, 4, 6, 7, 8, 10, 999),
      transport: 'webhook',
      content_type: 'application/json',
      headers: { 'content-type': 'application/json', 'workos-event-id': 'evt_1' },
      body: Buffer.from('{"event":"user.created","name":"Zoë ✓"}\n'),
      verification: { scheme: 'workos-hmac-sha256', verified: true, detail: null },
    };
    const binary: RawEnvelope = {
      ...text,
      id: 'raw_binary',
      content_type: null,
      headers: {},
      body: Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xc3]),
      verification: { scheme: 'none', verified: false, detail: 'no secret configured' },
    };
    await insertRows(ch.client, 'raw_envelopes', [rawEnvelopeToRow(text), rawEnvelopeToRow(binary)], 'raw-1');
    await insertRows(ch.client, 'raw_envelopes', [rawEnvelopeToRow(text), rawEnvelopeToRow(binary)], 'raw-1');
    const got = await rows<Record<string, unknown> & { body: string; body_encoding: string }>(
      'SELECT * EXCEPT ingested_at FROM raw_envelopes ORDER BY id',
    );
    expect(got).toEqual([rawEnvelopeToRow(binary), rawEnvelopeToRow(text)]);
    expect(got[0]).toMatchObject({ body_encoding: 'base64', verified: 0, verification_detail: 'no secret configured' });
    expect(got[1]).toMatchObject({ body_encoding: 'utf8', verified: 1, received_at: '2024-05-06 07:08:10.999' });
    expect(decodeBody(got[0]!).equals(binary.body)).toBe(true);
    expect(decodeBody(got[1]!).equals(text.body)).toBe(true);
  });

  it('store dead letters with a base64 payload', async () => {
    const dl: DeadLetter = {
      id: 'dlq_1',
      stage: 'normalizer',
      reason: 'subject.id: expected a non-empty string',
      source: 'workos',
      connection_id: 'workos-main',
      raw_id: 'raw_text',
      origin_topic: 'planewatch.raw.v1',
      origin_partition: 3,
      origin_offset: '9007199254740993',
      payload: Buffer.from([1, 2, 3, 250]),
      failed_at: Date.UTC(2024, 4, 6, 7, 8, 11, 5),
    };
    const bare: DeadLetter = {
      ...dl,
      id: 'dlq_2',
      stage: 'sink',
      source: null,
      connection_id: null,
      raw_id: null,
      origin_topic: null,
      origin_partition: null,
      origin_offset: null,
    };
    await insertRows(ch.client, 'dead_letters', [deadLetterToRow(dl), deadLetterToRow(bare)], 'dlq-1');
    const got = await rows<Record<string, unknown> & { payload: string }>(
      'SELECT * EXCEPT ingested_at FROM dead_letters FINAL ORDER BY id',
    );
    expect(got).toEqual([deadLetterToRow(dl), deadLetterToRow(bare)]);
    expect(Buffer.from(got[0]!.payload, 'base64').equals(dl.payload)).toBe(true);
  });

  it('insertRows refuses a bad table name and an empty token, and skips an empty batch', async () => {
    await expect(insertRows(ch.client, 'x; DROP TABLE y', [{}], 't')).rejects.toThrow(/not a table name/);
    await expect(insertRows(ch.client, 'dead_letters', [{ id: 'x' }], '')).rejects.toThrow(/empty deduplication token/);
    await insertRows(ch.client, 'dead_letters', [], 'nothing');
  });
});
