// SCIM 2.0 service provider (RFC 7643 / 7644) at /scim/v2/<connection>/ for every enabled
// boundary-map connection with `vendor: scim, transport: scim`, so an IdP (Okta, Entra ID,
// OneLogin, JumpCloud) provisions straight into planewatch and planewatch sees the directory's
// truth.
//
// This is the HTTP layer: which connection a request is for, its rate limit (429), its bearer
// token (http/bearer.ts; 401 with a SCIM error body, every endpoint requires it), the base of
// meta.location (forwarded.ts), then routing (http/route.ts) and the answer (http/reply.ts).
//
// Endpoints: Users and Groups (POST, GET by id, GET list with filter / startIndex / count /
// attributes / excludedAttributes, POST .search, PUT, PATCH, DELETE; endpoints/), ServiceProviderConfig,
// ResourceTypes, Schemas (endpoints/discovery.ts). Responses are application/scim+json; errors are
// RFC 7644 §3.12 bodies. Each resource carries meta {resourceType, created, lastModified, location,
// version} with a weak ETag W/"<n>" (n = the resource's version); If-Match is honoured on PUT /
// PATCH / DELETE (412 on mismatch) and If-None-Match on GET (304).
//
// A change is durable before it is acknowledged: published to Kafka, then written to ClickHouse,
// then answered, under a per-connection lock (durability.ts; the change itself: change.ts).
// With a writer lease (standby.ts) only its holder writes: a standby answers writes 503 with
// Retry-After: 1 and serves reads, and the holder fences the lease right before each publish.
// The password attribute is removed right after the body is parsed (http/request-body.ts) and is
// never stored, logged or forwarded; request bodies are never logged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { BoundaryMap, Connection } from '../../core/config/boundary-map.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import { DEFAULT_RATE_LIMIT, RateLimiter } from '../../core/http/rate-limit.ts';
import type { RequestContext, ScimContext } from './context.ts';
import { Durability } from './durability.ts';
import { ScimError } from './errors.ts';
import { origin, trustedProxies, type TrustedProxies } from './forwarded.ts';
import { checkBearer, tokenDigests } from './http/bearer.ts';
import { createResponder, type Reply } from './http/reply.ts';
import { route } from './http/route.ts';
import { isWrite, standbyReply, type WriterLease } from './standby.ts';
import type { ScimStore } from './store.ts';

export { SCIM_CONTENT_TYPE } from './http/reply.ts';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_START_INDEX } from './endpoints/list.ts';
export const SCIM_PREFIX = '/scim/v2/';

export interface ScimServiceDeps {
  map: BoundaryMap;
  /** connection id → bearer token (from the connection's secret_env) */
  secrets: ReadonlyMap<string, string>;
  store: ScimStore;
  /** Resolves once Kafka acknowledged the envelope. */
  publish: (envelope: RawEnvelope) => Promise<void>;
  log: Logger;
  maxBodyBytes: number;
  /** How long a request waits for the Kafka acknowledgement before answering 503. */
  ackTimeoutMs: number;
  now?: () => number;
  /** Delays between attempts of the state write after the Kafka ack (default 100, 500, 2000 ms). */
  stateWriteRetryDelaysMs?: readonly number[];
  /**
   * Peers (IP addresses or CIDR ranges, PLANEWATCH_TRUSTED_PROXIES) whose X-Forwarded-Proto /
   * X-Forwarded-Host set the base of meta.location. Default: none (forwarded headers ignored).
   */
  trustedProxies?: readonly string[];
  /** The 'scim-writer' lease, started: only its holder writes. Without one this process always writes (one SCIM writer per store). */
  writer?: WriterLease;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const ROUTE = /^\/scim\/v2\/([a-z0-9][a-z0-9_-]{0,62})(\/.*)?$/;
/** Request headers kept in a change's raw envelope (each cut to 512 characters). */
const KEPT_HEADERS = ['content-type', 'user-agent', 'x-request-id'];

/** What decides whether a request gets past the HTTP layer. */
interface Gate {
  connections: ReadonlyMap<string, Connection>;
  tokens: ReadonlyMap<string, Buffer>;
  limiter: RateLimiter;
  log: Logger;
}

function scimConnections(map: BoundaryMap): Map<string, Connection> {
  return new Map(map.connections.filter((c) => c.enabled && c.vendor === 'scim' && c.transport === 'scim').map((c) => [c.id, c]));
}

/** The connection a request may use: known (404), within its rate limit (429), authenticated (401 / 503). */
function admit(gate: Gate, req: IncomingMessage, match: RegExpExecArray | null, pathname: string): Connection {
  if (!match) throw new ScimError(404, null, `no such endpoint: ${pathname}`);
  const connectionId = match[1]!;
  const connection = gate.connections.get(connectionId);
  if (!connection) throw new ScimError(404, null, `no SCIM connection "${connectionId}" (vendor scim, transport scim) in the boundary map`);
  const allowed = gate.limiter.take(connection.id);
  if (!allowed.ok) {
    throw new ScimError(
      429,
      null,
      `connection "${connection.id}" is above its rate limit (${connection.rate_limit.per_second}/s, burst ${connection.rate_limit.burst}); retry later`,
      {
        'retry-after': String(allowed.retryAfterSeconds),
        connection: 'close',
      },
    );
  }
  checkBearer(req, connection, gate.tokens.get(connection.id), gate.log);
  return connection;
}

function requestContext(
  req: IncomingMessage,
  connection: Connection,
  proxies: TrustedProxies,
  send: (reply: Reply) => void,
): RequestContext {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const v = req.headers[name];
    if (typeof v === 'string') headers[name] = v.slice(0, 512);
  }
  return {
    connection,
    base: `${origin(req, proxies)}${SCIM_PREFIX}${connection.id}`,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 256) : null,
    ip: req.socket.remoteAddress ?? null,
    headers,
    send,
  };
}

export function createScimHandler(deps: ScimServiceDeps): RequestHandler {
  const now = deps.now ?? Date.now;
  const connections = scimConnections(deps.map);
  const gate: Gate = {
    connections,
    tokens: tokenDigests(connections.values(), deps.secrets, deps.log),
    // Per-connection token bucket (core/http/rate-limit.ts), taken before authentication and body.
    limiter: new RateLimiter((id) => connections.get(id)?.rate_limit ?? DEFAULT_RATE_LIMIT, now),
    log: deps.log,
  };
  const proxies = trustedProxies(deps.trustedProxies ?? []);
  const durability = new Durability({
    store: deps.store,
    publish: deps.publish,
    log: deps.log,
    ackTimeoutMs: deps.ackTimeoutMs,
    stateWriteRetryDelaysMs: deps.stateWriteRetryDelaysMs ?? [100, 500, 2000],
    ...(deps.writer ? { fence: () => deps.writer!.fence() } : {}),
  });
  const svc: ScimContext = { store: deps.store, log: deps.log, now, maxBodyBytes: deps.maxBodyBytes, durability };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://scim.invalid');
    const match = ROUTE.exec(url.pathname);
    const connectionId = match?.[1] ?? '-';
    // Metric labels only for configured connections: a URL must not mint label values.
    const label = connections.has(connectionId) ? connectionId : 'unknown';
    const { send, fail } = createResponder({ req, res, log: deps.log, now, connectionId, label, path: url.pathname });
    let connection: Connection;
    try {
      connection = admit(gate, req, match, url.pathname);
    } catch (err) {
      return fail(err);
    }
    const ctx = requestContext(req, connection, proxies, send);
    const rest = (match![2] ?? '/').replace(/\/+$/, '') || '/';
    const call = { req, method: (req.method ?? 'GET').toUpperCase(), rest, params: url.searchParams };
    if (deps.writer && isWrite(call.method, rest) && !deps.writer.holds()) {
      req.resume();
      return send(standbyReply());
    }
    void route(svc, ctx, call).then((reply) => {
      if (reply) send(reply);
    }, fail);
  };
}
