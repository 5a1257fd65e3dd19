// A stand-in ClickHouse server for tests: an HTTP server speaking enough of the ClickHouse HTTP
// interface for @clickhouse/client (what planewatch uses with CLICKHOUSE_URL), executing every
// statement on embedded chDB in the test process. There is no ClickHouse server on the test
// machine; this lets tests run planewatch in server mode and take "the server" away and back.
//
// Implemented (what the client sends, @clickhouse/client 1.23):
//   - GET|HEAD /ping and GET / without a query → `Ok.`
//   - POST|GET / with the statement in the body, or in the `query` URL parameter with the body as
//     its data (an INSERT's rows: `INSERT INTO t FORMAT JSONEachRow` + rows) — any text format the
//     statement names (the engine parses and prints it; JSONEachRow, JSON, JSONCompactEachRow, ...)
//   - `param_<name>` URL parameters for `{name:Type}` placeholders, in the HTTP text form the
//     client writes (escaped strings, `[..]` array literals, `\N` for NULL), converted to values
//     for chDB's binding by the placeholder's type
//   - every other URL parameter (except query_id, database, session_id, role, user, password,
//     default_format and the HTTP-only ones) as a query setting (e.g. insert_deduplication_token)
//   - a gzip request body (content-encoding: gzip); responses are not compressed
//   - errors as ClickHouse sends them: status 500 (404 unknown table, 400 syntax), the body
//     `Code: <n>. DB::Exception: <message> (<TYPE>) (version ...)` and X-ClickHouse-Exception-Code
// Not implemented: sessions, the native/binary formats, multipart queries, progress headers.
//
// stop() closes the listener and every open connection (the client sees refused and reset
// connections, as when a server goes down); start() listens again on the same port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';

export interface ClickHouseHttpBridge {
  /** `http://127.0.0.1:<port>`: the value for CLICKHOUSE_URL. */
  url: string;
  /** Direct client on the same chDB store (works while the bridge is stopped): for assertions. */
  client: ClickHouseClient;
  /** Statements executed so far (pings not counted). */
  readonly statements: number;
  readonly running: boolean;
  /** Takes the server away: closes the listener and every open connection. */
  stop(): Promise<void>;
  /** Brings it back on the same port. */
  start(): Promise<void>;
  /** Stops for good and closes the chDB store. */
  close(): Promise<void>;
}

/** Not settings: the client's own parameters and HTTP-interface switches. */
const NOT_SETTINGS = new Set([
  'query',
  'query_id',
  'database',
  'default_format',
  'session_id',
  'session_timeout',
  'session_check',
  'role',
  'user',
  'password',
  'quota_key',
  'compress',
  'decompress',
  'enable_http_compression',
  'http_zlib_compression_level',
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'buffer_size',
  'http_response_buffer_size',
]);

/** Reverses the client's escaping of a top-level value (ClickHouse "escaped" text: \t \n \r \' \\ \0 \b \f). */
export function unescapeParam(text: string): string {
  const map: Record<string, string> = { t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', '0': '\0', "'": "'", '"': '"', '\\': '\\' };
  return text.replace(/\\(.)/gs, (_m, c: string) => map[c] ?? c);
}

/** Parses a ClickHouse literal as the client writes array elements: 'str', numbers, NULL, TRUE/FALSE, [..], (..). */
export function parseLiteral(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === close) {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return out;
        }
        throw new Error(`bad literal at ${i}: ${text}`);
      }
    }
    if (c === "'") {
      i++;
      let s = '';
      while (i < text.length && text[i] !== "'") {
        if (text[i] === '\\') {
          s += text.slice(i, i + 2);
          i += 2;
        } else s += text[i++];
      }
      i++;
      return unescapeParam(s);
    }
    const m = /^(NULL|TRUE|FALSE|[-+]?[0-9][0-9._eE+-]*|nan|[-+]?inf)/i.exec(text.slice(i));
    if (!m) throw new Error(`bad literal at ${i}: ${text}`);
    i += m[0].length;
    const tok = m[0];
    if (/^null$/i.test(tok)) return null;
    if (/^true$/i.test(tok)) return true;
    if (/^false$/i.test(tok)) return false;
    return /^[-+]?\d+$/.test(tok) ? BigInt(tok) : Number(tok);
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error(`trailing characters in literal: ${text}`);
  return v;
}

/** An HTTP `param_<name>` value → the value chDB binds, by the placeholder's declared type. */
export function paramValue(text: string, type: string | undefined): unknown {
  if (text === '\\N') return null;
  const t = (type ?? 'String').replace(/^(Nullable|LowCardinality)\((.*)\)$/, '$2').trim();
  if (/^(Array|Tuple|Map)\(/.test(t)) return parseLiteral(text);
  return unescapeParam(text);
}

function statusOf(code: string): number {
  if (code === '60' || code === '81') return 404; // UNKNOWN_TABLE, UNKNOWN_DATABASE
  if (code === '62') return 400; // SYNTAX_ERROR
  return 500;
}

export async function startClickHouseHttpBridge(opts: { dataDir?: string } = {}): Promise<ClickHouseHttpBridge> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'pw-ch-bridge-'));
  const ch: ClickHouse = await createClickHouse({ dataDir });
  let statements = 0;

  async function execute(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://bridge');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body = Buffer.concat(chunks);
    if (String(req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip') body = gunzipSync(body);
    if (
      (req.method === 'GET' || req.method === 'HEAD') &&
      (url.pathname === '/ping' || (url.pathname === '/' && !url.searchParams.has('query')))
    ) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname !== '/') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=UTF-8' }).end(`There is no handle ${url.pathname}\n`);
      return;
    }
    const inUrl = url.searchParams.get('query');
    const sql = inUrl === null ? body.toString('utf8') : body.length ? `${inUrl}\n${body.toString('utf8')}` : inUrl;
    const queryParams: Record<string, unknown> = {};
    const settings: Record<string, string> = {};
    for (const [k, v] of url.searchParams) {
      if (k.startsWith('param_')) {
        const name = k.slice(6);
        const declared = new RegExp(`\\{${name.replace(/[^A-Za-z0-9_]/g, '')}:([^}]+)\\}`).exec(sql)?.[1];
        queryParams[name] = paramValue(v, declared);
      } else if (!NOT_SETTINGS.has(k)) {
        settings[k] = v;
      }
    }
    const queryId = url.searchParams.get('query_id') ?? '';
    statements++;
    try {
      const rs = await ch.client.exec({ query: sql, query_params: queryParams, clickhouse_settings: settings });
      const out: Buffer[] = [];
      for await (const c of rs.stream) out.push(Buffer.from(c as Uint8Array));
      res.writeHead(200, {
        'content-type': 'text/plain; charset=UTF-8',
        'x-clickhouse-query-id': queryId,
        'x-clickhouse-summary': JSON.stringify({
          read_rows: '0',
          read_bytes: '0',
          written_rows: '0',
          written_bytes: '0',
          total_rows_to_read: '0',
          result_rows: '0',
          result_bytes: '0',
        }),
      });
      res.end(Buffer.concat(out));
    } catch (err) {
      const e = err as Error & { code?: string; type?: string };
      const code = typeof e.code === 'string' && /^\d+$/.test(e.code) ? e.code : '1001';
      const type = e.type ?? 'STD_EXCEPTION';
      const message = e.message.replace(/^Code: \d+\. DB::Exception: /, '').replace(/ \([A-Z0-9_]+\)\s*$/, '');
      res.writeHead(statusOf(code), {
        'content-type': 'text/plain; charset=UTF-8',
        'x-clickhouse-exception-code': code,
        'x-clickhouse-query-id': queryId,
      });
      res.end(`Code: ${code}. DB::Exception: ${message} (${type}) (version 26.7.1.1 (chdb bridge))\n`);
    }
  }

  const server = http.createServer((req, res) => {
    execute(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-exception-code': '1001' });
      res.end(`Code: 1001. DB::Exception: ${(err as Error).message} (STD_EXCEPTION)\n`);
    });
  });
  server.keepAliveTimeout = 10_000;
  let port = 0;
  let running = false;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        running = true;
        resolve();
      });
    });
  const unlisten = () =>
    new Promise<void>((resolve) => {
      if (!running) return resolve();
      running = false;
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await listen();

  return {
    url: `http://127.0.0.1:${port}`,
    client: ch.client,
    get statements() {
      return statements;
    },
    get running() {
      return running;
    },
    stop: unlisten,
    start: listen,
    async close() {
      await unlisten();
      await ch.close();
    },
  };
}
