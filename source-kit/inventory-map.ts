// What the inventory mappings of the Admin API pollers (OpenAI, Anthropic: sources/<vendor>/map.ts)
// share: the per-item context, the result shape (the item's event and its diff identity), the
// event id of an observation, and mapping the items of one listing page in normalize(). The
// listings themselves, their schemas and how an item reads are the vendor's.
import { createHash } from 'node:crypto';
import type { Action, Category, Credential, MappedEvent } from '../core/events/identity-event.ts';
import { attrs, type AttrValue, type SubjectDraft } from './map-helpers.ts';
import type { InventoryObject } from './poller.ts';
import type { NormalizeOutcome, RejectedItem } from './source-module.ts';

export interface InventoryMapContext<L extends string = string> {
  listing: L;
  /** The project / workspace of a scoped listing; null for organisation-wide listings. */
  scope: string | null;
  rawId: string;
  receivedAt: number;
}

export interface InventoryItemResult {
  event: MappedEvent;
  object: InventoryObject;
}

export type InventoryMapResult = { ok: true; value: InventoryItemResult } | { ok: false; reason: string };

/**
 * The event id of one object observed in one snapshot page: `<prefix>` + the first 32 hex digits of
 * sha256(raw envelope id \0 kind \0 scope \0 object id). The same page fetched again (same bytes,
 * same envelope id) collapses; each snapshot's page is its own fact.
 */
export function inventoryEventId(prefix: string, rawId: string, kind: string, scope: string | null, objectId: string): string {
  return (
    prefix +
    createHash('sha256')
      .update(rawId)
      .update('\0')
      .update(kind)
      .update('\0')
      .update(scope ?? '')
      .update('\0')
      .update(objectId)
      .digest('hex')
      .slice(0, 32)
  );
}

/** What a vendor says about one listed object; the rest of its event follows from the context. */
export interface InventoryEventDraft {
  /** Default `inventory`; a listed object whose own status says it grants nothing becomes a lifecycle fact instead. */
  category?: Category;
  /** Default `observed`. */
  action?: Action;
  tenant: string | null;
  subject: SubjectDraft;
  credential?: Credential | null;
  /** OCSF class (activity 1, Log), or null when none fits. */
  ocsf: number | null;
  /** Besides `inventory_kind`, which is always set to `kind`. */
  attributes: Record<string, AttrValue>;
}

/**
 * The event of one object listed in a snapshot page: event id `inventoryEventId(idPrefix, …)`, no
 * actor, no outcome, occurred when the page was received, vendor_type `inventory.<kind>`,
 * attributes.inventory_kind = kind.
 */
export function inventoryEvent(
  idPrefix: string,
  ctx: InventoryMapContext,
  kind: string,
  objectId: string,
  d: InventoryEventDraft,
): MappedEvent {
  return {
    event_id: inventoryEventId(idPrefix, ctx.rawId, kind, ctx.scope, objectId),
    tenant_id: d.tenant,
    category: d.category ?? 'inventory',
    action: d.action ?? 'observed',
    outcome: null,
    subject: { kind: d.subject.kind, id: d.subject.id, email: d.subject.email ?? null, name: d.subject.name ?? null },
    actor: null,
    credential: d.credential ?? null,
    occurred_at: ctx.receivedAt,
    vendor_type: `inventory.${kind}`,
    ocsf_class_uid: d.ocsf,
    ocsf_activity_id: d.ocsf === null ? null : 1,
    attributes: attrs({ inventory_kind: kind, ...d.attributes }),
  };
}

/** normalize() of one listing page's items: each item mapped (its event) or rejected on its own as `data[i]`. */
export function mapListingItems<L extends string>(
  items: readonly unknown[],
  ctx: InventoryMapContext<L>,
  mapItem: (item: unknown, ctx: InventoryMapContext<L>) => InventoryMapResult,
): NormalizeOutcome {
  const events: MappedEvent[] = [];
  const rejected: RejectedItem[] = [];
  items.forEach((item, i) => {
    const r = mapItem(item, ctx);
    if (r.ok) events.push(r.value.event);
    else rejected.push({ reason: `data[${i}]: ${r.reason}`, item });
  });
  return { events, rejected };
}
