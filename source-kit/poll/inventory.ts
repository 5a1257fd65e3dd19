// Inventory diffs and the `removed` events they produce — shared by every inventory vendor.
//
// - A COMPLETE snapshot's object set (kind, scope, id) is stored per connection (store.ts). An
//   object present in the previous complete snapshot and absent from the new complete one is
//   removed. A partial snapshot (any failed page) derives nothing and does not replace the set.
// - Each removal is published as its own RawEnvelope (transport 'inventory', content type
//   INVENTORY_REMOVED_CONTENT_TYPE, body = InventoryRemovedBody JSON) through the same Kafka path
//   as fetched pages.
// - Its event id is hash(connection, kind, scope, id, id of the last snapshot it was seen in):
//   a crash between publishing removals and storing the new set re-derives the same removals with
//   the same ids on the next snapshot (the stored set is still the old one), so nothing doubles.
// - Normalization: a vendor module's normalize() calls normalizeInventoryRemoved() first (it
//   returns null for any other content type), so every inventory vendor gets these events for free:
//   IdentityEvent category 'inventory', action 'removed', vendor_type 'inventory.<kind>.removed'.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { InventoryObject } from '../poller.ts';
import type { NormalizeInput, NormalizeOutcome } from '../source-module.ts';
import { SUBJECT_KINDS, type MappedEvent } from '../../core/events/identity-event.ts';

export const INVENTORY_REMOVED_CONTENT_TYPE = 'application/vnd.planewatch.inventory-removed+json';

export function objectKey(o: Pick<InventoryObject, 'kind' | 'scope' | 'id'>): string {
  return `${o.kind}\u0000${o.scope ?? ''}\u0000${o.id}`;
}

/** The objects of `next` with duplicates (same kind, scope, id) dropped, first occurrence kept. */
export function uniqueObjects(next: readonly InventoryObject[]): InventoryObject[] {
  const seen = new Set<string>();
  const out: InventoryObject[] = [];
  for (const o of next) {
    const k = objectKey(o);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(o);
  }
  return out;
}

/** Objects of the previous complete snapshot missing from the next complete one. Pure. */
export function removedObjects(previous: readonly InventoryObject[], next: readonly InventoryObject[]): InventoryObject[] {
  const present = new Set(next.map(objectKey));
  return uniqueObjects(previous).filter((o) => !present.has(objectKey(o)));
}

export function removedEventId(
  connectionId: string,
  o: Pick<InventoryObject, 'kind' | 'scope' | 'id'>,
  lastSeenSnapshotId: string,
): string {
  const h = createHash('sha256');
  for (const part of [connectionId, o.kind, o.scope ?? '', o.id, lastSeenSnapshotId]) h.update(part).update('\u0000');
  return 'inv_removed_' + h.digest('hex').slice(0, 32);
}

export const InventoryRemovedBodySchema = z.object({
  object: z.literal('planewatch.inventory_removed'),
  event_id: z.string().min(1),
  connection_id: z.string().min(1),
  kind: z.string().min(1),
  scope: z.string().nullable(),
  id: z.string().min(1),
  subject_kind: z.enum(SUBJECT_KINDS),
  email: z.string().nullable(),
  name: z.string().nullable(),
  credential_kind: z.string().nullable(),
  /** attributes.access of the object's events (a grant of an account: 'scope'); absent in bodies written before it existed. */
  access: z.enum(['scope', 'login']).nullable().default(null),
  /** Last complete snapshot that still listed the object, and when it completed (ms). */
  last_seen_snapshot_id: z.string().min(1),
  last_seen_at: z.number().int().nonnegative(),
  /** The complete snapshot that no longer lists it, and when that snapshot started (ms). */
  absent_from_snapshot_id: z.string().min(1),
  detected_at: z.number().int().nonnegative(),
});
export type InventoryRemovedBody = z.infer<typeof InventoryRemovedBodySchema>;

const SUBJECT_KIND_SET = new Set<string>(SUBJECT_KINDS);

/** The subject kind of an inventory object: its own when valid, else guessed from `kind`. */
export function subjectKindOf(o: InventoryObject): (typeof SUBJECT_KINDS)[number] {
  if (o.subject_kind && SUBJECT_KIND_SET.has(o.subject_kind)) return o.subject_kind as (typeof SUBJECT_KINDS)[number];
  const k = o.kind.toLowerCase();
  if (k.includes('admin') && k.includes('key')) return 'admin_key';
  if (k.includes('key')) return 'api_key';
  if (k.includes('service_account')) return 'service_account';
  if (k.includes('invite')) return 'invite';
  if (k.includes('project') || k.includes('workspace')) return k.endsWith('user') || k.endsWith('member') ? 'human' : 'project';
  if (k.includes('user') || k.includes('member')) return 'human';
  if (k.includes('group')) return 'group';
  return 'other';
}

export function removedBody(
  connectionId: string,
  o: InventoryObject,
  previous: { snapshotId: string; completedAt: number },
  current: { snapshotId: string; startedAt: number },
): InventoryRemovedBody {
  return {
    object: 'planewatch.inventory_removed',
    event_id: removedEventId(connectionId, o, previous.snapshotId),
    connection_id: connectionId,
    kind: o.kind,
    scope: o.scope,
    id: o.id,
    subject_kind: subjectKindOf(o),
    email: o.email ?? null,
    name: o.name ?? null,
    credential_kind: o.credential_kind ?? null,
    access: o.access ?? null,
    last_seen_snapshot_id: previous.snapshotId,
    last_seen_at: previous.completedAt,
    absent_from_snapshot_id: current.snapshotId,
    detected_at: current.startedAt,
  };
}

export function isInventoryRemoved(contentType: string | null): boolean {
  return contentType !== null && contentType.split(';', 1)[0]!.trim().toLowerCase() === INVENTORY_REMOVED_CONTENT_TYPE;
}

/**
 * The IdentityEvent of a removed-envelope, or null when the envelope is something else (the vendor
 * module then maps it itself). Throws for a removed-envelope whose body is not valid. `grantKinds`:
 * the vendor's inventory kinds that are grants of an account (docs/IDENTITY-MODEL.md), for bodies
 * that predate their `access` field.
 */
export function normalizeInventoryRemoved(input: NormalizeInput, grantKinds: ReadonlySet<string> = new Set()): NormalizeOutcome | null {
  if (!isInventoryRemoved(input.contentType)) return null;
  let json: unknown;
  try {
    json = JSON.parse(input.body.toString('utf8'));
  } catch (err) {
    throw new Error(`inventory-removed body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = InventoryRemovedBodySchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `inventory-removed body is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  const b = parsed.data;
  // Bodies written before `access` existed: the vendor names the kinds that are grants.
  const access = b.access ?? (grantKinds.has(b.kind) ? 'scope' : null);
  const email = b.email ? b.email.trim().toLowerCase() || null : null;
  const event: MappedEvent = {
    event_id: b.event_id,
    tenant_id: b.scope,
    category: 'inventory',
    action: 'removed',
    outcome: null,
    subject: { kind: b.subject_kind, id: b.id, email, name: b.name && b.name.length > 0 ? b.name : null },
    actor: null,
    credential: b.credential_kind
      ? { id: b.id, kind: b.credential_kind, owner_id: null, owner_kind: null, scopes: [], created_at: null, last_used_at: null }
      : null,
    occurred_at: b.detected_at,
    vendor_type: `inventory.${b.kind}.removed`,
    ocsf_class_uid: null,
    ocsf_activity_id: null,
    attributes: {
      inventory_kind: b.kind,
      last_seen_snapshot_id: b.last_seen_snapshot_id,
      last_seen_at: new Date(b.last_seen_at).toISOString(),
      absent_from_snapshot_id: b.absent_from_snapshot_id,
      ...(b.scope ? { scope: b.scope } : {}),
      ...(access ? { access } : {}),
    },
  };
  return { events: [event], rejected: [] };
}
