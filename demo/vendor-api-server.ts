// A local HTTP server that plays a vendor API for poller tests and for `planewatch demo`: routes → scripted sequences of
// responses (status, headers, body), including faults (429 + Retry-After, 500, malformed JSON, 401).
// Generic: nothing here knows a vendor; tests describe pages in their own shapes.
//
//   const api = await startVendorApiServer();
//   api.route({ path: '/v1/organization/audit_logs', query: { after: null } }, [
//     tooManyRequests(1), json({ object: 'list', data: [...], has_more: true, last_id: 'e3' }),
//   ]);
//   api.route({ path: '/v1/organization/audit_logs', query: { after: 'e3' } }, [serverError(), json({...})]);
//
// Matching: the first route (in registration order) whose method, path and query match and whose
// sequence still has responses gives its next response; when every matching route is used up,
// the last matching route repeats its last response (so a "steady state" page can be the final
// entry). No match → 404 `{"error":{"message":"no route"}}`. Every request is recorded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is (malformed JSON included); anything else is JSON-encoded. */
  body?: unknown;
  /** Wait this long before answering (e.g. to exercise client timeouts). */
  delayMs?: number;
}

export interface RouteMatch {
  method?: string;
  /** Exact pathname, or a RegExp tested against it. */
  path: string | RegExp;
  /** Query parameters that must have these values; null = must be absent. Others are ignored. */
  query?: Record<string, string | null>;
  /** Request headers (lower-case names) that must have these values. */
  headers?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Index of the route that answered, or -1. */
  route: number;
  status: number;
}

export interface VendorApiServer {
  /** e.g. http://127.0.0.1:43210 */
  url: string;
  requests: RecordedRequest[];
  /** Adds a route; returns its index. A function answers every request from its query (e.g. a filtered listing). */
  route(match: RouteMatch, responses: ScriptedResponse[] | Responder): number;
  /** Drops all routes and recorded requests. */
  reset(): void;
  /** Requests recorded for a pathname (and optional query subset). */
  requestsTo(path: string, query?: Record<string, string | null>): RecordedRequest[];
  close(): Promise<void>;
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}): ScriptedResponse => ({ status, body, headers });
export const tooManyRequests = (
  retryAfter: string | number,
  body: unknown = { error: { message: 'Rate limit reached', type: 'rate_limit' } },
): ScriptedResponse => ({
  status: 429,
  headers: { 'retry-after': String(retryAfter) },
  body,
});
export const serverError = (
  status = 500,
  body: unknown = { error: { message: 'The server had an error', type: 'server_error' } },
): ScriptedResponse => ({ status, body });
export const malformed = (text = '{"object":"list","data":[{"id":'): ScriptedResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: text,
});
export const unauthorized = (message = 'Invalid authorization header', status = 401): ScriptedResponse => ({
  status,
  body: { error: { message, type: 'invalid_request_error', code: 'invalid_api_key' } },
});

/** Answers a request from its query parameters. */
export type Responder = (query: URLSearchParams) => ScriptedResponse;

interface Route {
  match: RouteMatch;
  responses: ScriptedResponse[];
  respond: Responder | null;
  next: number;
}

function matches(m: RouteMatch, method: string, url: URL, headers: http.IncomingHttpHeaders): boolean {
  if (m.method && m.method.toUpperCase() !== method) return false;
  if (typeof m.path === 'string' ? m.path !== url.pathname : !m.path.test(url.pathname)) return false;
  for (const [k, v] of Object.entries(m.query ?? {})) {
    const got = url.searchParams.get(k);
    if (v === null ? got !== null : got !== v) return false;
  }
  for (const [k, v] of Object.entries(m.headers ?? {})) if (headers[k] !== v) return false;
  return true;
}

function queryMatches(rec: RecordedRequest, query: Record<string, string | null> | undefined): boolean {
  for (const [k, v] of Object.entries(query ?? {})) {
    const got = rec.query[k] ?? null;
    if (got !== v) return false;
  }
  return true;
}

/** `recordRequests: false` for a long-running server (the demo) that nobody inspects. */
export async function startVendorApiServer(opts: { recordRequests?: boolean } = {}): Promise<VendorApiServer> {
  const recordRequests = opts.recordRequests ?? true;
  let routes: Route[] = [];
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    req.resume();
    const candidates = routes.map((r, i) => ({ r, i })).filter(({ r }) => matches(r.match, method, url, req.headers));
    const fresh = candidates.find(({ r }) => r.respond === null && r.next < r.responses.length);
    const chosen = fresh ?? candidates[candidates.length - 1];
    let response: ScriptedResponse;
    if (chosen?.r.respond) response = chosen.r.respond(url.searchParams);
    else if (!chosen || chosen.r.responses.length === 0)
      response = { status: 404, body: { error: { message: `no route for ${method} ${url.pathname}${url.search}` } } };
    else if (fresh) response = chosen.r.responses[chosen.r.next++]!;
    else response = chosen.r.responses[chosen.r.responses.length - 1]!;
    const status = response.status ?? 200;
    if (recordRequests)
      requests.push({
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        route: chosen?.i ?? -1,
        status,
      });
    const send = () => {
      const raw = response.body;
      const payload =
        raw === undefined ? Buffer.alloc(0) : Buffer.isBuffer(raw) ? raw : Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw));
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(payload.length), ...response.headers });
      res.end(payload);
    };
    if (response.delayMs) setTimeout(send, response.delayMs);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route(match, responses) {
      routes.push(
        typeof responses === 'function'
          ? { match, responses: [], respond: responses, next: 0 }
          : { match, responses, respond: null, next: 0 },
      );
      return routes.length - 1;
    },
    reset() {
      routes = [];
      requests.length = 0;
    },
    requestsTo(path, query) {
      return requests.filter((r) => r.path === path && queryMatches(r, query));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
