// The Anthropic Admin API inventory poller: one complete snapshot of the organisation's users,
// invites, API keys, workspaces (archived included), members of each live workspace, and service
// accounts where the credential may list them.
//
// Requests go through the official `@anthropic-ai/sdk` (1.14.0), whose `client.beta.organization.*`
// resources build the URLs (`/v1/organizations/...`, path escaping, query encoding). We take each
// page with `.asResponse()` — the unread HTTP response — so the RawEnvelope body is the vendor's
// bytes (see "Key material" below); we never use the SDK's auto-pagination (we walk the cursors
// ourselves) nor its retries (maxRetries 0; ctx.fetch, passed as the SDK's `fetch`, applies the
// runner's policy).
// Headers: the Admin API scheme (docs/vendors/anthropic.md), `x-api-key: <admin key>` and
// `anthropic-version: 2023-06-01`, set as default headers; the SDK's own `Authorization: Bearer`
// is removed (`authorization: null`). Passing the key explicitly keeps the SDK from looking for
// credentials anywhere else (environment, profiles).
//
// Key material: the poll runner passes every page through the one redaction policy
// (source-kit/redact.ts) before it is produced. Its one allowance keeps an API key's
// `partial_key_hint` when it has the shape Anthropic displays ("sk-ant-api03-R2D...igAA"): that is
// what a GitHub secret scanning alert is matched with. Anything else in it is removed.
//
// Pagination: `limit` + `after_id`, responses `{data, has_more, first_id, last_id}`; the service
// accounts listing pages with `page` / `next_page` instead.
//
// Service accounts are optional: the SDK documents that listing them needs an OAuth token with the
// `org:admin` scope and that Admin API keys are not accepted. A 404, 401 or 403 on that listing's
// FIRST page — after every other listing succeeded with the same credential — means "not
// available to this credential": the listing is skipped (logged once per snapshot) and the
// snapshot stays COMPLETE without service accounts, so removals of keys, users, invites,
// workspaces and members are still derived. A failure after its first page, or any other error,
// makes the snapshot partial as usual. Caveat: if a credential that could list service accounts
// is replaced by one that cannot, the service accounts of the last snapshot are reported removed
// once; the log line says the listing was not available.
import Anthropic from '@anthropic-ai/sdk';
import type { InventoryPage, PollContext, PollerModule } from '../../source-kit/poller.ts';
import { PollAuthError, PollHttpError } from '../../source-kit/poll/fetch.ts';
import {
  lastItemCursor,
  parseListPage as parseVendorListPage,
  sdkTransport,
  walkListing,
  type SdkCall,
} from '../../source-kit/poll/page-walker.ts';
import { formatIssues, ListPageSchema, WorkspaceSchema, type ListPage } from './payloads.ts';
import { mapInventoryItem, type Listing } from './map.ts';

export const DEFAULT_BASE_URL = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';
export const PAGE_LIMIT = 100;

/** Parses a list page; throws PageError for anything that is not `{data: [...]}` JSON. */
export function parseListPage(body: Buffer, what: string): ListPage {
  return parseVendorListPage(body, what, ListPageSchema, formatIssues);
}

export type CursorStyle = 'after_id' | 'page';

/** The cursor of the page after this one, or null when this is the last page. Pure. */
export function nextCursor(page: ListPage, style: CursorStyle): string | null {
  if (style === 'page') return page.has_more === false ? null : (page.next_page ?? null);
  if (page.has_more !== true) return null;
  return lastItemCursor(page);
}

interface Sdk {
  org: Anthropic['beta']['organization'];
  /** The exact bytes of one SDK list call's response. */
  bytes(call: SdkCall): Promise<Buffer>;
}

function sdk(ctx: PollContext): Sdk {
  const transport = sdkTransport(ctx);
  const client = new Anthropic({
    apiKey: ctx.apiKey,
    baseURL: ctx.baseUrl,
    maxRetries: 0,
    timeout: 10 * 60_000,
    logLevel: 'off',
    defaultHeaders: { 'x-api-key': ctx.apiKey, authorization: null, 'anthropic-version': ANTHROPIC_VERSION },
    fetch: transport.fetch,
  });
  return { org: client.beta.organization, bytes: transport.bytes };
}

/** Walks one listing page by page; every item must be identifiable or the page is malformed. */
function listing(
  api: Sdk,
  name: Listing,
  scope: string | null,
  style: CursorStyle,
  call: (cursor: string | null) => SdkCall,
  onItems?: (items: unknown[]) => void,
): AsyncGenerator<InventoryPage> {
  return walkListing({
    listing: name,
    scope,
    fetchPage: (cursor) => api.bytes(call(cursor)),
    parse: parseListPage,
    objectOf: (item) => {
      const r = mapInventoryItem(item, { listing: name, scope, rawId: '', receivedAt: 0 });
      return r.ok ? { ok: true, object: r.value.object } : r;
    },
    nextCursor: (page) => nextCursor(page, style),
    onItems,
  });
}

/** 404 / 401 / 403 on an optional listing: the credential cannot list it. */
export function isNotAvailable(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof PollAuthError) return `HTTP ${e.status}: ${e.vendorMessage}`;
    if (e instanceof PollHttpError && e.status === 404) return e.message;
  }
  return null;
}

/** An optional listing: not available on its first page → skipped (see the header comment). */
async function* optional(ctx: PollContext, name: Listing, pages: AsyncGenerator<InventoryPage>): AsyncGenerator<InventoryPage> {
  let first = true;
  try {
    for await (const p of pages) {
      first = false;
      yield p;
    }
  } catch (err) {
    const why = first ? isNotAvailable(err) : null;
    if (why === null) throw err;
    ctx.log.info({ listing: name, reason: why }, 'Anthropic listing not available to this credential; the snapshot is complete without it');
  }
}

/** One complete snapshot (see the header comment). */
export async function* inventoryPages(ctx: PollContext): AsyncGenerator<InventoryPage> {
  const api = sdk(ctx);
  const org = api.org;
  const q = (cursor: string | null) => ({ limit: PAGE_LIMIT, ...(cursor ? { after_id: cursor } : {}) });
  yield* listing(api, 'users', null, 'after_id', (c) => org.users.list(q(c)));
  yield* listing(api, 'invites', null, 'after_id', (c) => org.invites.list(q(c)));
  yield* listing(api, 'api_keys', null, 'after_id', (c) => org.apiKeys.list(q(c)));
  const live: string[] = [];
  yield* listing(
    api,
    'workspaces',
    null,
    'after_id',
    (c) => org.workspaces.list({ ...q(c), include_archived: true }),
    (items) => {
      for (const item of items) {
        const w = WorkspaceSchema.safeParse(item);
        if (w.success && !w.data.archived_at) live.push(w.data.id);
      }
    },
  );
  // Members of archived workspaces are not listed: the API may refuse them, and they grant nothing.
  for (const workspaceId of live) {
    yield* listing(api, 'workspace_members', workspaceId, 'after_id', (c) => org.workspaces.members.list(workspaceId, q(c)));
  }
  yield* optional(
    ctx,
    'service_accounts',
    listing(api, 'service_accounts', null, 'page', (c) =>
      org.serviceAccounts.list({ limit: PAGE_LIMIT, include_archived: true, ...(c ? { page: c } : {}) }),
    ),
  );
}

export const anthropicPoller: PollerModule = {
  defaultBaseUrl: DEFAULT_BASE_URL,
  inventory: inventoryPages,
};
