// The audit export (SOC 2 CC6.2 / CC6.3 evidence): every person whose deprovision signal falls in
// the period [from, to), with, per plane, how many of their accounts and credentials there were,
// how many were removed, the lag of the last removal after the signal, and whether the plane's SLA
// was met. Built on the same lag items as the lag statistics (store/lag/stats.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { detectionParams, type DefaultPlaneOf } from '../detections/params.ts';
import { lagItemsSql, type LagQuery } from '../lag/stats.ts';

/** The columns of the leavers CSV, in order: the API and the CLI export the same file. */
export const LEAVER_EXPORT_COLUMNS = [
  'person',
  'deprovisioned_at',
  'plane',
  'items',
  'removed',
  'pending',
  'lag_ms',
  'last_removed_at',
  'sla_ms',
  'breaches',
  'overdue',
  'within_sla',
  'signal_event_id',
];

export interface LeaverRow {
  person: string;
  deprovisioned_at: string;
  plane: string;
  items: number;
  removed: number;
  pending: number;
  /** Lag of the latest removal after the signal (ms); null while anything is pending or nothing was removed. */
  lag_ms: number | null;
  last_removed_at: string | null;
  sla_ms: number;
  /** Removals later than the SLA. */
  breaches: number;
  /** Pending longer than the SLA at `now`. */
  overdue: number;
  within_sla: boolean;
  signal_event_id: string;
}

export function leaversSql(): string {
  return `
    SELECT person, any(signal_ms) AS person_signal_ms, any(signal_event_id) AS person_signal_event_id, plane,
           count() AS items, countIf(removed_ms > 0) AS removed, countIf(removed_ms = 0) AS pending,
           maxIf(removed_ms, removed_ms > 0) AS last_removed_ms,
           if(plane = 'platform', {sla_platform_ms:UInt64}, {sla_application_ms:UInt64}) AS sla_ms,
           countIf(removed_ms > 0 AND removed_ms - signal_ms > sla_ms) AS breaches,
           countIf(removed_ms = 0 AND {now_ms:Int64} - signal_ms > sla_ms) AS overdue
    FROM (${lagItemsSql()})
    GROUP BY person, plane
    ORDER BY person_signal_ms, person, plane`;
}

export async function leavers(
  client: ClickHouseClient,
  map: BoundaryMap,
  q: LagQuery,
  defaultPlaneOf: DefaultPlaneOf,
): Promise<LeaverRow[]> {
  const rs = await client.query({
    query: leaversSql(),
    query_params: { ...detectionParams(map, q.now, defaultPlaneOf), from_ms: q.from, to_ms: q.to },
    format: 'JSONEachRow',
  });
  return (await rs.json<Record<string, unknown>>()).map((r) => {
    const signal = Number(r.person_signal_ms);
    const pending = Number(r.pending);
    const removed = Number(r.removed);
    const last = removed > 0 ? Number(r.last_removed_ms) : null;
    const breaches = Number(r.breaches);
    const overdue = Number(r.overdue);
    return {
      person: String(r.person),
      deprovisioned_at: new Date(signal).toISOString(),
      plane: String(r.plane),
      items: Number(r.items),
      removed,
      pending,
      lag_ms: pending === 0 && last !== null ? last - signal : null,
      last_removed_at: last === null ? null : new Date(last).toISOString(),
      sla_ms: Number(r.sla_ms),
      breaches,
      overdue,
      within_sla: breaches === 0 && overdue === 0,
      signal_event_id: String(r.person_signal_event_id),
    };
  });
}
