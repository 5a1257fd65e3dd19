// Which plane an event belongs to, and which population its directory is authoritative for,
// from the boundary map: a matching per-organisation/per-directory rule first, then the
// connection's plane, then the vendor's default. (The plane is a property of the identity
// boundary, not of the vendor.) A matched rule's authoritative_for replaces the connection's;
// when the rule omits it, the connection's value stands.
import type { Connection } from '../../core/config/boundary-map.ts';
import type { MappedEvent, Plane } from '../../core/events/identity-event.ts';

export interface PlaneDecision {
  plane: Plane;
  authoritative_for: string | null;
}

export function decidePlane(connection: Connection, defaultPlane: Plane, keys: MappedEvent['plane_keys']): PlaneDecision {
  const base: PlaneDecision = { plane: connection.plane ?? defaultPlane, authoritative_for: connection.authoritative_for ?? null };
  if (!keys) return base;
  for (const rule of connection.plane_rules) {
    const orgMatch = rule.organization_id === undefined || rule.organization_id === keys.organization_id;
    const dirMatch = rule.directory_id === undefined || rule.directory_id === keys.directory_id;
    if (orgMatch && dirMatch) {
      return { plane: rule.plane, authoritative_for: rule.authoritative_for ?? base.authoritative_for };
    }
  }
  return base;
}
