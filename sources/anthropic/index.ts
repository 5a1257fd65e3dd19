// Anthropic (Admin API inventory) — platform plane by default. Polling only: the Admin API sends no
// webhooks. See poller.ts (fetching), map.ts (pure mapping) and payloads.ts (zod schemas).
//
// normalize() handles two kinds of envelope, told apart by content type:
// - INVENTORY_REMOVED_CONTENT_TYPE: delegated to the shared core helper (source-kit/poll/inventory.ts);
// - `planewatch-listing=<listing>` (users, invites, api_keys, workspaces, workspace_members,
//   service_accounts): one event per item, each mapped or rejected on its own.
// Anything else is not something this module produced and is refused as a whole.
import type { NormalizeInput, NormalizeOutcome, SourceModule } from '../../source-kit/source-module.ts';
import { parseJsonBodyOrThrow } from '../../source-kit/json-body.ts';
import { normalizeInventoryRemoved } from '../../source-kit/poll/inventory.ts';
import { listingOf } from '../../source-kit/poll/page-walker.ts';
import { mapListingItems } from '../../source-kit/inventory-map.ts';
import { anthropicPoller } from './poller.ts';
import { GRANT_KINDS, LISTINGS, mapInventoryItem, type Listing } from './map.ts';
import { formatIssues, ListPageSchema } from './payloads.ts';

export function normalizeAnthropic(input: NormalizeInput): NormalizeOutcome {
  const removed = normalizeInventoryRemoved(input, GRANT_KINDS);
  if (removed) return removed;
  const { listing, scope } = listingOf(input.contentType);
  if (!(LISTINGS as readonly string[]).includes(listing ?? '')) {
    throw new Error(
      `Anthropic envelope content type ${JSON.stringify(input.contentType)}: expected an inventory listing (planewatch-listing=${LISTINGS.join('|')})`,
    );
  }
  const page = ListPageSchema.safeParse(parseJsonBodyOrThrow(input.body, 'Anthropic'));
  if (!page.success) throw new Error(`Anthropic ${listing} page is invalid: ${formatIssues(page.error)}`);
  return mapListingItems(
    page.data.data,
    { listing: listing as Listing, scope, rawId: input.rawId, receivedAt: input.receivedAt },
    mapInventoryItem,
  );
}

export const anthropic: SourceModule = {
  name: 'anthropic',
  defaultPlane: 'platform',
  poller: anthropicPoller,
  normalize: normalizeAnthropic,
};

export { mapInventoryItem } from './map.ts';
