// OpenAI (Admin API: audit log + inventories) — platform plane by default. Polling only: OpenAI
// sends no webhooks for admin or audit data. See poller.ts (fetching), checkpoint.ts (the audit-log
// checkpoint), map.ts (pure mapping) and payloads.ts (zod schemas).
//
// normalize() handles three kinds of envelope, told apart by content type:
// - INVENTORY_REMOVED_CONTENT_TYPE: delegated to the shared core helper (source-kit/poll/inventory.ts);
// - `planewatch-listing=<inventory listing>`: one inventory/observed event per item;
// - anything else (`planewatch-listing=audit_logs`, plain JSON): an audit-log page
//   (`{object:"list", data:[…]}`) or a single audit event, each item mapped or rejected on its own.
import type { NormalizeInput, NormalizeOutcome, RejectedItem, SourceModule } from '../../source-kit/source-module.ts';
import type { MappedEvent } from '../../core/events/identity-event.ts';
import { parseJsonBodyOrThrow } from '../../source-kit/json-body.ts';
import { normalizeInventoryRemoved } from '../../source-kit/poll/inventory.ts';
import { listingOf } from '../../source-kit/poll/page-walker.ts';
import { mapListingItems } from '../../source-kit/inventory-map.ts';
import { openaiPoller } from './poller.ts';
import { GRANT_KINDS, LISTINGS, mapAuditEvent, mapInventoryItem, type Listing } from './map.ts';
import { AuditLogEventSchema, formatIssues, ListPageSchema, type AuditLogEvent } from './payloads.ts';

function mapAuditItem(item: unknown, where: string, events: MappedEvent[], rejected: RejectedItem[]): void {
  const ev = AuditLogEventSchema.safeParse(item);
  if (!ev.success) {
    rejected.push({ reason: `${where}: ${formatIssues(ev.error)}`, item });
    return;
  }
  const r = mapAuditEvent(ev.data as AuditLogEvent);
  if (r.ok) events.push(...r.events);
  else rejected.push({ reason: `${where}: ${r.reason}`, item });
}

export function normalizeOpenai(input: NormalizeInput): NormalizeOutcome {
  const removed = normalizeInventoryRemoved(input, GRANT_KINDS);
  if (removed) return removed;
  const body = parseJsonBodyOrThrow(input.body, 'OpenAI');
  const events: MappedEvent[] = [];
  const rejected: RejectedItem[] = [];
  const { listing, scope } = listingOf(input.contentType);

  const page = ListPageSchema.safeParse(body);
  if ((LISTINGS as readonly string[]).includes(listing ?? '')) {
    if (!page.success) throw new Error(`OpenAI ${listing} page is invalid: ${formatIssues(page.error)}`);
    return mapListingItems(
      page.data.data,
      { listing: listing as Listing, scope, rawId: input.rawId, receivedAt: input.receivedAt },
      mapInventoryItem,
    );
  }
  if (page.success) {
    page.data.data.forEach((item, i) => mapAuditItem(item, `data[${i}]`, events, rejected));
    return { events, rejected };
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'type' in body) {
    mapAuditItem(body, 'event', events, rejected);
    return { events, rejected };
  }
  throw new Error(`OpenAI body is neither a list page nor an audit event: ${formatIssues(page.error)}`);
}

export const openai: SourceModule = {
  name: 'openai',
  defaultPlane: 'platform',
  poller: openaiPoller,
  normalize: normalizeOpenai,
};

export { mapAuditEvent, mapInventoryItem } from './map.ts';
