// The Okta System Log poller (pull): `GET {org}/api/v1/logs` in polling mode, following Okta's
// `Link: <…>; rel="next"` URLs; the checkpoint (checkpoint.ts) is the next link of the last page
// Kafka acknowledged. Pages are mapped by the same code as event hook deliveries (index.ts accepts
// a System Log page, a JSON array of LogEvents), and every event keeps its `uuid` as event_id: an
// event fetched twice (a page re-fetched after a crash, a backfill overlapping the live poller) or
// delivered by a hook as well is ONE row downstream.
//
// Connection: `base_url` is the org URL (`https://acme.okta.com`; a trailing `/api/v1` is
// tolerated); there is no default. The token comes from `api_key_env`. The boundary map has no
// per-connection auth-scheme setting, so the scheme follows the token's form:
// - a value that already starts with `SSWS ` or `Bearer ` is sent as given;
// - a JWT (three dot-separated base64url parts, `eyJ…`: an OAuth 2.0 access token with the
//   okta.logs.read scope) is sent as `Bearer <token>`;
// - anything else (an API token from Admin > Security > API > Tokens) as `SSWS <token>`.
// (DPoP-bound access tokens are not supported: they need a signed proof per request.)
//
// Requests: the first walk asks `?since=<ISO>&limit=100&sortOrder=ASCENDING` (since = the
// backfill's --since or the runner's initial look-back, clamped into Okta's 90-day retention) —
// never `until`, which would make it a bounded query ordered by `published` that misses late events.
// Then the next link, verbatim, after checking it stays on the org's origin and the
// `/api/v1/logs` path (the token goes with every request). limit 100 is Okta's default: a page of
// 100 LogEvents stays well under Kafka's default 1 MB message size, and 100 events × the 60
// requests/min a token gets of the org's 120/min bucket is 6,000 events/min.
//
// A walk (one cycle) ends on an EMPTY page: Okta's "caught up for now". Its next link is kept as
// the checkpoint and nothing is published. A page that is not a JSON array, a non-empty page without
// a next link (Okta always sends one when polling), or a next link that did not move or leaves the
// org is a PageError: dead-lettered, and the same page is fetched again next cycle. A next link
// Okta refuses (400/404/422) restarts the walk once per cycle from the highest `published`
// delivered (checkpoint.ts explains why that loses nothing).
//
// Tenant: the org host travels with the bytes in the envelope's content type,
// `application/json; okta-org=acme.okta.com`, so polled events get the same tenant_id (and
// plane_keys.organization_id) as hook deliveries, whose envelope names the org in `source`.
// 429: source-kit/poll/fetch.ts honours Retry-After and, when absent, Okta's X-Rate-Limit-Reset.
import { bodyText } from '../../source-kit/json-body.ts';
import { PageError, type PollContext, type PolledPage, type PollerModule } from '../../source-kit/poller.ts';
import { PollHttpError } from '../../source-kit/poll/fetch.ts';
import { oktaOrgHost } from './map.ts';
import { nextLinkOf } from '../../source-kit/link-header.ts';
import {
  advanceSystemLogCheckpoint,
  describeSystemLogCheckpoint,
  restartWithoutCursor,
  resumeSystemLogCheckpoint,
  type LogEventKey,
} from './checkpoint.ts';

export const PAGE_LIMIT = 100;
export const SYSTEM_LOG_PATH = '/api/v1/logs';
/** Content-type parameter carrying the Okta org host of a polled page. */
export const ORG_PARAM = 'okta-org';

const CURSOR_REFUSED = new Set([400, 404, 422]);

// ---------------------------------------------------------------------------------------------
// content type

/** Content type of a System Log page envelope: `application/json; okta-org=<host>` (no parameter without a host). */
export function systemLogContentType(orgHost: string | null): string {
  return orgHost ? `application/json; ${ORG_PARAM}=${orgHost}` : 'application/json';
}

/** The Okta org host named by a content type's `okta-org` parameter; null when absent or not a host. */
export function orgFromContentType(contentType: string | null | undefined): string | null {
  for (const part of (contentType ?? '').split(';').slice(1)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() !== ORG_PARAM) continue;
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    return oktaOrgHost(value);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// authorization

const JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The Authorization header value for a token from api_key_env (see the header for the rules). */
export function oktaAuthorization(token: string): string {
  const t = token.trim();
  const explicit = /^(SSWS|Bearer)\s+(\S.*)$/i.exec(t);
  if (explicit) return `${explicit[1]!.toUpperCase() === 'SSWS' ? 'SSWS' : 'Bearer'} ${explicit[2]!.trim()}`;
  return JWT.test(t) ? `Bearer ${t}` : `SSWS ${t}`;
}

/** The scheme oktaAuthorization picks, for logs and status (never the token). */
export function oktaAuthScheme(token: string): 'SSWS' | 'Bearer' {
  return oktaAuthorization(token).startsWith('SSWS ') ? 'SSWS' : 'Bearer';
}

// Link header (RFC 8288): source-kit/link-header.ts, shared with the GitHub poller.
export { parseLinkHeader, nextLinkOf, type LinkValue } from '../../source-kit/link-header.ts';

// ---------------------------------------------------------------------------------------------
// URLs

/** The org URL without trailing slashes or a trailing `/api/v1`. Throws when there is none. */
export function orgBaseUrl(baseUrl: string, connectionId = '?'): string {
  const base = baseUrl
    .trim()
    .replace(/\/+$/, '')
    .replace(/\/api\/v1$/i, '');
  if (!base) {
    throw new Error(`connection "${connectionId}": base_url is required for the Okta System Log: the org URL, e.g. https://acme.okta.com`);
  }
  return base;
}

export function firstPageUrl(base: string, sinceIso: string, limit = PAGE_LIMIT): string {
  const url = new URL(`${base}${SYSTEM_LOG_PATH}`);
  url.searchParams.set('since', sinceIso);
  url.searchParams.set('limit', String(limit));
  url.searchParams.set('sortOrder', 'ASCENDING');
  return url.toString();
}

/** Whether `url` is the System Log endpoint of the org at `base` (same origin, same path). */
export function isSystemLogUrl(url: string, base: string): boolean {
  try {
    const u = new URL(url);
    const b = new URL(base);
    return (
      (u.protocol === 'https:' || u.protocol === 'http:') &&
      u.origin === b.origin &&
      u.pathname.replace(/\/+$/, '') === `${b.pathname.replace(/\/+$/, '')}${SYSTEM_LOG_PATH}`
    );
  } catch {
    return false;
  }
}

/** The next link resolved against the request URL; a PageError when it leaves the org's System Log endpoint. */
export function checkNextLink(link: string, requestUrl: string, base: string, body: Buffer): string {
  let resolved: string;
  try {
    resolved = new URL(link, requestUrl).toString();
  } catch {
    throw new PageError(`Link rel="next" is not a URL (${JSON.stringify(link.slice(0, 200))})`, body);
  }
  if (!isSystemLogUrl(resolved, base)) {
    const u = new URL(resolved);
    throw new PageError(
      `Link rel="next" points at ${u.origin}${u.pathname}, not at ${base}${SYSTEM_LOG_PATH}: not followed (the token would go with it)`,
      body,
    );
  }
  return resolved;
}

// ---------------------------------------------------------------------------------------------
// pages

/** A System Log page: a JSON array (of LogEvents; each item is checked by the normalizer). */
export function parseSystemLogPage(body: Buffer): unknown[] {
  let json: unknown;
  try {
    json = JSON.parse(bodyText(body));
  } catch (err) {
    throw new PageError(`system log: body is not valid JSON (${(err as Error).message})`, body);
  }
  if (!Array.isArray(json)) {
    const what = json === null ? 'null' : typeof json === 'object' ? 'object' : typeof json;
    throw new PageError(`system log: expected a JSON array of LogEvents, received ${what}`, body);
  }
  return json;
}

/** uuid/published of the items that have a uuid (the others are dead-lettered by the normalizer). */
export function eventKeys(items: readonly unknown[]): LogEventKey[] {
  const out: LogEventKey[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    const { uuid, published } = item as Record<string, unknown>;
    if (typeof uuid !== 'string' || uuid.length === 0) continue;
    out.push({ uuid, published: typeof published === 'string' && !Number.isNaN(Date.parse(published)) ? published : null });
  }
  return out;
}

const sameUrl = (a: string, b: string): boolean => {
  try {
    return new URL(a).toString() === new URL(b).toString();
  } catch {
    return a === b;
  }
};

/** System Log pages after ctx.checkpoint (or from ctx.since), until Okta has nothing more (an empty page). */
export async function* systemLogPages(ctx: PollContext, limit = PAGE_LIMIT): AsyncGenerator<PolledPage> {
  const base = orgBaseUrl(ctx.baseUrl, ctx.connection.id);
  const { checkpoint: start, problem } = resumeSystemLogCheckpoint(ctx.checkpoint, ctx.since, ctx.now());
  if (problem) ctx.log.warn({ problem }, 'Okta System Log checkpoint');
  let cp = start;
  if (cp.next && !isSystemLogUrl(cp.next, base)) {
    const restarted = restartWithoutCursor(cp, ctx.now());
    ctx.log.warn(
      { base, since: restarted.since },
      "the stored System Log next link is not on the connection's org URL (base_url changed?); restarting from the latest published time delivered",
    );
    cp = restarted;
  }
  const contentType = systemLogContentType(oktaOrgHost(base));
  const headers = { authorization: oktaAuthorization(ctx.apiKey), accept: 'application/json' };
  ctx.log.debug({ scheme: oktaAuthScheme(ctx.apiKey), from: cp.next ? 'next link' : `since ${cp.since}` }, 'Okta System Log walk');
  let cursorReset = false;
  for (;;) {
    const url = cp.next ?? firstPageUrl(base, cp.since, limit);
    let res: Response;
    try {
      res = await ctx.fetch(url, { method: 'GET', headers });
    } catch (err) {
      if (cp.next && !cursorReset && err instanceof PollHttpError && err.status !== null && CURSOR_REFUSED.has(err.status)) {
        const restarted = restartWithoutCursor(cp, ctx.now());
        ctx.log.warn(
          { since: restarted.since, error: err.message },
          'Okta refused the stored System Log next link; restarting from the latest published time delivered',
        );
        cp = restarted;
        cursorReset = true;
        continue;
      }
      throw err;
    }
    const body = Buffer.from(await res.arrayBuffer());
    const items = parseSystemLogPage(body);
    const link = nextLinkOf(res.headers.get('link'));
    const next = link === null ? null : checkNextLink(link, url, base, body);
    if (items.length === 0) {
      // Caught up for now: keep the next link (or the URL just asked) for the next cycle.
      yield { body, contentType, checkpoint: advanceSystemLogCheckpoint(cp, [], next), items: 0, publish: false };
      return;
    }
    if (next === null) {
      throw new PageError(
        `system log: a page of ${items.length} event${items.length === 1 ? '' : 's'} has no Link rel="next" (Okta always sends one when polling)`,
        body,
      );
    }
    if (sameUrl(next, url)) {
      throw new PageError(
        `system log: Link rel="next" is the URL just fetched although the page held ${items.length} event${items.length === 1 ? '' : 's'}: the cursor did not move`,
        body,
      );
    }
    cp = advanceSystemLogCheckpoint(cp, eventKeys(items), next);
    yield { body, contentType, checkpoint: cp, items: items.length };
  }
}

export function createOktaSystemLogPoller(opts: { limit?: number } = {}): PollerModule {
  const limit = opts.limit ?? PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new Error(`Okta System Log poller: limit must be an integer from 1 to 1000, got ${limit}`);
  return {
    // Every Okta org has its own URL: base_url is required (orgBaseUrl says so when it is missing).
    defaultBaseUrl: '',
    pages: (ctx) => systemLogPages(ctx, limit),
    describeCheckpoint: describeSystemLogCheckpoint,
  };
}

export const oktaSystemLogPoller: PollerModule = createOktaSystemLogPoller();
