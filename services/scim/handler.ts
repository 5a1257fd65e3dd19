// SCIM 2.0 service provider (RFC 7643 / 7644) at /scim/v2/<connection>/ for every enabled
// boundary-map connection with `vendor: scim, transport: scim`, so an IdP (Okta, Entra ID,
// OneLogin, JumpCloud) provisions straight into planewatch and planewatch sees the directory's
// truth.
//
// Authentication: `Authorization: Bearer <token>`, the token being the value of the connection's
// secret_env; compared as SHA-256 digests with timingSafeEqual (constant time whatever the length
// presented). Missing or wrong → 401 with a SCIM error body. Every endpoint requires it.
//
// Endpoints: Users and Groups (POST, GET by id, GET list with filter / startIndex / count /
// attributes / excludedAttributes, POST .search, PUT, PATCH, DELETE), ServiceProviderConfig,
// ResourceTypes, Schemas. Responses are application/scim+json; errors are RFC 7644 §3.12 bodies.
// Each resource carries meta {resourceType, created, lastModified, location, version} with a weak
// ETag W/"<n>" (n = the resource's version); If-Match is honoured on PUT / PATCH / DELETE (412 on
// mismatch) and If-None-Match on GET (304).
//
// A change is durable before it is acknowledged, in this order, under a per-connection lock:
//   1. compute the new state (validation, uniqueness, version = previous + 1);
//   2. publish its RawEnvelope (transport 'scim', source 'scim', body = the operation record of
//      sources/scim/payloads.ts, password-free) and wait for Kafka's acknowledgement (acks=all);
//   3. write the new version to ClickHouse (scim_resources), retried with backoff;
//   4. answer 2xx.
// Why Kafka first: the event stream is the record the detections use. Had the state been written
// first, a Kafka failure after it would leave a change with no event, and the client's retry
// would then find nothing to change (a PATCH active=false again is a no-op): the deprovision
// signal would be lost for good. With Kafka first, a failure before the ack changes nothing
// (503, the client retries); a failure of the state write after the ack answers 503 and logs an
// error (metric planewatch_scim_state_write_failures_total) — the client's retry recomputes the
// same version from the same previous state, so it yields the same event id (deduplicated
// downstream) and then writes the state: the two converge. Resource ids of POSTs are derived
// deterministically from (connection, type, unique name, n) for the same reason: a retried POST
// gets the same id. When Kafka is slower than the request's ack timeout the client gets 503 at
// once, but the lock is held until the publish settles: if it is acknowledged late the state is
// written then, so state and events still agree.
// A user's DELETE first removes the user from every group listing it, and a user's PUT / PATCH
// refreshes its stale member `display` in groups (cascade.ts): each group change is a change of
// its own (record published, then state written) under the same lock.
// The password attribute is removed right after the body is parsed (core/sources/redact.ts, sources/scim/password.ts) and
// is never stored, logged or forwarded; request bodies are never logged.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { BoundaryMap, Connection } from '../../core/config/boundary-map.ts';
import { rawEnvelopeId, type RawEnvelope } from '../../core/events/raw-envelope.ts';
import { stripSecrets } from '../../core/sources/redact.ts';
import { BodyTooLargeError, ClientAbortedError, MAX_JSON_DEPTH, jsonDepthExceeds, readBody } from '../../core/http/body.ts';
import { DEFAULT_RATE_LIMIT, RateLimiter } from '../../core/http/rate-limit.ts';
import { SCIM_RECORD_KIND, suppliesPassword, type MemberSummary, type ScimOperationRecord } from '../../sources/scim/index.ts';
import { invalidFilter, invalidSyntax, invalidValue, ScimError } from './errors.ts';
import { FilterSyntaxError, parseFilter } from './filter.ts';
import { filterToSql } from './filter-sql.ts';
import { scimRequests, scimStateWriteFailures } from './metrics.ts';
import { applyPatch } from './patch.ts';
import { displayRequest, removalRequest, withFreshDisplay, withoutMember } from './cascade.ts';
import { origin, trustedProxies } from './forwarded.ts';
import { declaredOnly } from './schema-check.ts';
import { memberSummaries, operationEnvelope, previousSummary } from './operation-record.ts';
import {
  assemble,
  bodyOf,
  canonicalizeResource,
  changedAttributes,
  etagOf,
  finishResource,
  isObj,
  lookupFields,
  memberIds,
  parseAttributeList,
  project,
  sameValue,
  type Meta,
  type Obj,
} from './resource.ts';
import {
  ALL_SCHEMAS,
  FEATURES,
  findAttr,
  MSG_LIST,
  MSG_SEARCH,
  RESOURCE_TYPES,
  RT_SCHEMA,
  SCHEMA_SCHEMA,
  SPC_SCHEMA,
  type ResourceType,
  type ResourceTypeDef,
} from './schema.ts';
import type { ScimStore, StoredResource } from './store.ts';

export const SCIM_CONTENT_TYPE = 'application/scim+json';
export const SCIM_PREFIX = '/scim/v2/';
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 200;
/** Largest startIndex passed to the store (its OFFSET is a UInt32); beyond it the page is empty anyway. */
export const MAX_START_INDEX = 2 ** 31;

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
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const ROUTE = /^\/scim\/v2\/([a-z0-9][a-z0-9_-]{0,62})(\/.*)?$/;

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function notFound(rt: ResourceTypeDef, id: string): ScimError {
  return new ScimError(404, null, `${rt.name} "${id}" not found`);
}

/** A UUID-shaped id (RFC 9562 version 8 layout) from a SHA-256 digest. */
function uuidFrom(parts: string[]): string {
  const b = createHash('sha256').update(parts.join('\0'), 'utf8').digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Weak comparison of an If-Match / If-None-Match list with the current version. */
function etagMatches(header: string, version: number): boolean {
  const current = String(version);
  return header.split(',').some((raw) => {
    const t = raw.trim();
    if (t === '*') return true;
    const m = /^(?:W\/)?"([^"]*)"$/.exec(t);
    return m !== null && m[1] === current;
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<{ kind: 'ok' } | { kind: 'timeout' } | { kind: 'error'; err: Error }> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => ({ kind: 'ok' as const }),
      (err: unknown) => ({ kind: 'error' as const, err: err instanceof Error ? err : new Error(String(err)) }),
    ),
    new Promise<{ kind: 'timeout' }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RequestContext {
  connection: Connection;
  base: string;
  userAgent: string | null;
  ip: string | null;
  headers: Record<string, string>;
}

export function createScimHandler(deps: ScimServiceDeps): RequestHandler {
  const now = deps.now ?? Date.now;
  const retryDelays = deps.stateWriteRetryDelaysMs ?? [100, 500, 2000];
  const connections = new Map<string, Connection>(
    deps.map.connections.filter((c) => c.enabled && c.vendor === 'scim' && c.transport === 'scim').map((c) => [c.id, c]),
  );
  const tokens = new Map<string, Buffer>();
  for (const c of connections.values()) {
    const token = deps.secrets.get(c.id);
    if (token) tokens.set(c.id, digest(token));
    else deps.log.warn({ connection: c.id }, 'SCIM connection has no bearer token (secret_env): every request to it will be refused');
  }
  const locks = new Map<string, Promise<void>>();
  const proxies = trustedProxies(deps.trustedProxies ?? []);
  // Per-connection token bucket (core/http/rate-limit.ts), taken before authentication and body.
  const limiter = new RateLimiter((id) => connections.get(id)?.rate_limit ?? DEFAULT_RATE_LIMIT, now);

  async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = prev.then(() => mine);
    locks.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (locks.get(key) === tail) locks.delete(key);
    }
  }

  return (req, res) => {
    const started = now();
    const url = new URL(req.url ?? '/', 'http://scim.invalid');
    const m = ROUTE.exec(url.pathname);
    const connectionId = m?.[1] ?? '-';
    // Metric labels only for configured connections: a URL must not mint label values.
    const label = connections.has(connectionId) ? connectionId : 'unknown';
    let answered = false;
    const send = (reply: Reply) => {
      if (answered || res.headersSent) return;
      answered = true;
      scimRequests.inc({ connection: label, method: req.method ?? '-', status: String(reply.status) });
      const headers: Record<string, string> = { ...(reply.headers ?? {}) };
      if (reply.body === undefined) {
        res.writeHead(reply.status, headers);
        res.end();
      } else {
        const text = JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'content-type': SCIM_CONTENT_TYPE, 'content-length': String(Buffer.byteLength(text)), ...headers });
        res.end(text);
      }
      deps.log.debug({ connection: connectionId, method: req.method, path: url.pathname, status: reply.status, ms: now() - started }, 'scim request');
    };
    const fail = (err: unknown) => {
      if (err instanceof ScimError) {
        if (err.status >= 500) deps.log.warn({ connection: connectionId, method: req.method, path: url.pathname, status: err.status, detail: err.detail }, 'scim request failed');
        req.resume();
        return send({ status: err.status, body: err.body(), headers: err.headers });
      }
      if (err instanceof ClientAbortedError) {
        // Nobody is left to answer: counted as 499 and logged at info, not as an internal error.
        answered = true;
        scimRequests.inc({ connection: label, method: req.method ?? '-', status: '499' });
        deps.log.info({ connection: connectionId, method: req.method, path: url.pathname }, 'client hung up before the request body was complete');
        return;
      }
      deps.log.error({ err, connection: connectionId, method: req.method, path: url.pathname }, 'scim handler failed');
      req.resume();
      return send({ status: 500, body: new ScimError(500, null, 'internal error').body() });
    };

    if (!m) return fail(new ScimError(404, null, `no such endpoint: ${url.pathname}`));
    const connection = connections.get(connectionId);
    if (!connection) return fail(new ScimError(404, null, `no SCIM connection "${connectionId}" (vendor scim, transport scim) in the boundary map`));
    const allowed = limiter.take(connection.id);
    if (!allowed.ok) {
      return fail(new ScimError(429, null, `connection "${connection.id}" is above its rate limit (${connection.rate_limit.per_second}/s, burst ${connection.rate_limit.burst}); retry later`, {
        'retry-after': String(allowed.retryAfterSeconds),
        connection: 'close',
      }));
    }
    const expected = tokens.get(connection.id);
    if (!expected) return fail(new ScimError(503, null, `SCIM connection "${connection.id}" has no bearer token configured (secret_env)`));
    const auth = req.headers.authorization ?? '';
    const presented = /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : '';
    if (!presented || !timingSafeEqual(digest(presented), expected)) {
      deps.log.warn({ connection: connection.id, reason: presented ? 'wrong token' : 'no bearer token' }, 'scim request rejected');
      return fail(new ScimError(401, null, presented ? 'the bearer token is not valid for this SCIM connection' : 'authentication required: Authorization: Bearer <token>', { 'www-authenticate': 'Bearer realm="planewatch-scim"' }));
    }

    const ctx: RequestContext = {
      connection,
      base: `${origin(req, proxies)}${SCIM_PREFIX}${connection.id}`,
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 256) : null,
      ip: req.socket.remoteAddress ?? null,
      headers: {},
    };
    for (const name of ['content-type', 'user-agent', 'x-request-id']) {
      const v = req.headers[name];
      if (typeof v === 'string') ctx.headers[name] = v.slice(0, 512);
    }
    void route(req, url, (m[2] ?? '/').replace(/\/+$/, '') || '/', ctx, send).then((reply) => {
      if (reply) send(reply);
    }, fail);
  };

  async function readJson(req: IncomingMessage): Promise<{ value: unknown; passwordSupplied: boolean }> {
    let raw: Buffer;
    try {
      raw = await readBody(req, deps.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) throw new ScimError(413, null, `request body exceeds ${deps.maxBodyBytes} bytes`, { connection: 'close' });
      throw err;
    }
    // Fault-suite fix: pathological nesting overflowed the recursive password stripping (500).
    if (jsonDepthExceeds(raw)) throw invalidSyntax(`body: nested deeper than ${MAX_JSON_DEPTH} levels`);
    let text = raw.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') throw invalidSyntax('body: expected a JSON object, got an empty body');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The parser's message quotes the input (which may hold a password): never pass it on.
      throw invalidSyntax('body: not valid JSON');
    }
    // Fault-suite fix (test/fuzz/scim.test.ts): JSON may escape a lone UTF-16 surrogate ("\ud800"),
    // which is not Unicode. Such a string reached the state write after the change event was
    // already published, ClickHouse refused it ("missing second part of surrogate pair") on every
    // retry, and the client got 503 forever while events and state disagreed. Refused here, first.
    const bad = illFormedString(parsed);
    if (bad !== null) throw invalidValue(`${bad}: not valid Unicode (a lone UTF-16 surrogate)`);
    // The one redaction policy (core/sources/redact.ts): passwords and every other secret go here.
    return { value: stripSecrets(parsed).value, passwordSupplied: suppliesPassword(parsed) };
  }

  async function route(req: IncomingMessage, url: URL, rest: string, ctx: RequestContext, send: (r: Reply) => void): Promise<Reply | null> {
    let segments: string[];
    try {
      segments = rest.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    } catch {
      throw new ScimError(404, null, `no such endpoint: ${rest} (malformed percent-encoding)`);
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const first = segments[0]?.toLowerCase();
    const only = (allowed: string[]) => {
      if (!allowed.includes(method)) throw new ScimError(405, null, `${method} is not supported on ${rest}; use ${allowed.join(', ')}`, { allow: allowed.join(', ') });
    };

    if (first === 'serviceproviderconfig' && segments.length === 1) {
      only(['GET']);
      req.resume();
      return { status: 200, body: serviceProviderConfig(ctx.base) };
    }
    if (first === 'resourcetypes' && segments.length <= 2) {
      only(['GET']);
      req.resume();
      const all = Object.values(RESOURCE_TYPES).map((rt) => resourceTypeResource(rt, ctx.base));
      if (segments.length === 1) return { status: 200, body: listResponse(all, all.length, 1) };
      const one = all.find((r) => String(r.id).toLowerCase() === segments[1]!.toLowerCase());
      if (!one) throw new ScimError(404, null, `resource type "${segments[1]}" not found`);
      return { status: 200, body: one };
    }
    if (first === 'schemas' && segments.length <= 2) {
      only(['GET']);
      req.resume();
      const all = ALL_SCHEMAS.map((s) => ({ schemas: [SCHEMA_SCHEMA], ...s, meta: { resourceType: 'Schema', location: `${ctx.base}/Schemas/${s.id}` } }));
      if (segments.length === 1) return { status: 200, body: listResponse(all, all.length, 1) };
      const one = all.find((s) => s.id.toLowerCase() === segments[1]!.toLowerCase());
      if (!one) throw new ScimError(404, null, `schema "${segments[1]}" not found`);
      return { status: 200, body: one };
    }
    if (first === 'bulk' && segments.length === 1) {
      only(['POST']);
      req.resume();
      // RFC 7644 §3.12 (Table 8): 501 when the service provider does not support the operation.
      if (!FEATURES.bulk) throw new ScimError(501, null, 'bulk operations are not supported (ServiceProviderConfig bulk.supported is false)');
    }
    const rt = first === 'users' ? RESOURCE_TYPES.User : first === 'groups' ? RESOURCE_TYPES.Group : null;
    if (!rt || segments.length > 2) throw new ScimError(404, null, `no such endpoint: ${rest}`);

    if (segments.length === 1) {
      only(['GET', 'POST']);
      if (method === 'GET') {
        req.resume();
        refuseSorting(url.searchParams.has('sortBy') || url.searchParams.has('sortOrder'));
        return list(ctx, rt, {
          filter: url.searchParams.get('filter'),
          startIndex: url.searchParams.get('startIndex'),
          count: url.searchParams.get('count'),
          attributes: parseAttributeList(url.searchParams.get('attributes')),
          excluded: parseAttributeList(url.searchParams.get('excludedAttributes')),
        });
      }
      const { value, passwordSupplied } = await readJson(req);
      return mutate(ctx, rt, { method: 'POST', path: rt.endpoint, id: null, request: value, passwordSupplied, ifMatch: null }, send);
    }
    const id = segments[1]!;
    if (id === '.search') {
      only(['POST']);
      const { value } = await readJson(req);
      return search(ctx, rt, value);
    }
    only(['GET', 'PUT', 'PATCH', 'DELETE']);
    const path = `${rt.endpoint}/${id}`;
    const ifMatch = typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : null;
    if (method === 'GET') {
      req.resume();
      const stored = await deps.store.get(ctx.connection.id, rt.name, id);
      if (!stored || stored.deleted) throw notFound(rt, id);
      const inm = req.headers['if-none-match'];
      if (typeof inm === 'string' && etagMatches(inm, stored.version)) return { status: 304, headers: { etag: etagOf(stored.version) } };
      const [rendered] = await render(ctx, rt, [stored]);
      return {
        status: 200,
        body: project(rendered!, parseAttributeList(url.searchParams.get('attributes')), parseAttributeList(url.searchParams.get('excludedAttributes'))),
        headers: { etag: etagOf(stored.version) },
      };
    }
    if (method === 'DELETE') {
      req.resume();
      return mutate(ctx, rt, { method: 'DELETE', path, id, request: null, passwordSupplied: false, ifMatch }, send);
    }
    const { value, passwordSupplied } = await readJson(req);
    return mutate(ctx, rt, { method: method as 'PUT' | 'PATCH', path, id, request: value, passwordSupplied, ifMatch }, send);
  }

  // --- reads -------------------------------------------------------------------------------------

  async function render(ctx: RequestContext, rt: ResourceTypeDef, stored: StoredResource[]): Promise<Obj[]> {
    const groups = rt.name === 'User' ? await deps.store.groupsOf(ctx.connection.id, stored.map((s) => s.id)) : new Map();
    return stored.map((s) => {
      const { meta, ...rest } = s.resource;
      const out: Obj = { ...rest };
      const g = groups.get(s.id);
      if (g?.length) {
        out.groups = g.map((x: { id: string; displayName: string | null }) => ({
          value: x.id,
          $ref: `${ctx.base}/Groups/${x.id}`,
          ...(x.displayName ? { display: x.displayName } : {}),
          type: 'direct',
        }));
      }
      out.meta = { ...(isObj(meta) ? meta : {}), location: `${ctx.base}${rt.endpoint}/${s.id}` };
      return out;
    });
  }

  function parseIndex(v: string | null, name: string): number | null {
    if (v === null || v.trim() === '') return null;
    if (!/^-?\d+$/.test(v.trim())) throw invalidValue(`${name}: expected an integer, got "${v.slice(0, 20)}"`);
    return Number(v.trim());
  }

  async function list(
    ctx: RequestContext,
    rt: ResourceTypeDef,
    q: { filter: string | null; startIndex: string | number | null; count: string | number | null; attributes: string[] | null; excluded: string[] | null },
  ): Promise<Reply> {
    let where = null;
    if (q.filter !== null && q.filter.trim() !== '') {
      try {
        where = filterToSql(rt.name, parseFilter(q.filter));
      } catch (err) {
        if (err instanceof FilterSyntaxError) throw invalidFilter(`filter: ${err.message}`);
        throw err;
      }
    }
    // Fault-suite fix (test/fuzz/scim.test.ts): a huge startIndex (e.g. 99999999999999999999) went
    // into the OFFSET {offset:UInt32} parameter and failed the query (500). Clamped: an index past
    // every resource is an empty page (RFC 7644 §3.4.2.4) whatever its size.
    const start = Math.min(MAX_START_INDEX, Math.max(1, (typeof q.startIndex === 'number' ? q.startIndex : parseIndex(q.startIndex, 'startIndex')) ?? 1));
    const rawCount = (typeof q.count === 'number' ? q.count : parseIndex(q.count, 'count')) ?? DEFAULT_PAGE_SIZE;
    const count = Math.min(MAX_PAGE_SIZE, Math.max(0, rawCount));
    const page = await deps.store.list(ctx.connection.id, rt.name, where, start, count);
    const rendered = (await render(ctx, rt, page.rows)).map((r) => project(r, q.attributes, q.excluded));
    return { status: 200, body: listResponse(rendered, page.total, start) };
  }

  async function search(ctx: RequestContext, rt: ResourceTypeDef, body: unknown): Promise<Reply> {
    if (!isObj(body)) throw invalidSyntax('body: expected a SearchRequest object');
    const schemas = body.schemas;
    if (schemas !== undefined && !(Array.isArray(schemas) && schemas.includes(MSG_SEARCH))) throw invalidSyntax(`schemas: expected ["${MSG_SEARCH}"]`);
    refuseSorting(body.sortBy !== undefined || body.sortOrder !== undefined);
    const str = (v: unknown, name: string) => {
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string') throw invalidValue(`${name}: expected a string`);
      return v;
    };
    const num = (v: unknown, name: string) => {
      if (v === undefined || v === null) return null;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidValue(`${name}: expected an integer`);
      return v;
    };
    const names = (v: unknown, name: string) => {
      if (v === undefined || v === null) return null;
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalidValue(`${name}: expected an array of attribute names`);
      return v as string[];
    };
    return list(ctx, rt, {
      filter: str(body.filter, 'filter'),
      startIndex: num(body.startIndex, 'startIndex'),
      count: num(body.count, 'count'),
      attributes: names(body.attributes, 'attributes'),
      excluded: names(body.excludedAttributes, 'excludedAttributes'),
    });
  }

  // --- writes ------------------------------------------------------------------------------------

  interface Mutation {
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    path: string;
    id: string | null;
    request: unknown;
    passwordSupplied: boolean;
    ifMatch: string | null;
    /** A change the provider makes itself (cascade.ts): the new attributes from the current ones. */
    compute?: (current: Obj) => Obj;
    /** The client request that implied this change, e.g. "DELETE /Users/<id>". */
    impliedBy?: string;
  }

  /** The live resource `id`, checked against If-Match (404 / 412). */
  async function current(conn: string, rt: ResourceTypeDef, id: string, ifMatch: string | null): Promise<StoredResource> {
    const prev = await deps.store.get(conn, rt.name, id);
    if (!prev || prev.deleted) throw notFound(rt, id);
    if (ifMatch !== null && !etagMatches(ifMatch, prev.version)) {
      throw new ScimError(412, null, `${rt.name} "${id}" has changed: its version is ${etagOf(prev.version)}, If-Match asked for ${ifMatch.slice(0, 80)}`, { etag: etagOf(prev.version) });
    }
    return prev;
  }

  /**
   * Applies `edit` to every live group listing `userId`, each as a change of its own (published,
   * then stored). False when a publish outlasted the ack timeout: the client was answered 503.
   */
  async function editGroupsOf(ctx: RequestContext, userId: string, edit: Pick<Mutation, 'compute' | 'request' | 'impliedBy'>, send: (r: Reply) => void): Promise<boolean> {
    const groups = (await deps.store.groupsOf(ctx.connection.id, [userId])).get(userId) ?? [];
    for (const g of groups) {
      const path = `${RESOURCE_TYPES.Group.endpoint}/${g.id}`;
      const done = await change(ctx, RESOURCE_TYPES.Group, { method: 'PATCH', path, id: g.id, passwordSupplied: false, ifMatch: null, ...edit }, send);
      if (done.reply === null) return false;
    }
    return true;
  }

  async function mutate(ctx: RequestContext, rt: ResourceTypeDef, mu: Mutation, send: (r: Reply) => void): Promise<Reply | null> {
    return withLock(ctx.connection.id, async () => {
      const userId = rt.name === 'User' ? mu.id : null;
      if (userId !== null && mu.method === 'DELETE') {
        // The groups first: if this fails the user is still there and the client's retry redoes it.
        await current(ctx.connection.id, rt, userId, mu.ifMatch);
        const removal = { compute: (g: Obj) => withoutMember(g, userId), request: removalRequest(userId), impliedBy: `DELETE ${rt.endpoint}/${userId}` };
        if (!(await editGroupsOf(ctx, userId, removal, send))) return null;
      }
      const done = await change(ctx, rt, mu, send);
      if (userId !== null && done.reply !== null && done.body !== null && (mu.method === 'PUT' || mu.method === 'PATCH')) {
        // Also after a no-op: a retry after a failed group write converges.
        const user = done.body;
        const rename = { compute: (g: Obj) => withFreshDisplay(g, userId, user), request: displayRequest(userId, user), impliedBy: `${mu.method} ${rt.endpoint}/${userId}` };
        if (!(await editGroupsOf(ctx, userId, rename, send))) return null;
      }
      return done.reply;
    });
  }

  async function allocateId(connectionId: string, rt: ResourceTypeDef, uniqueLc: string): Promise<string> {
    for (let round = 0; round < 4; round++) {
      const candidates = Array.from({ length: 16 }, (_, i) => uuidFrom([connectionId, rt.name, uniqueLc, String(round * 16 + i)]));
      const used = await deps.store.usedIds(connectionId, rt.name, candidates);
      const free = candidates.find((c) => !used.has(c));
      if (free) return free;
    }
    return randomUUID();
  }

  /** One change of one resource, the connection's lock held: computed, published, stored. */
  async function change(ctx: RequestContext, rt: ResourceTypeDef, mu: Mutation, send: (r: Reply) => void): Promise<{ reply: Reply | null; body: Obj | null }> {
    const conn = ctx.connection.id;
    const at = now();
    const prev = mu.id !== null ? await current(conn, rt, mu.id, mu.ifMatch) : null;
    const prevBody = prev ? bodyOf(prev.resource) : null;
    let body: Obj | null;
    if (mu.compute) body = mu.compute(prevBody!);
    else if (mu.method === 'POST' || mu.method === 'PUT') body = canonicalizeResource(rt, mu.request);
    else if (mu.method === 'PATCH') {
      const patched = applyPatch(rt, declaredOnly(rt, prevBody!), mu.request);
      body = canonicalizeResource(rt, patched.body);
      if (patched.passwordSupplied) mu.passwordSupplied = true;
    } else body = null;
    if (body) finishResource(rt, body);

    if (prev && body && sameValue(body, prevBody)) {
      // Nothing changes (e.g. a repeated PATCH active=false): no new version, no event.
      const [rendered] = await render(ctx, rt, [prev]);
      return { reply: { status: 200, body: rendered, headers: { etag: etagOf(prev.version) } }, body };
    }

    const nameLc = body ? String(body[rt.nameAttr]).toLowerCase() : '';
    // RFC 7643 §2.1 uniqueness: "server" is enforced; "none" (Group displayName) allows duplicates.
    if (body && findAttr(rt.schema.attributes, rt.nameAttr)?.uniqueness !== 'none') {
      const other = await deps.store.conflict(conn, rt.name, nameLc, prev?.id ?? null);
      if (other) throw new ScimError(409, 'uniqueness', `${rt.nameAttr} "${String(body[rt.nameAttr])}" is already used by another ${rt.name}`);
    }
    const id = prev?.id ?? (await allocateId(conn, rt, nameLc));
    const version = (prev?.version ?? 0) + 1;
    const createdAt = prev?.createdAt ?? at;
    const meta: Meta = { resourceType: rt.name, created: iso(createdAt), lastModified: iso(at), version: etagOf(version) };
    const stored: Obj = body ? assemble(rt, id, body, meta) : { ...prev!.resource, meta };

    const prevMembers = rt.name === 'Group' ? memberIds(prevBody) : [];
    const newMembers = rt.name === 'Group' && body ? memberIds(body) : [];
    const added = body ? newMembers.filter((x) => !prevMembers.includes(x)) : [];
    const removed = body ? prevMembers.filter((x) => !newMembers.includes(x)) : [];
    const elements = [...((body?.members as Obj[] | undefined) ?? []), ...((prevBody?.members as Obj[] | undefined) ?? [])].filter(isObj);
    const changedIds = [...added, ...removed];
    const summaries = memberSummaries(changedIds, elements, changedIds.length ? await deps.store.getMany(conn, changedIds) : new Map());

    let result: Obj | null = null;
    if (body) {
      if (rt.name === 'Group') {
        const { members: _members, ...rest } = stored;
        result = { ...rest, members_count: newMembers.length };
      } else result = stored;
    }
    const record: ScimOperationRecord = {
      kind: SCIM_RECORD_KIND,
      v: 1,
      connection: conn,
      method: mu.method,
      path: mu.method === 'POST' ? rt.endpoint : `${rt.endpoint}/${id}`,
      resource_type: rt.name,
      resource_id: id,
      status: mu.method === 'POST' ? 201 : mu.method === 'DELETE' ? 204 : 200,
      version,
      at,
      request: mu.request ?? null,
      password_supplied: mu.passwordSupplied,
      ...(mu.impliedBy ? { implied_by: mu.impliedBy } : {}),
      result,
      previous: prev ? previousSummary(rt, prev.version, prevBody!) : null,
      changes: {
        attributes: body ? changedAttributes(prevBody, body) : [],
        members_added: summaries.filter((s) => added.includes(s.id)),
        members_removed: summaries.filter((s) => removed.includes(s.id)),
      },
      client: { user_agent: ctx.userAgent, ip: ctx.ip },
    };
    const envelope = operationEnvelope(record, ctx.headers);
    const row = { connectionId: conn, type: rt.name as ResourceType, id, version, deleted: body === null, resource: stored, createdAt, updatedAt: at, lookup: lookupFields(rt, body ?? bodyOf(prev!.resource)) };
    const where = { connection: conn, resource_type: rt.name, id, version, raw_id: envelope.id };

    // 1. Kafka acknowledgement.
    const publishing = deps.publish(envelope);
    const acked = await withTimeout(publishing, deps.ackTimeoutMs);
    if (acked.kind === 'error') {
      deps.log.warn({ ...where, err: acked.err }, 'SCIM change not published: nothing was changed');
      throw new ScimError(503, null, 'the event bus is unavailable; nothing was changed, retry later', { 'retry-after': '5' });
    }
    if (acked.kind === 'timeout') {
      // Answer now, but keep the lock until the publish settles so state and events agree.
      send({ status: 503, body: new ScimError(503, null, 'the event bus did not acknowledge the change in time; retry later').body(), headers: { 'retry-after': '5' } });
      const late = await withTimeout(publishing, 120_000);
      if (late.kind !== 'ok') {
        deps.log.warn({ ...where, outcome: late.kind }, 'SCIM change not published (ack timeout): nothing was changed');
        return { reply: null, body: null };
      }
      deps.log.warn(where, 'SCIM change acknowledged by Kafka after the client was answered 503: writing its state now');
    }

    // 2. State, retried: the event is already durable.
    let lastErr: unknown;
    for (let attempt = 0; attempt <= retryDelays.length; attempt++) {
      try {
        await deps.store.write(row);
        lastErr = undefined;
        break;
      } catch (err) {
        lastErr = err;
        if (attempt < retryDelays.length) await sleep(retryDelays[attempt]!);
      }
    }
    if (lastErr !== undefined) {
      scimStateWriteFailures.inc({ connection: conn });
      deps.log.error(
        { ...where, err: lastErr },
        'SCIM state write failed after its change event was acknowledged by Kafka: state lags the event stream until the client retries (same version, same event id)',
      );
      throw new ScimError(503, null, 'the state store is unavailable; retry later', { 'retry-after': '5' });
    }
    if (acked.kind === 'timeout') return { reply: null, body: null };

    if (mu.method === 'DELETE') return { reply: { status: 204 }, body: null };
    const [rendered] = await render(ctx, rt, [{ connectionId: conn, type: rt.name, id, version, deleted: false, resource: stored, createdAt, updatedAt: at }]);
    const headers: Record<string, string> = { etag: etagOf(version) };
    if (mu.method === 'POST') headers.location = `${ctx.base}${rt.endpoint}/${id}`;
    return { reply: { status: mu.method === 'POST' ? 201 : 200, body: rendered, headers }, body };
  }
}

/** RFC 7644 §3.12 (Table 8): 501 for an operation the service provider does not support. */
function refuseSorting(asked: boolean): void {
  if (asked && !FEATURES.sort) throw new ScimError(501, null, 'sorting (sortBy / sortOrder) is not supported (ServiceProviderConfig sort.supported is false)');
}

function listResponse(resources: unknown[], total: number, startIndex: number): Obj {
  return { schemas: [MSG_LIST], totalResults: total, itemsPerPage: resources.length, startIndex, Resources: resources };
}

function serviceProviderConfig(base: string): Obj {
  return {
    schemas: [SPC_SCHEMA],
    patch: { supported: FEATURES.patch },
    bulk: { supported: FEATURES.bulk, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: FEATURES.filter, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: FEATURES.changePassword },
    sort: { supported: FEATURES.sort },
    etag: { supported: FEATURES.etag },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authorization: Bearer <token>, the token configured for this connection (secret_env)',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

function resourceTypeResource(rt: ResourceTypeDef, base: string): Obj & { id: string } {
  return {
    schemas: [RT_SCHEMA],
    id: rt.name,
    name: rt.name,
    endpoint: rt.endpoint,
    description: rt.description,
    schema: rt.schema.id,
    schemaExtensions: rt.extensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${rt.name}` },
  };
}

/** Path of the first key or string that is not well-formed UTF-16 (a lone surrogate), or null. Depth is bounded by MAX_JSON_DEPTH. */
function illFormedString(v: unknown, where = 'body'): string | null {
  const ok = (t: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(t);
  if (typeof v === 'string') return ok(v) ? null : where;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = illFormedString(v[i], `${where}[${i}]`);
      if (r) return r;
    }
    return null;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (!ok(k)) return `${where} (a member name)`;
      const r = illFormedString(x, `${where}.${k.slice(0, 40)}`);
      if (r) return r;
    }
  }
  return null;
}
