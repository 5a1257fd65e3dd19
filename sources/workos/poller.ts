// The WorkOS Events API poller (pull): `GET /events` pages, oldest first, after a durable cursor.
// The pages are normalized by the same module as webhook deliveries (index.ts accepts an Events
// API page `{object:"list", data:[…]}`), and every event keeps its WorkOS id as event_id: an event
// that arrives both by webhook and through this API is ONE row downstream.
//
// Request: `Authorization: Bearer <API key>`, `events=<comma list>` (always sent: optional in the
// spec, required by the Node SDK's types; the default list is every type the mapper handles,
// WORKOS_EVENTS_API_TYPES, and createWorkosEventsPoller takes another), `order=asc`, `limit=100`,
// then `range_start=<ISO>` on the very first walk (ctx.since: the backfill's --since or the
// runner's initial look-back, clamped into WorkOS's 30-day retention) or `after=<event id>` once a
// page was acknowledged. Response `{object:"list", data, list_metadata:{after}}`.
//
// A walk ends on an empty page or when list_metadata.after is null. A page that is not JSON or not
// a list is a PageError (dead-lettered, fetched again next cycle). A cursor WorkOS refuses (400,
// 404 or 422 while `after` is set — e.g. an event id older than the retention) restarts the walk
// once per cycle from the last delivered event's created_at; the events re-delivered collapse.
// Requests go through ctx.fetch (the runner's retry/back-off policy); no SDK: @workos-inc/node's
// listEvents returns deserialized objects, and the raw envelope must keep the vendor's bytes.
import { z } from 'zod';
import { PageError, type PollContext, type PolledPage, type PollerModule } from '../../source-kit/poller.ts';
import { PollHttpError } from '../../source-kit/poll/fetch.ts';
import { MAPPED_EVENT_TYPES } from './map.ts';
import {
  advanceEventsCheckpoint,
  cursorQuery,
  describeEventsCheckpoint,
  restartWithoutCursor,
  resumeEventsCheckpoint,
  type EventKey,
} from './checkpoint.ts';

export const DEFAULT_BASE_URL = 'https://api.workos.com';
export const PAGE_LIMIT = 100;
export const EVENTS_CONTENT_TYPE = 'application/json; planewatch-listing=events';

/**
 * authentication.*_succeeded / *_failed types the mapper matches by pattern, spelled out because
 * the API filters on exact names. Only names a WorkOS SDK or spec lists.
 */
export const AUTHENTICATION_EVENT_TYPES: readonly string[] = [
  'authentication.email_verification_succeeded',
  'authentication.magic_auth_failed',
  'authentication.magic_auth_succeeded',
  'authentication.mfa_failed',
  'authentication.mfa_succeeded',
  'authentication.oauth_failed',
  'authentication.oauth_succeeded',
  'authentication.passkey_failed',
  'authentication.passkey_succeeded',
  'authentication.password_failed',
  'authentication.password_succeeded',
  'authentication.sso_failed',
  'authentication.sso_succeeded',
];

/** Every event type the WorkOS mapper handles (sorted): the default `events` parameter. */
export const WORKOS_EVENTS_API_TYPES: readonly string[] = [...new Set([...MAPPED_EVENT_TYPES, ...AUTHENTICATION_EVENT_TYPES])].sort();

export const EventsPageSchema = z.looseObject({
  object: z.literal('list'),
  data: z.array(z.unknown()),
  list_metadata: z.looseObject({ after: z.string().nullish(), before: z.string().nullish() }).nullish(),
});
export type EventsPage = z.infer<typeof EventsPageSchema>;

const EventKeySchema = z.object({ id: z.string().min(1), created_at: z.string().nullish() });

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Parses an Events API page; throws PageError for anything that is not `{object:"list", data:[…]}` JSON. */
export function parseEventsPage(body: Buffer): EventsPage {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new PageError(`events: body is not valid JSON (${(err as Error).message})`, body);
  }
  const parsed = EventsPageSchema.safeParse(json);
  if (!parsed.success) throw new PageError(`events: not an event list page: ${issues(parsed.error)}`, body);
  return parsed.data;
}

/** Cursor keys of a page's items (items without an id are dead-lettered by the normalizer). */
export function eventKeys(page: EventsPage): EventKey[] {
  const out: EventKey[] = [];
  for (const item of page.data) {
    const k = EventKeySchema.safeParse(item);
    if (k.success) out.push({ id: k.data.id, created_at: k.data.created_at ?? null });
  }
  return out;
}

export function eventsUrl(baseUrl: string, types: readonly string[], query: Record<string, string>): URL {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/events`);
  url.searchParams.set('events', types.join(','));
  url.searchParams.set('order', 'asc');
  url.searchParams.set('limit', String(PAGE_LIMIT));
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url;
}

const CURSOR_REFUSED = new Set([400, 404, 422]);

/** Event pages after ctx.checkpoint (or from ctx.since). */
export async function* eventPages(ctx: PollContext, types: readonly string[] = WORKOS_EVENTS_API_TYPES): AsyncGenerator<PolledPage> {
  const { checkpoint: start, problem } = resumeEventsCheckpoint(ctx.checkpoint, ctx.since, ctx.now());
  if (problem) ctx.log.warn({ problem }, 'WorkOS Events API checkpoint');
  let cp = start;
  let cursorReset = false;
  for (;;) {
    let body: Buffer;
    try {
      const res = await ctx.fetch(eventsUrl(ctx.baseUrl, types, cursorQuery(cp)), {
        method: 'GET',
        headers: { authorization: `Bearer ${ctx.apiKey}`, accept: 'application/json' },
      });
      body = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      if (cp.after && !cursorReset && err instanceof PollHttpError && err.status !== null && CURSOR_REFUSED.has(err.status)) {
        const restarted = restartWithoutCursor(cp, ctx.now());
        ctx.log.warn(
          { cursor: cp.after, range_start: restarted.range_start, error: err.message },
          'WorkOS refused the events cursor; restarting from the last delivered event time',
        );
        cp = restarted;
        cursorReset = true;
        continue;
      }
      throw err;
    }
    const page = parseEventsPage(body);
    const keys = eventKeys(page);
    let next = advanceEventsCheckpoint(cp, keys);
    if (page.data.length > 0 && keys.length === 0) {
      // No item carries an id: fall back on the API's own cursor, or the page cannot be passed.
      const after = page.list_metadata?.after;
      if (!after)
        throw new PageError('events: no event in the page has an id and list_metadata.after is empty: the cursor cannot move', body);
      next = { ...cp, after };
    }
    yield { body, contentType: EVENTS_CONTENT_TYPE, checkpoint: next, items: page.data.length, publish: page.data.length > 0 };
    if (page.data.length === 0 || !page.list_metadata?.after) return;
    if (next.after === cp.after)
      throw new PageError(`events: list_metadata.after is set but the cursor did not move (${String(next.after)})`, body);
    cp = next;
  }
}

export function createWorkosEventsPoller(opts: { eventTypes?: readonly string[] } = {}): PollerModule {
  const types = opts.eventTypes ?? WORKOS_EVENTS_API_TYPES;
  if (types.length === 0) throw new Error('WorkOS Events API poller: eventTypes must name at least one event type');
  return {
    defaultBaseUrl: DEFAULT_BASE_URL,
    pages: (ctx) => eventPages(ctx, types),
    describeCheckpoint: describeEventsCheckpoint,
  };
}

export const workosEventsPoller: PollerModule = createWorkosEventsPoller();
