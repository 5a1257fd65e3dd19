// Anthropic (Admin API inventory) — platform plane by default. Polling only: the Admin API sends no
// webhooks. See api.ts (fetching), map.ts (pure mapping) and payloads.ts (zod schemas).
//
// normalize() handles two kinds of envelope, told apart by content type:
// - INVENTORY_REMOVED_CONTENT_TYPE: delegated to the shared core helper (core/poller/inventory.ts);
// - `planewatch-listing=<listing>` (users, invites, api_keys, workspaces, workspace_members,
//   service_accounts): one event per item, each mapped or rejected on its own.
// Anything else is not something this module produced and is refused as a whole.
import type { NormalizeInput, NormalizeOutcome, RejectedItem, SourceModule } from '../../core/sources/source-module.ts';
import type { MappedEvent } from '../../core/events/identity-event.ts';
import { normalizeInventoryRemoved } from '../../core/poller/inventory.ts';
import { anthropicPoller, listingOf } from './api.ts';
import { LISTINGS, mapInventoryItem, type Listing } from './map.ts';
import { formatIssues, ListPageSchema } from './payloads.ts';

function parseJson(body: Buffer): unknown {
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(`Anthropic body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function normalizeAnthropic(input: NormalizeInput): NormalizeOutcome {
  const removed = normalizeInventoryRemoved(input);
  if (removed) return removed;
  const { listing, scope } = listingOf(input.contentType);
  if (!(LISTINGS as readonly string[]).includes(listing ?? '')) {
    throw new Error(`Anthropic envelope content type ${JSON.stringify(input.contentType)}: expected an inventory listing (planewatch-listing=${LISTINGS.join('|')})`);
  }
  const page = ListPageSchema.safeParse(parseJson(input.body));
  if (!page.success) throw new Error(`Anthropic ${listing} page is invalid: ${formatIssues(page.error)}`);
  const events: MappedEvent[] = [];
  const rejected: RejectedItem[] = [];
  page.data.data.forEach((item, i) => {
    const r = mapInventoryItem(item, { listing: listing as Listing, scope, rawId: input.rawId, receivedAt: input.receivedAt });
    if (r.ok) events.push(r.value.event);
    else rejected.push({ reason: `data[${i}]: ${r.reason}`, item });
  });
  return { events, rejected };
}

export const anthropic: SourceModule = {
  name: 'anthropic',
  defaultPlane: 'platform',
  poller: anthropicPoller,
  normalize: normalizeAnthropic,
};

export { mapInventoryItem } from './map.ts';
