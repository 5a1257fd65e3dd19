// The one way planewatch opens ClickHouse: in-process chDB (default, no set-up) or a ClickHouse
// server over HTTP (CLICKHOUSE_URL). Both give the same `@clickhouse/client` ClickHouseClient, so
// callers write the same code and the same SQL for either.
//
// What of @clickhouse/client works over chDB (chdb 3.4.0 / libchdb 26.7, @clickhouse/client 1.23),
// each verified by test/integration/clickhouse.test.ts:
//   - query({ format: 'JSONEachRow' | 'JSON' }) + .json() / .text() / .stream(): works. The whole
//     result is buffered in memory first (no real streaming), so page big reads with LIMIT.
//   - query_params ({name:Type} placeholders): works (chDB binds them itself, strings with quotes
//     included). chdb-node serialises ALL parameterised queries of the process on one chain.
//   - insert({ format: 'JSONEachRow', values: [...] }) and JSONCompactEachRow arrays: works; an
//     empty values array is a no-op (`executed: false`). Summary counters (written_rows…) are 0.
//   - insert with clickhouse_settings.insert_deduplication_token: works on MergeTree tables with
//     `non_replicated_deduplication_window` > 0; a retried insert with the same token is dropped.
//   - command (DDL), exec (full SQL with its own FORMAT; result in .stream): works.
//   - ping(): runs `SELECT 1` (no HTTP /ping); returns { success: false } after close.
//   - Engine errors carry .code / .type (e.g. MEMORY_LIMIT_EXCEEDED, code '241'); the process
//     survives a runaway query killed by max_memory_usage. chdb throws them as client-common's
//     ClickHouseError, which is NOT `instanceof` the ClickHouseError exported by @clickhouse/client
//     1.23.1 (a separate bundled copy): the wrapper below re-creates them as the client's class.
//   - query_params: a JS Date loses its milliseconds (bound as whole seconds); pass timestamps as
//     'YYYY-MM-DD HH:MM:SS.mmm' strings (rows.ts toDateTime64) to {p:DateTime64(3, 'UTC')}.
//   - Timestamps: DateTime64(3,'UTC') accepts 'YYYY-MM-DD HH:MM:SS.mmm' (UTC), ISO-8601 with 'Z'
//     (best_effort) and an integer of milliseconds; NOT a fractional number of seconds. Reads come
//     back as 'YYYY-MM-DD HH:MM:SS.mmm' in UTC. rows.ts writes the first form (works on any server
//     whatever date_time_input_format is).
// What does NOT work / differs over chDB:
//   - clickhouse_settings are sent as `SET k = v; <sql>` on the chDB connection, and SET is sticky
//     for the rest of the connection's life: a per-call setting (insert_deduplication_token,
//     a small max_memory_usage, ...) would silently apply to every later call. Seen: an insert
//     WITHOUT a token after one with token 'x' reused 'x' and was dropped as a duplicate. The
//     embedded connection below is therefore wrapped: every setting name ever sent is reset with
//     `SET name = DEFAULT` on each later call that does not set it. Don't issue a raw `SET ...`
//     via command(); pass clickhouse_settings instead.
//   - `database` is ignored by the chDB connection (it always starts in `default`): embedded mode
//     uses the `default` database, and createClickHouse refuses any other database there.
//   - abort_signal only rejects the promise early; the engine finishes the query anyway, and calls
//     on one connection run one at a time, so the next call waits for it.
//   - session_id, role, auth, http_headers, compression, request_timeout: meaningless, ignored.
//   - one data directory per process (libchdb): see the registry below.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ClickHouseError,
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
  type ClickHouseSettings,
} from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { drainPending } from 'chdb';
import { z } from 'zod';
import { ConfigError, zodProblems } from '../config/errors.ts';
import { clusterNameProblem } from './cluster.ts';

export const DEFAULT_MAX_MEMORY_USAGE = 4 * 1024 ** 3;

export interface ClickHouseOptions {
  /** planewatch data directory; the embedded engine keeps its files in `<dataDir>/clickhouse`. */
  dataDir: string;
  /** HTTP(S) URL of a ClickHouse server; when absent the embedded chDB engine is used. */
  url?: string;
  username?: string;
  password?: string;
  /** Server mode only; embedded mode always uses `default`. */
  database?: string;
  /** Per-query memory limit in bytes (ClickHouse `max_memory_usage`, 0 = none). Default 4 GiB. */
  maxMemoryUsage?: number;
  /** Server mode only: the ClickHouse cluster the migrations are rendered for (cluster.ts). */
  cluster?: string;
}

export interface ClickHouse {
  client: ClickHouseClient;
  mode: 'embedded' | 'server';
  /** Database the tables live in (`default` in embedded mode). */
  database: string;
  /** For embedded mode, the chDB data path in use. */
  path?: string;
  /** Server mode: the cluster the store is replicated on (CLICKHOUSE_CLUSTER), if any; pass it to migrate(). */
  cluster?: string;
  /** Idempotent. Embedded: the shared chDB connection closes when its last user closes. */
  close(): Promise<void>;
}

function baseSettings(maxMemoryUsage: number): ClickHouseSettings {
  return {
    output_format_json_quote_64bit_integers: 1,
    max_memory_usage: String(maxMemoryUsage),
    date_time_input_format: 'best_effort',
  };
}

export function createClickHouse(opts: ClickHouseOptions): ClickHouse {
  const maxMemoryUsage = opts.maxMemoryUsage ?? DEFAULT_MAX_MEMORY_USAGE;
  if (!Number.isSafeInteger(maxMemoryUsage) || maxMemoryUsage < 0) {
    throw new Error(`maxMemoryUsage must be a whole number of bytes >= 0, got ${maxMemoryUsage}`);
  }
  const clickhouse_settings = baseSettings(maxMemoryUsage);
  if (opts.cluster !== undefined && opts.url === undefined) throw new Error(`ClickHouse cluster "${opts.cluster}": ${EMBEDDED_NO_CLUSTER}`);

  if (opts.url !== undefined) {
    const database = opts.database ?? 'default';
    const config = { url: opts.url, username: opts.username ?? 'default', password: opts.password ?? '', database, clickhouse_settings };
    const client = createClient(config);
    OWN_CONNECTION.set(client, () => createClient(config));
    let closed = false;
    return {
      client,
      mode: 'server',
      database,
      ...(opts.cluster !== undefined && { cluster: opts.cluster }),
      async close() {
        if (closed) return;
        closed = true;
        await client.close();
      },
    };
  }

  if (opts.database !== undefined && opts.database !== 'default') {
    throw new Error(
      `ClickHouse database "${opts.database}" was requested, but the embedded chDB engine always uses ` +
        `the "default" database; unset CLICKHOUSE_DATABASE or set CLICKHOUSE_URL to use a server`,
    );
  }
  const path = resolve(opts.dataDir, 'clickhouse');
  const lease = acquireEmbedded(path);
  const client = createClient({ connection: lease.connection, clickhouse_settings });
  OWN_CONNECTION.set(client, () => createClient({ connection: separateEmbeddedConnection(path), clickhouse_settings }));
  return {
    client,
    mode: 'embedded',
    database: 'default',
    path,
    // client.close() calls lease.connection.close(), which releases this user's reference once.
    close: () => client.close(),
  };
}

// --- embedded registry ---------------------------------------------------------------------------
// libchdb binds one data directory per process. All users of the same path share one chDB
// connection (queries on it run one at a time, in order); a different path is refused while it is
// open. The registry lives on globalThis so that two copies of this module (test runners, bundles)
// still see one engine.

/**
 * The pluggable connection contract of @clickhouse/client (not exported by name). chdb types its
 * ChdbConnection against @clickhouse/client-common 1.23.0, whose declarations are structurally
 * the same but nominally different files from the copy bundled in @clickhouse/client 1.23.1.
 */
type ClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

interface SharedEngine {
  path: string;
  connection: ClientConnection;
  refs: number;
  /** Every setting name ever sent on this connection (SET is sticky over chDB). */
  sticky: Set<string>;
  /** Calls are dispatched one after another (the engine runs them one at a time anyway). */
  tail: Promise<void>;
}

interface Registry {
  current: SharedEngine | null;
}

const REGISTRY_KEY = Symbol.for('planewatch.clickhouse.embedded');
function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  return (g[REGISTRY_KEY] ??= { current: null });
}

function acquireEmbedded(path: string): { connection: ClientConnection } {
  const reg = registry();
  const cur = reg.current;
  if (cur !== null && cur.path !== path) {
    throw new Error(
      `embedded ClickHouse (chDB) is already open at ${cur.path} in this process; ` +
        `chDB supports one data path per process, so ${path} cannot be opened too. ` +
        `Use the same data directory (PLANEWATCH_DATA_DIR) everywhere in one process, close the other first, ` +
        `or use a ClickHouse server (CLICKHOUSE_URL).`,
    );
  }
  let engine = cur;
  if (engine === null) {
    mkdirSync(path, { recursive: true });
    engine = {
      path,
      connection: createChdbConnection({ path }) as unknown as ClientConnection,
      refs: 0,
      sticky: new Set(),
      tail: Promise.resolve(),
    };
    reg.current = engine;
  }
  engine.refs++;
  return { connection: leaseConnection(engine) };
}

async function releaseEmbedded(engine: SharedEngine): Promise<void> {
  engine.refs--;
  if (engine.refs > 0) return;
  const reg = registry();
  if (reg.current === engine) reg.current = null;
  await engine.tail; // let calls already queued finish
  await engine.connection.close();
  // close() defers the native teardown while a (possibly aborted) query still runs; wait for it so
  // the process can open another path right after.
  await drainPending();
}

/**
 * Settings chdb-node never turns into `SET` (HTTP-only ones it drops, `default_format` it maps to
 * its own output format option): they cannot stick, and `SET name = DEFAULT` would be refused.
 */
const NOT_SET_BY_CHDB = new Set([
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_response_buffer_size',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_compression_method',
  'http_native_compression_disable_checksumming_on_decompress',
  'default_format',
]);

/**
 * chdb builds its errors with @clickhouse/client-common's ClickHouseError, a different class from
 * the copy @clickhouse/client 1.23.1 bundles, so `instanceof ClickHouseError` would be false in
 * embedded mode only. Re-create them as the client's class (the original stays as `cause`).
 */
function asClientError(err: unknown): unknown {
  if (err instanceof ClickHouseError || !(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  const type = (err as { type?: unknown }).type;
  if (typeof code !== 'string' || !/^\d+$/.test(code)) return err;
  const mapped = new ClickHouseError({ message: err.message, code, type: typeof type === 'string' ? type : undefined });
  (mapped as Error).cause = err;
  return mapped;
}

/**
 * One user's view of the shared connection: resets sticky settings before each call, and makes
 * close() release this user's reference (once) instead of closing the engine.
 *
 * Calls go through one queue per engine, so "the settings left by the previous call" is exactly
 * the previous call's: without it an insert whose body is still being read could run after a
 * later-prepared call and inherit its token. The engine executes the calls of one connection one
 * at a time in any case (4 concurrent `SELECT sleep(0.5)` take 2 s), so nothing is lost.
 */
function leaseConnection(engine: SharedEngine): ClientConnection {
  const conn = engine.connection;
  let released: Promise<void> | null = null;

  function serial<T>(run: () => Promise<T>): Promise<T> {
    if (released !== null) return Promise.reject(new Error('ClickHouse client is closed'));
    const result = engine.tail.then(run).catch((err: unknown) => {
      // A misspelt setting was never set: don't keep resetting it on every later call.
      const unknown = /Unknown setting '([A-Za-z0-9_]+)'/.exec(err instanceof Error ? err.message : '');
      if (unknown) engine.sticky.delete(unknown[1]!);
      throw asClientError(err);
    });
    engine.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  function prepare<P extends { query: string; clickhouse_settings?: ClickHouseSettings }>(params: P): P {
    const settings = params.clickhouse_settings ?? {};
    const given = Object.keys(settings).filter((k) => settings[k as keyof ClickHouseSettings] !== undefined);
    const resets: string[] = [];
    for (const name of engine.sticky) if (!given.includes(name)) resets.push(`SET ${name} = DEFAULT; `);
    for (const name of given) if (!NOT_SET_BY_CHDB.has(name)) engine.sticky.add(name);
    if (resets.length === 0) return params;
    return { ...params, query: resets.join('') + params.query };
  }

  return {
    ping: (params) =>
      released !== null
        ? Promise.resolve({ success: false, error: new Error('ClickHouse client is closed') })
        : serial(() => conn.ping(params)),
    query: (params) => serial(() => conn.query(prepare(params))),
    insert: (params) => serial(() => conn.insert(prepare(params))),
    command: (params) => serial(() => conn.command(prepare(params))),
    exec: (params) => serial(() => conn.exec(prepare(params))),
    close() {
      released ??= releaseEmbedded(engine);
      return released;
    },
  };
}

// --- a connection of its own --------------------------------------------------------------------
// The sink inserts on a connection of its own so that its inserts never queue behind a long query
// (a detection evaluation) on the shared one: one chDB connection runs its calls one at a time,
// but two connections (chDB sessions) on the same data path run in parallel (chdb 3.4.0; checked:
// an insert on a second session finished in 3 ms while a 2 s query ran on the first, and waited
// for it on the same session). chdb itself still serialises parameterised queries process-wide.

const OWN_CONNECTION = new WeakMap<ClickHouseClient, () => ClickHouseClient>();

/**
 * A new client on a connection of its own to the same store as `client` (one made by
 * createClickHouse): embedded, a second chDB session on the same data path, with its own call
 * queue and sticky-settings bookkeeping; server, a new HTTP client with the same options. The
 * caller closes it (before or after `client`: an embedded engine stays open until both are).
 * null for any other client (e.g. a wrapper around one): then use `client` itself.
 */
export function separateConnection(client: ClickHouseClient): ClickHouseClient | null {
  const make = OWN_CONNECTION.get(client);
  return make ? make() : null;
}

function separateEmbeddedConnection(path: string): ClientConnection {
  const reg = registry();
  const engine = reg.current;
  if (engine === null || engine.path !== path) throw new Error(`separateConnection: embedded ClickHouse at ${path} is closed`);
  engine.refs++; // the shared engine stays open while this connection is
  const own: SharedEngine = {
    path,
    connection: createChdbConnection({ path }) as unknown as ClientConnection,
    refs: 1,
    sticky: new Set(),
    tail: Promise.resolve(),
  };
  const lease = leaseConnection(own); // its close() closes `own` (never the registry's engine) ...
  let closed: Promise<void> | null = null;
  return {
    ...lease,
    close() {
      closed ??= lease.close().finally(() => releaseEmbedded(engine)); // ... then releases the engine
      return closed;
    },
  };
}

/** For tests and diagnostics: the chDB path open in this process, if any, and how many users hold it. */
export function embeddedStatus(): { path: string; refs: number } | null {
  const cur = registry().current;
  return cur === null ? null : { path: cur.path, refs: cur.refs };
}

// --- environment --------------------------------------------------------------------------------

const EMBEDDED_NO_CLUSTER =
  'cluster mode replicates through ClickHouse Keeper, which embedded chDB does not have: set CLICKHOUSE_URL to a server of the cluster, or unset CLICKHOUSE_CLUSTER';

const blankIsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const ClickHouseEnvSchema = z
  .object({
    CLICKHOUSE_URL: z.preprocess(
      blankIsUnset,
      z
        .url({
          protocol: /^https?$/,
          error: 'expected an http(s) URL of a ClickHouse server, e.g. http://localhost:8123 (unset = embedded chDB)',
        })
        .optional(),
    ),
    CLICKHOUSE_USER: z.preprocess(blankIsUnset, z.string().optional()),
    CLICKHOUSE_PASSWORD: z.preprocess(blankIsUnset, z.string().optional()),
    CLICKHOUSE_DATABASE: z.preprocess(
      blankIsUnset,
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a database name (letters, digits, _; not starting with a digit)')
        .optional(),
    ),
    CLICKHOUSE_MAX_MEMORY_USAGE: z.preprocess(
      blankIsUnset,
      z
        .string()
        .regex(/^\d+$/, 'expected a whole number of bytes, e.g. 4294967296 for 4 GiB (0 = no limit)')
        .transform(Number)
        .refine(Number.isSafeInteger, 'expected a whole number of bytes below 2^53')
        .optional(),
    ),
    CLICKHOUSE_CLUSTER: z.preprocess(
      blankIsUnset,
      z
        .string()
        .superRefine((name, ctx) => {
          const problem = clusterNameProblem(name);
          if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
        })
        .optional(),
    ),
  })
  .superRefine((env, ctx) => {
    if (env.CLICKHOUSE_URL !== undefined) return;
    if (env.CLICKHOUSE_CLUSTER !== undefined) ctx.addIssue({ code: 'custom', path: ['CLICKHOUSE_CLUSTER'], message: EMBEDDED_NO_CLUSTER });
    for (const name of ['CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD'] as const) {
      if (env[name] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'only applies to a ClickHouse server: set CLICKHOUSE_URL too, or unset it for embedded chDB',
        });
      }
    }
    if (env.CLICKHOUSE_DATABASE !== undefined && env.CLICKHOUSE_DATABASE !== 'default') {
      ctx.addIssue({
        code: 'custom',
        path: ['CLICKHOUSE_DATABASE'],
        message: 'embedded chDB always uses the "default" database: set CLICKHOUSE_URL too, or unset it',
      });
    }
  });

/**
 * ClickHouse options from the environment. Throws a ConfigError whose lines name each offending
 * variable and what it expects.
 */
export function fromEnv(env: NodeJS.ProcessEnv, dataDir: string): ClickHouseOptions {
  const parsed = ClickHouseEnvSchema.safeParse({
    CLICKHOUSE_URL: env.CLICKHOUSE_URL,
    CLICKHOUSE_USER: env.CLICKHOUSE_USER,
    CLICKHOUSE_PASSWORD: env.CLICKHOUSE_PASSWORD,
    CLICKHOUSE_DATABASE: env.CLICKHOUSE_DATABASE,
    CLICKHOUSE_MAX_MEMORY_USAGE: env.CLICKHOUSE_MAX_MEMORY_USAGE,
    CLICKHOUSE_CLUSTER: env.CLICKHOUSE_CLUSTER,
  });
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error), 'environment variables');
  const e = parsed.data;
  const opts: ClickHouseOptions = { dataDir };
  if (e.CLICKHOUSE_URL !== undefined) opts.url = e.CLICKHOUSE_URL;
  if (e.CLICKHOUSE_USER !== undefined) opts.username = e.CLICKHOUSE_USER;
  if (e.CLICKHOUSE_PASSWORD !== undefined) opts.password = e.CLICKHOUSE_PASSWORD;
  if (e.CLICKHOUSE_DATABASE !== undefined) opts.database = e.CLICKHOUSE_DATABASE;
  if (e.CLICKHOUSE_MAX_MEMORY_USAGE !== undefined) opts.maxMemoryUsage = e.CLICKHOUSE_MAX_MEMORY_USAGE;
  if (e.CLICKHOUSE_CLUSTER !== undefined) opts.cluster = e.CLICKHOUSE_CLUSTER;
  return opts;
}
