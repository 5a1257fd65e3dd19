// The OpenAI Admin API poller: audit-log pages and inventory snapshots, one page at a time.
//
// Requests go through the official `openai` SDK (6.x): `client.admin.organization.*.list(...)`
// builds the URL (base URL from the connection, `effective_at[gte]` bracket encoding, path
// escaping) and the admin-key Authorization header. We take each page with `.asResponse()`, which
// hands back the unread HTTP response, so the RawEnvelope body is the vendor's exact bytes; we never
// use the SDK's auto-pagination (our checkpoint owns the cursor) nor its retries (maxRetries 0:
// ctx.fetch, passed as the SDK's `fetch`, applies the runner's policy). When ctx.fetch throws
// (PollAuthError, PollHttpError) the SDK wraps it in a connection error; we re-throw ours.
import OpenAI from 'openai';
import { PageError, type InventoryPage, type PollContext, type PolledPage, type PollerModule } from '../../source-kit/poller.ts';
import { PollHttpError } from '../../source-kit/poll/fetch.ts';
import {
  inventoryContentType as sharedInventoryContentType,
  lastItemCursor,
  parseListPage as parseVendorListPage,
  sdkTransport,
  walkListing,
  type SdkCall,
} from '../../source-kit/poll/page-walker.ts';
import { advanceCheckpoint, alreadySeen, describeAuditCheckpoint, resumeCheckpoint, type PageItemKey } from './checkpoint.ts';
import { AuditItemKeySchema, formatIssues, ListPageSchema, ProjectSchema, type ListPage } from './payloads.ts';
import { KIND_OF, mapInventoryItem, type Listing } from './map.ts';

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const PAGE_LIMIT = 100;

/** Content type of an audit-log page envelope. */
export const AUDIT_CONTENT_TYPE = 'application/json; planewatch-listing=audit_logs';

/** Content type of an inventory page envelope: the listing and its scope travel with the bytes. */
export const inventoryContentType: (listing: Listing, scope: string | null) => string = sharedInventoryContentType;

/** Parses a list page; throws PageError for anything that is not `{data: [...]}` JSON. */
export function parseListPage(body: Buffer, what: string): ListPage {
  return parseVendorListPage(body, what, ListPageSchema, formatIssues);
}

/** The `after` value for the page following this one: last_id, else the last item's id. */
export const nextCursor: (page: ListPage) => string | null = lastItemCursor;

interface Sdk {
  client: OpenAI;
  /** The exact bytes of one SDK list call's response. */
  bytes(call: SdkCall): Promise<Buffer>;
}

function sdk(ctx: PollContext): Sdk {
  const transport = sdkTransport(ctx);
  const client = new OpenAI({
    adminAPIKey: ctx.apiKey,
    apiKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    baseURL: ctx.baseUrl,
    maxRetries: 0,
    timeout: 10 * 60_000,
    fetch: transport.fetch,
  });
  return { client, bytes: transport.bytes };
}

/** Audit-log pages after ctx.checkpoint (or from ctx.since); see checkpoint.ts for the walk. */
export async function* auditLogPages(ctx: PollContext): AsyncGenerator<PolledPage> {
  const { checkpoint: start, problem } = resumeCheckpoint(ctx.checkpoint, ctx.since);
  if (problem) ctx.log.warn({ problem }, 'OpenAI audit-log checkpoint reset');
  const api = sdk(ctx);
  let cp = start;
  let cursorReset = false;
  for (;;) {
    let body: Buffer;
    try {
      body = await api.bytes(
        api.client.admin.organization.auditLogs.list({
          limit: PAGE_LIMIT,
          effective_at: { gte: cp.watermark },
          ...(cp.after ? { after: cp.after } : {}),
        }),
      );
    } catch (err) {
      // A cursor the API no longer accepts: restart the walk from the watermark (re-delivered
      // events collapse downstream), once per cycle.
      if (cp.after && !cursorReset && err instanceof PollHttpError && err.status === 400) {
        ctx.log.warn({ cursor: cp.after, error: err.message }, 'audit-log cursor refused; restarting the walk from the watermark');
        cp = { ...cp, after: null };
        cursorReset = true;
        continue;
      }
      throw err;
    }
    const page = parseListPage(body, 'audit_logs');
    const keys: PageItemKey[] = [];
    for (const item of page.data) {
      const k = AuditItemKeySchema.safeParse(item);
      if (k.success) keys.push(k.data); // items without id/effective_at are DLQ'd by the normalizer
    }
    const cursor = nextCursor(page);
    const hasMore = page.has_more === true && cursor !== null;
    if (hasMore && cursor === cp.after) throw new PageError(`audit_logs: has_more is true but the cursor did not move (${cursor})`, body);
    const next = advanceCheckpoint(cp, keys, cursor, hasMore);
    const seen = alreadySeen(cp, keys);
    const fresh = page.data.length - seen.size;
    yield { body, contentType: AUDIT_CONTENT_TYPE, checkpoint: next, items: fresh, publish: fresh > 0 };
    if (next.after === null) return;
    cp = next;
  }
}

function listing(
  api: Sdk,
  name: Listing,
  scope: string | null,
  call: (q: { limit: number; after?: string }) => SdkCall,
  onItems?: (items: unknown[]) => void,
): AsyncGenerator<InventoryPage> {
  return walkListing({
    listing: name,
    scope,
    fetchPage: (after) => api.bytes(call({ limit: PAGE_LIMIT, ...(after ? { after } : {}) })),
    parse: parseListPage,
    objectOf: (item) => {
      const r = mapInventoryItem(item, { listing: name, scope, rawId: '', receivedAt: 0 });
      return r.ok ? { ok: true, object: r.value.object } : r;
    },
    nextCursor: (page) => (page.has_more === true ? nextCursor(page) : null),
    onItems,
  });
}

/**
 * One complete snapshot: org users, admin API keys, projects (archived included), and for each
 * active project its users, service accounts and API keys (owner_project_access=any, so keys
 * whose owner lost access are listed too). Archived projects' members are not listed: the API
 * may refuse them, and their keys no longer work.
 */
export async function* inventoryPages(ctx: PollContext): AsyncGenerator<InventoryPage> {
  const api = sdk(ctx);
  const org = api.client.admin.organization;
  yield* listing(api, 'users', null, (q) => org.users.list(q));
  yield* listing(api, 'admin_api_keys', null, (q) => org.adminAPIKeys.list(q));
  const active: string[] = [];
  yield* listing(
    api,
    'projects',
    null,
    (q) => org.projects.list({ ...q, include_archived: true }),
    (items) => {
      for (const item of items) {
        const p = ProjectSchema.safeParse(item);
        if (p.success && p.data.status !== 'archived' && !p.data.archived_at) active.push(p.data.id);
      }
    },
  );
  for (const projectId of active) {
    yield* listing(api, 'project_users', projectId, (q) => org.projects.users.list(projectId, q));
    yield* listing(api, 'project_service_accounts', projectId, (q) => org.projects.serviceAccounts.list(projectId, q));
    yield* listing(api, 'project_api_keys', projectId, (q) => org.projects.apiKeys.list(projectId, { ...q, owner_project_access: 'any' }));
  }
}

export const openaiPoller: PollerModule = {
  defaultBaseUrl: DEFAULT_BASE_URL,
  pages: auditLogPages,
  inventory: inventoryPages,
  describeCheckpoint: describeAuditCheckpoint,
};

export { KIND_OF };
