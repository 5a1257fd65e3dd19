// `planewatch boundaries` / GET /api/v1/boundaries: the boundary map as it works out — per plane,
// its owner and thresholds, the connections feeding it and how (the connection's `plane:`, the
// vendor's default plane, or plane rules moving some organisations / directories to it), when each
// connection last delivered, the last event it produced on that plane, and the organisations /
// directories (tenant_id) actually seen on that plane, with counts. Shared by the CLI (directly on
// ClickHouse) and the API (the running process), so both print the same thing.
//
// Decisions:
// - A connection appears under a plane when the map routes events there (its base plane = its
//   `plane:` or the vendor default; or a plane rule naming that plane), or when identity_events
//   holds events of it on that plane although the map no longer routes any there (routing
//   'observed_only': the map changed since; a replay re-tags them). Connections that are not in the
//   map are not listed (the normalizer dead-letters their envelopes).
// - last_delivery_at: max(received_at) of the connection's raw envelopes (any transport) — the
//   same value under every plane the connection feeds. last_event_at / events / tenants: from
//   identity_events FINAL for (plane, connection), so a replayed event counts once.
// - A plane rule's authoritative_for falls back to the connection's, as the normalizer applies it
//   (services/normalizer/plane.ts). tenants[].authoritative_for is what the stored events carry.
// - Times are ISO 8601 UTC; durations are written the boundary map's way (24h, 90d, 1h 30m).
import type { ClickHouseClient } from '@clickhouse/client';
import type { BoundaryMap, Connection } from '../../core/config/boundary-map.ts';
import { formatDuration } from '../../core/config/duration.ts';
import { PLANES, type Plane } from '../../core/events/identity-event.ts';
import { fromDateTime64 } from '../../core/clickhouse/rows.ts';

export type Routing = 'connection' | 'vendor_default' | 'plane_rules' | 'observed_only';

export interface RuleView {
  organization_id: string | null;
  directory_id: string | null;
  /** The rule's own, else the connection's (what the normalizer stamps). */
  authoritative_for: string | null;
}

export interface TenantSeen {
  /** Organisation / directory / Okta org / project id; null when the events name none (the connection itself). */
  tenant_id: string | null;
  events: number;
  last_event_at: string;
  /** Distinct authoritative_for values on those events. */
  authoritative_for: string[];
}

export interface PlaneConnection {
  connection_id: string;
  vendor: string;
  transport: string;
  enabled: boolean;
  /** How events of this connection come to this plane. */
  routing: Routing;
  /** The connection's authoritative_for when its own plane is this one; null otherwise. */
  authoritative_for: string | null;
  /** Plane rules of the connection that move organisations / directories to this plane. */
  plane_rules: RuleView[];
  /** Poll and inventory connections: the poll interval (a push connection: null). */
  poll_interval: string | null;
  last_delivery_at: string | null;
  last_event_at: string | null;
  events: number;
  tenants: TenantSeen[];
}

export interface PlaneBoundary {
  plane: Plane;
  owner: string | null;
  deprovision_sla: string;
  grace: string;
  stale_after: string;
  pre_departure_window: string;
  silent_after: string;
  silent_poll_factor: number;
  connections: PlaneConnection[];
}

/** One (plane, connection, tenant) group of identity_events. */
export interface TenantObservation {
  plane: string;
  connection_id: string;
  tenant_id: string | null;
  events: number;
  /** epoch ms */
  last_event_at: number;
  authoritative_for: string[];
}

export interface BoundaryObservations {
  tenants: TenantObservation[];
  /** connection id → epoch ms of its newest raw envelope. */
  lastDelivery: ReadonlyMap<string, number>;
}

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

function compareTenant(a: { tenant_id: string | null }, b: { tenant_id: string | null }): number {
  if (a.tenant_id === b.tenant_id) return 0;
  if (a.tenant_id === null) return -1;
  if (b.tenant_id === null) return 1;
  return a.tenant_id < b.tenant_id ? -1 : 1;
}

function isPolled(c: Connection): boolean {
  return c.transport === 'poll' || c.transport === 'inventory';
}

/** Pure: the boundary map joined with what the store holds. */
export function buildBoundaries(map: BoundaryMap, defaultPlaneOf: (vendor: string) => Plane, obs: BoundaryObservations): PlaneBoundary[] {
  return PLANES.map((plane): PlaneBoundary => {
    const settings = map.planes[plane];
    const connections: PlaneConnection[] = [];
    for (const c of map.connections) {
      const base = c.plane ?? defaultPlaneOf(c.vendor);
      const rules = c.plane_rules.filter((r) => r.plane === plane);
      const seen = obs.tenants.filter((t) => t.plane === plane && t.connection_id === c.id).sort(compareTenant);
      if (base !== plane && rules.length === 0 && seen.length === 0) continue;
      const routing: Routing =
        base === plane ? (c.plane ? 'connection' : 'vendor_default') : rules.length ? 'plane_rules' : 'observed_only';
      const lastEvent = seen.length ? Math.max(...seen.map((t) => t.last_event_at)) : null;
      connections.push({
        connection_id: c.id,
        vendor: c.vendor,
        transport: c.transport,
        enabled: c.enabled,
        routing,
        authoritative_for: base === plane ? (c.authoritative_for ?? null) : null,
        plane_rules: rules.map((r) => ({
          organization_id: r.organization_id ?? null,
          directory_id: r.directory_id ?? null,
          authoritative_for: r.authoritative_for ?? c.authoritative_for ?? null,
        })),
        poll_interval: isPolled(c) ? formatDuration(c.poll_interval) : null,
        last_delivery_at: iso(obs.lastDelivery.get(c.id)),
        last_event_at: iso(lastEvent),
        events: seen.reduce((n, t) => n + t.events, 0),
        tenants: seen.map((t) => ({
          tenant_id: t.tenant_id,
          events: t.events,
          last_event_at: iso(t.last_event_at)!,
          authoritative_for: [...t.authoritative_for].sort(),
        })),
      });
    }
    return {
      plane,
      owner: settings.owner ?? null,
      deprovision_sla: formatDuration(settings.deprovision_sla),
      grace: formatDuration(settings.grace),
      stale_after: formatDuration(settings.stale_after),
      pre_departure_window: formatDuration(settings.pre_departure_window),
      silent_after: formatDuration(settings.silent_after),
      silent_poll_factor: settings.silent_poll_factor,
      connections,
    };
  });
}

/** What the store holds for the boundary view (two GROUP BY queries). */
export async function boundaryObservations(client: ClickHouseClient): Promise<BoundaryObservations> {
  const q = async <T>(query: string): Promise<T[]> => (await client.query({ query, format: 'JSONEachRow' })).json<T>();
  const [tenants, deliveries] = await Promise.all([
    q<{
      plane: string;
      connection_id: string;
      tenant_id: string | null;
      events: string;
      last_event_at: string;
      authoritative_for: string[];
    }>(`
      SELECT plane, connection_id, tenant_id, count() AS events, toString(max(occurred_at)) AS last_event_at,
             arraySort(groupUniqArray(authoritative_for)) AS authoritative_for
      FROM identity_events FINAL
      GROUP BY plane, connection_id, tenant_id`),
    q<{ connection_id: string; t: string }>(
      'SELECT connection_id, toString(max(received_at)) AS t FROM raw_envelopes GROUP BY connection_id',
    ),
  ]);
  return {
    tenants: tenants.map((r) => ({
      plane: r.plane,
      connection_id: r.connection_id,
      tenant_id: r.tenant_id,
      events: Number(r.events),
      last_event_at: fromDateTime64(r.last_event_at),
      authoritative_for: r.authoritative_for,
    })),
    lastDelivery: new Map(deliveries.map((r) => [r.connection_id, fromDateTime64(r.t)])),
  };
}

export async function boundaries(
  client: ClickHouseClient,
  map: BoundaryMap,
  defaultPlaneOf: (vendor: string) => Plane,
): Promise<PlaneBoundary[]> {
  return buildBoundaries(map, defaultPlaneOf, await boundaryObservations(client));
}
