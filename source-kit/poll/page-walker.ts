// Walking a vendor's cursor-paginated list endpoint one page at a time, as the Admin API pollers
// (OpenAI, Anthropic) do: `{data: [...], has_more, last_id}` pages, the next page asked for with
// the last item's id (`after` / `after_id`), the exact bytes of each page kept as the RawEnvelope
// body. Which endpoints, which query parameters, how a page is redacted and how an item becomes an
// InventoryObject are the vendor's (sources/<vendor>/api.ts); the walk itself is here.
//
// The vendor SDKs build the requests; `sdkTransport` hands them ctx.fetch (the runner's retry
// policy) and takes each response unread (`.asResponse()`), so the SDK neither retries nor parses.
import type { z } from 'zod';
import { PageError, type InventoryObject, type InventoryPage, type PollContext } from '../poller.ts';

/** Content type of an inventory page envelope: the listing and its scope travel with the bytes. */
export function inventoryContentType(listing: string, scope: string | null): string {
  return `application/json; planewatch-listing=${listing}${scope ? `; planewatch-scope=${scope}` : ''}`;
}

/** `planewatch-listing` / `planewatch-scope` parameters of a content type. */
export function listingOf(contentType: string | null): { listing: string | null; scope: string | null } {
  const out = { listing: null as string | null, scope: null as string | null };
  for (const part of (contentType ?? '').split(';').slice(1)) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k === 'planewatch-listing' && v) out.listing = v;
    if (k === 'planewatch-scope' && v) out.scope = v;
  }
  return out;
}

/** Parses a list page with the vendor's schema; throws PageError for anything that is not one. */
export function parseListPage<P>(body: Buffer, what: string, schema: z.ZodType<P>, formatIssues: (error: z.ZodError) => string): P {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new PageError(`${what}: body is not valid JSON (${(err as Error).message})`, body);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new PageError(`${what}: not a list page: ${formatIssues(parsed.error)}`, body);
  return parsed.data;
}

/** The cursor after this page's items: `last_id`, else the last item's `id`, else null. Pure. */
export function lastItemCursor(page: { data: readonly unknown[]; last_id?: string | null }): string | null {
  if (page.last_id) return page.last_id;
  const last = page.data[page.data.length - 1];
  return last && typeof last === 'object' && typeof (last as { id?: unknown }).id === 'string' ? (last as { id: string }).id : null;
}

/** The SDK call of one page, not yet sent: `.asResponse()` sends it and hands back the unread response. */
export interface SdkCall {
  asResponse(): Promise<Response>;
}

export interface SdkTransport {
  /** The `fetch` to give the SDK: ctx.fetch, remembering what it threw. */
  fetch(url: string | URL | Request, init?: RequestInit): Promise<Response>;
  /**
   * The exact bytes of one SDK call's response. When ctx.fetch threw (PollAuthError,
   * PollHttpError) the SDK wraps it in its own connection error; ours is re-thrown instead.
   */
  bytes(call: SdkCall): Promise<Buffer>;
}

export function sdkTransport(ctx: PollContext): SdkTransport {
  let lastFetchError: unknown = null;
  return {
    async fetch(url, init) {
      try {
        return await ctx.fetch(url instanceof Request ? url.url : url, init);
      } catch (err) {
        lastFetchError = err;
        throw err;
      }
    },
    async bytes(call) {
      lastFetchError = null;
      try {
        const res = await call.asResponse();
        return Buffer.from(await res.arrayBuffer());
      } catch (err) {
        throw lastFetchError ?? err;
      }
    },
  };
}

export interface ListingWalk<P extends { data: unknown[] }> {
  /** The listing's name, e.g. `users`; with `scope`, the InventoryPage content type. */
  listing: string;
  /** e.g. the project or workspace the listing belongs to; null for organisation-wide listings. */
  scope: string | null;
  /** The bytes of the page at `cursor` (null: the first page), already redacted where the vendor must. */
  fetchPage(cursor: string | null): Promise<Buffer>;
  /** The vendor's page parse; throws PageError (see parseListPage). */
  parse(body: Buffer, what: string): P;
  /** The page's items as InventoryObjects, or why one cannot be identified. */
  objectOf(item: unknown): { ok: true; object: InventoryObject } | { ok: false; reason: string };
  /** The cursor of the page after this one, or null when this is the last. */
  nextCursor(page: P): string | null;
  /** Called with each page's raw items after they were all identified (e.g. to collect project ids). */
  onItems?(items: unknown[]): void;
}

/**
 * Walks one listing page by page. Every item must be identifiable: an object we cannot identify
 * would make the inventory diff lie, so the page is malformed (PageError) and the snapshot partial.
 * A cursor that does not move while the vendor says there is more is a PageError too (no endless loop).
 */
export async function* walkListing<P extends { data: unknown[] }>(walk: ListingWalk<P>): AsyncGenerator<InventoryPage> {
  const what = walk.scope ? `${walk.listing} of ${walk.scope}` : walk.listing;
  let cursor: string | null = null;
  for (;;) {
    const body = await walk.fetchPage(cursor);
    const page = walk.parse(body, what);
    const objects = page.data.map((item, i) => {
      const r = walk.objectOf(item);
      if (!r.ok) throw new PageError(`${what}: data[${i}]: ${r.reason}`, body);
      return r.object;
    });
    walk.onItems?.(page.data);
    yield { body, contentType: inventoryContentType(walk.listing, walk.scope), items: page.data.length, objects };
    const next = walk.nextCursor(page);
    if (next === null) return;
    if (next === cursor) throw new PageError(`${what}: has_more is true but the cursor did not move (${next})`, body);
    cursor = next;
  }
}
