// Exposure lag: from the moment GitHub secret scanning found a credential's secret (the alert's
// created_at) to the credential's revocation, per plane and source of the credential, against the
// plane's exposure_sla (boundary map, default 24h). Read by `planewatch lag`, the API lag route and
// the export (docs/DETECTIONS.md "Exposure lag").
//
// Items: view pw_exposure_lag_items (migrations/0015): exposures in [from, to) whose credential is
// known (match = one) and was not already revoked when found. Exposures that match no credential
// or several cannot have a revocation: they are counted apart (`unmatched`), never in the lag.
//   count / removed / pending / overdue (pending longer than the SLA at now) / breaches (revoked
//   later than the SLA) / p50, p90, max of removed_ms − exposed_ms (quantileExact; null when none).
import type { ClickHouseClient } from '@clickhouse/client';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { detectionParams, type DefaultPlaneOf } from '../detections/params.ts';
import type { LagQuery } from './stats.ts';

const SLA = "if(plane = 'platform', {exposure_sla_platform_ms:UInt64}, {exposure_sla_application_ms:UInt64})";
const WINDOW = 'exposed_ms >= {from_ms:Int64} AND exposed_ms < {to_ms:Int64}';
// A tenant-scoped reader (an API token limited to a tenant) sees only exposures of its tenant's
// application-plane credentials; an unmatched exposure has no tenant, so it is never theirs.
const TENANT = "plane = 'application' AND tenant = {tenant:String}";
const where = (tenant: string | null | undefined) => (tenant ? `${WINDOW} AND ${TENANT}` : WINDOW);

/** Limits a query to one tenant's application-plane exposures (null or absent: every exposure). */
export interface ExposureScope {
  tenant?: string | null;
}

export function exposureLagStatsSql(scope: ExposureScope = {}): string {
  return `
    SELECT plane, if(grouping(source) = 1, NULL, source) AS by_source,
           count() AS count,
           countIf(removed_ms > 0) AS removed,
           countIf(removed_ms = 0) AS pending,
           countIf(removed_ms = 0 AND {now_ms:Int64} - exposed_ms > ${SLA}) AS overdue,
           countIf(removed_ms > 0 AND removed_ms - exposed_ms > ${SLA}) AS breaches,
           if(removed = 0, NULL, quantileExactIf(0.5)(removed_ms - exposed_ms, removed_ms > 0)) AS p50_ms,
           if(removed = 0, NULL, quantileExactIf(0.9)(removed_ms - exposed_ms, removed_ms > 0)) AS p90_ms,
           if(removed = 0, NULL, maxIf(removed_ms - exposed_ms, removed_ms > 0)) AS max_ms
    FROM (SELECT * FROM pw_exposure_lag_items WHERE ${where(scope.tenant)})
    GROUP BY GROUPING SETS ((plane), (plane, source))
    ORDER BY plane, by_source NULLS FIRST`;
}

export interface ExposureLagStat {
  plane: string;
  /** null = every source of the plane */
  source: string | null;
  count: number;
  removed: number;
  pending: number;
  overdue: number;
  breaches: number;
  p50_ms: number | null;
  p90_ms: number | null;
  max_ms: number | null;
}

export interface ExposureLag {
  sla_ms: { platform: number; application: number };
  statistics: ExposureLagStat[];
  /** Exposures in the period that match no known credential, or several: shown, never in the lag. */
  unmatched: { none: number; ambiguous: number };
}

function params(map: BoundaryMap, q: LagQuery, defaultPlaneOf: DefaultPlaneOf, scope: ExposureScope = {}) {
  return {
    ...detectionParams(map, q.now, defaultPlaneOf),
    from_ms: q.from,
    to_ms: q.to,
    ...(scope.tenant ? { tenant: scope.tenant } : {}),
  };
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function exposureLag(
  client: ClickHouseClient,
  map: BoundaryMap,
  q: LagQuery,
  defaultPlaneOf: DefaultPlaneOf,
  scope: ExposureScope = {},
): Promise<ExposureLag> {
  const p = params(map, q, defaultPlaneOf, scope);
  const rs = await client.query({ query: exposureLagStatsSql(scope), query_params: p, format: 'JSONEachRow' });
  const statistics = (await rs.json<Record<string, unknown>>()).map((r) => ({
    plane: String(r.plane),
    source: r.by_source === null ? null : String(r.by_source),
    count: Number(r.count),
    removed: Number(r.removed),
    pending: Number(r.pending),
    overdue: Number(r.overdue),
    breaches: Number(r.breaches),
    p50_ms: num(r.p50_ms),
    p90_ms: num(r.p90_ms),
    max_ms: num(r.max_ms),
  }));
  const um = await client.query({
    query: `SELECT countIf(match = 'none') AS none, countIf(match = 'ambiguous') AS ambiguous FROM pw_exposures WHERE ${where(scope.tenant)}`,
    query_params: p,
    format: 'JSONEachRow',
  });
  const u = (await um.json<Record<string, unknown>>())[0] ?? {};
  return {
    sla_ms: { platform: map.planes.platform.exposure_sla, application: map.planes.application.exposure_sla },
    statistics,
    unmatched: { none: Number(u.none ?? 0), ambiguous: Number(u.ambiguous ?? 0) },
  };
}

/** One exposure of the export: every alert found in the period, matched or not. */
export interface ExposureRow {
  alert_id: string;
  secret_type: string;
  repository: string;
  match: string;
  plane: string;
  source: string;
  credential_kind: string;
  credential_id: string;
  exposed_at: string;
  revoked_at: string | null;
  lag_ms: number | null;
  sla_ms: number;
  within_sla: boolean | null;
  alert_state: string;
  resolution: string;
  exposed_event_id: string;
}

export const EXPOSURE_EXPORT_COLUMNS = [
  'alert_id',
  'secret_type',
  'repository',
  'match',
  'plane',
  'source',
  'credential_kind',
  'credential_id',
  'exposed_at',
  'revoked_at',
  'lag_ms',
  'sla_ms',
  'within_sla',
  'alert_state',
  'resolution',
  'exposed_event_id',
];

export async function exposureRows(
  client: ClickHouseClient,
  map: BoundaryMap,
  q: LagQuery,
  defaultPlaneOf: DefaultPlaneOf,
  scope: ExposureScope = {},
): Promise<ExposureRow[]> {
  const rs = await client.query({
    query: `SELECT *, ${SLA} AS sla_ms FROM pw_exposures WHERE ${where(scope.tenant)} ORDER BY exposed_ms, alert_id`,
    query_params: params(map, q, defaultPlaneOf, scope),
    format: 'JSONEachRow',
  });
  return (await rs.json<Record<string, unknown>>()).map((r) => {
    const exposed = Number(r.exposed_ms);
    const revokedMs = Number(r.revoked_ms);
    // A key revoked before GitHub found it was never exposed while it worked: lag 0, within SLA.
    const revoked = r.match === 'one' && revokedMs > 0 ? revokedMs : null;
    const lag = revoked === null ? null : Math.max(0, revoked - exposed);
    const sla = Number(r.sla_ms);
    const overdue = r.match === 'one' && revoked === null && q.now - exposed > sla;
    return {
      alert_id: String(r.alert_id),
      secret_type: String(r.secret_type),
      repository: String(r.repository),
      match: String(r.match),
      plane: String(r.plane),
      source: String(r.source),
      credential_kind: String(r.credential_kind),
      credential_id: String(r.credential_id),
      exposed_at: new Date(exposed).toISOString(),
      revoked_at: revoked === null ? null : new Date(revoked).toISOString(),
      lag_ms: lag,
      sla_ms: sla,
      within_sla: r.match !== 'one' ? null : lag !== null ? lag <= sla : !overdue,
      alert_state: Number(r.alert_open) === 1 ? 'open' : 'resolved',
      resolution: String(r.resolution),
      exposed_event_id: String(r.exposed_event_id),
    };
  });
}

/** One exposure lag item's times (the dashboard's histogram): exposure, and revocation (0 = still active). */
export interface ExposureLagTimes {
  plane: string;
  source: string;
  exposed_ms: number;
  removed_ms: number;
}

/** The items of the exposure lag statistics (pw_exposure_lag_items) in the window, with their times. */
export async function exposureLagTimes(
  client: ClickHouseClient,
  map: BoundaryMap,
  q: LagQuery,
  defaultPlaneOf: DefaultPlaneOf,
  scope: ExposureScope = {},
): Promise<ExposureLagTimes[]> {
  const rs = await client.query({
    query: `SELECT plane, source, exposed_ms, removed_ms FROM pw_exposure_lag_items WHERE ${where(scope.tenant)} ORDER BY plane, exposed_ms, alert_id`,
    query_params: params(map, q, defaultPlaneOf, scope),
    format: 'JSONEachRow',
  });
  return (await rs.json<Record<string, unknown>>()).map((r) => ({
    plane: String(r.plane),
    source: String(r.source),
    exposed_ms: Number(r.exposed_ms),
    removed_ms: Number(r.removed_ms),
  }));
}
