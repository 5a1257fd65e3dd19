// The query parameters every detection may use, bound by the engine from the boundary map and
// the evaluation's `now` (an injectable clock: evaluation never reads the wall clock itself).
// Over chDB a JS Date loses its milliseconds, so DateTime64 parameters are passed as
// 'YYYY-MM-DD HH:MM:SS.mmm' text (rows.ts toDateTime64).
import type { BoundaryMap, Connection } from '../../core/config/boundary-map.ts';
import { normalizeEmail, PLANES, type Plane } from '../../core/events/identity-event.ts';
import { toDateTime64 } from '../../core/clickhouse/rows.ts';

export type DetectionParams = Record<string, string | number | string[] | number[]>;

/** Which plane a connection's own events land on when no plane rule matches (vendor default when unset). */
export type DefaultPlaneOf = (vendor: string) => Plane;

/** Silence threshold of a connection (PW-SOURCE-SILENT): 3 × poll interval for pollers, 24 h for push sources, per plane. */
export function silentAfterMs(map: BoundaryMap, c: Connection, plane: Plane): number {
  const s = map.planes[plane];
  return c.transport === 'poll' || c.transport === 'inventory' ? Math.round(s.silent_poll_factor * c.poll_interval) : s.silent_after;
}

/**
 * Explicit links as two parallel arrays: account reference ("<connection or source>:<id>") and
 * the normalised email it belongs to. An account listed in several links keeps its first link;
 * the conflict is returned so PW-AMBIGUOUS-IDENTITY can report it.
 */
export function linkParams(map: BoundaryMap): { refs: string[]; emails: string[]; conflicts: string[] } {
  const byRef = new Map<string, string>();
  const conflicts = new Set<string>();
  for (const link of map.links) {
    const email = normalizeEmail(link.email)!;
    for (const ref of link.accounts) {
      const prev = byRef.get(ref);
      if (prev === undefined) byRef.set(ref, email);
      else if (prev !== email) conflicts.add(ref);
    }
  }
  return { refs: [...byRef.keys()], emails: [...byRef.values()], conflicts: [...conflicts].sort() };
}

export function detectionParams(map: BoundaryMap, now: number, defaultPlaneOf: DefaultPlaneOf): DetectionParams {
  const p: DetectionParams = { now: toDateTime64(now), now_ms: now, scoped: 0, since_ms: 0 };
  for (const plane of PLANES) {
    const s = map.planes[plane];
    p[`sla_${plane}_ms`] = s.deprovision_sla;
    p[`grace_${plane}_ms`] = s.grace;
    p[`stale_${plane}_ms`] = s.stale_after;
    p[`predeparture_${plane}_ms`] = s.pre_departure_window;
    p[`exposure_sla_${plane}_ms`] = s.exposure_sla;
  }
  const links = linkParams(map);
  p.link_refs = links.refs;
  p.link_emails = links.emails;
  p.link_conflicts = links.conflicts;
  p.directory_sources = [...map.detections.directory_sources];
  p.nhi_planes = [...map.detections.nhi_planes];
  p.unobservable_kinds = [...map.detections.unobservable_credential_kinds];
  p.corporate_domains = map.domains.corporate.map((d) => d.trim().toLowerCase());
  p.customer_domains = map.domains.customer.map((d) => d.trim().toLowerCase());
  const conns = map.connections.filter((c) => c.enabled);
  const planes = conns.map((c) => c.plane ?? defaultPlaneOf(c.vendor));
  p.conn_ids = conns.map((c) => c.id);
  p.conn_sources = conns.map((c) => c.vendor);
  p.conn_transports = conns.map((c) => c.transport);
  p.conn_planes = planes;
  p.conn_silent_ms = conns.map((c, i) => silentAfterMs(map, c, planes[i]!));
  p.last_use_unreported_conns = map.connections.filter((c) => c.credential_last_use === 'not_reported').map((c) => c.id);
  return p;
}

/** ClickHouse types of the standard parameters (for documentation and for binding checks). */
export const PARAM_TYPES: Readonly<Record<string, string>> = {
  now: "DateTime64(3, 'UTC')",
  now_ms: 'Int64',
  ...Object.fromEntries(
    PLANES.flatMap((plane) =>
      ['sla', 'grace', 'stale', 'predeparture', 'exposure_sla'].map((k) => [`${k}_${plane}_ms`, 'UInt64'] as const),
    ),
  ),
  link_refs: 'Array(String)',
  link_emails: 'Array(String)',
  link_conflicts: 'Array(String)',
  directory_sources: 'Array(String)',
  nhi_planes: 'Array(String)',
  unobservable_kinds: 'Array(String)',
  corporate_domains: 'Array(String)',
  customer_domains: 'Array(String)',
  conn_ids: 'Array(String)',
  conn_sources: 'Array(String)',
  conn_transports: 'Array(String)',
  conn_planes: 'Array(String)',
  conn_silent_ms: 'Array(UInt64)',
  last_use_unreported_conns: 'Array(String)',
  /**
   * 1 when a person-scoped detection runs for the people in pw_eval_scope only, or a credential-scoped
   * one for the touched credentials and those its clock changed since {since_ms} (set by the engine), else 0.
   */
  scoped: 'UInt8',
  /** With {scoped} = 1, a credential-scoped detection's previous evaluation clock (epoch ms); else 0. */
  since_ms: 'Int64',
};

/** Parameter names a query uses ({name:Type}); unknown ones are an error at load/evaluation. */
export function paramsUsed(sql: string): string[] {
  const names = new Set<string>();
  for (const m of sql.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\s*:/g)) names.add(m[1]!);
  return [...names].sort();
}
