// GET /api/v1/lag/distribution: the deprovisioning-lag distribution per plane against its SLA, for
// the dashboard's chart. /api/v1/lag gives percentiles only; a histogram needs every item.
// Items are exactly those of the lag statistics (store/lag/stats.ts lagItemsSql: accounts and
// credentials of people whose deprovision signal falls in [from, to)), so the counts here add up to
// /api/v1/lag's count / removed / pending / breaches / overdue for the same window and `now`.
//
// Buckets are multiples of the plane's SLA — (0, ¼], (¼, ½], (½, ¾], (¾, 1], (1, 1.5], (1.5, 2],
// (2, 4], (4, ∞) × SLA — so the SLA is always a bucket edge and the chart can draw it as a line:
//   removed item  → the bucket of its lag (removal − signal); beyond the SLA = a breach
//   pending item  → the bucket of its age so far (now − signal); beyond the SLA = overdue
// A lag of exactly the SLA is within it (as in the statistics: breach = lag > SLA).
import type { ClickHouseClient } from '@clickhouse/client';
import type { BoundaryMap } from '../../../core/config/boundary-map.ts';
import { PLANES, type Plane } from '../../../core/events/identity-event.ts';
import { lagItemsSql } from '../../../store/lag/stats.ts';
import { detectionParams, type DefaultPlaneOf } from '../../../store/detections/params.ts';

/** Bucket edges as fractions of the SLA; the last bucket is open-ended. */
export const SLA_FRACTIONS = [0.25, 0.5, 0.75, 1, 1.5, 2, 4] as const;

export interface LagItemTimes {
  plane: Plane;
  /** Deprovision signal, epoch ms. */
  signal_ms: number;
  /** Removal, epoch ms; 0 = pending. */
  removed_ms: number;
}

export interface LagBucket {
  /** Exclusive lower edge (the first bucket includes 0), ms. */
  from_ms: number;
  /** Inclusive upper edge, ms; null = open-ended. */
  to_ms: number | null;
  /** true when the whole bucket lies beyond the SLA. */
  beyond_sla: boolean;
  /** Items removed with a lag in this bucket. */
  removed: number;
  /** Items still pending whose age falls in this bucket. */
  pending: number;
}

export interface PlaneLagDistribution {
  plane: Plane;
  sla_ms: number;
  items: number;
  removed: number;
  pending: number;
  /** Removed later than the SLA. */
  breaches: number;
  /** Pending longer than the SLA at `now`. */
  overdue: number;
  buckets: LagBucket[];
}

/** Pure: items → one distribution per plane (both planes, even when empty). */
export function lagDistribution(
  items: readonly LagItemTimes[],
  slaMs: Readonly<Record<Plane, number>>,
  now: number,
): PlaneLagDistribution[] {
  return PLANES.map((plane) => {
    const sla = slaMs[plane];
    const edges = SLA_FRACTIONS.map((f) => Math.round(f * sla));
    const buckets: LagBucket[] = [...edges, null].map((to, i) => ({
      from_ms: i === 0 ? 0 : edges[i - 1]!,
      to_ms: to,
      beyond_sla: i >= SLA_FRACTIONS.indexOf(1) + 1,
      removed: 0,
      pending: 0,
    }));
    const out: PlaneLagDistribution = { plane, sla_ms: sla, items: 0, removed: 0, pending: 0, breaches: 0, overdue: 0, buckets };
    for (const it of items) {
      if (it.plane !== plane) continue;
      out.items++;
      const pending = it.removed_ms === 0;
      const ms = Math.max(0, (pending ? now : it.removed_ms) - it.signal_ms);
      let i = edges.findIndex((e) => ms <= e);
      if (i === -1) i = edges.length;
      if (pending) {
        out.pending++;
        buckets[i]!.pending++;
        if (ms > sla) out.overdue++;
      } else {
        out.removed++;
        buckets[i]!.removed++;
        if (ms > sla) out.breaches++;
      }
    }
    return out;
  });
}

/** The lag items of people deprovisioned in [from, to), evaluated at `now`. */
export async function lagItemTimes(
  client: ClickHouseClient,
  map: BoundaryMap,
  q: { from: number; to: number; now: number },
  defaultPlaneOf: DefaultPlaneOf,
): Promise<LagItemTimes[]> {
  const rs = await client.query({
    query: `SELECT plane, signal_ms, removed_ms FROM (${lagItemsSql()}) ORDER BY plane, signal_ms`,
    query_params: { ...detectionParams(map, q.now, defaultPlaneOf), from_ms: q.from, to_ms: q.to },
    format: 'JSONEachRow',
  });
  return (await rs.json<Record<string, unknown>>()).map((r) => ({
    plane: String(r.plane) as Plane,
    signal_ms: Number(r.signal_ms),
    removed_ms: Number(r.removed_ms),
  }));
}
