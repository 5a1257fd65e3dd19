// GET /api/v1/lag/exposures: the exposure lag (secret exposure → revocation of the credential,
// store/lag/exposure-lag.ts) as the dashboard shows it beside the deprovisioning lag: per plane the
// distribution against the plane's exposure SLA (the same SLA-multiple buckets as
// lag-distribution.ts), the statistics per plane and source (p50 / p90 / max, breaches, overdue:
// the figures of /api/v1/lag's `exposure`), and every exposure found in the window, matched or not.
// An exposure that matched no credential or several is listed with its match and never counted in
// the lag: planewatch does not know which credential it was.
//
// Tenant-scoped tokens: only the application plane, only exposures of their tenant's credentials
// (an unmatched exposure has no tenant, so it is not theirs to see).
import type { ClickHouseClient } from '@clickhouse/client';
import type { BoundaryMap } from '../../../core/config/boundary-map.ts';
import type { Plane } from '../../../core/events/identity-event.ts';
import type { DefaultPlaneOf } from '../../../store/detections/params.ts';
import { exposureLag, exposureLagTimes, exposureRows, type ExposureLag, type ExposureRow } from '../../../store/lag/exposure-lag.ts';
import { lagDistribution, type PlaneLagDistribution } from './lag-distribution.ts';

export interface ExposureLagView {
  now: string;
  from: string;
  to: string;
  /** null: every tenant; else the one tenant the token is limited to. */
  tenant: string | null;
  planes: PlaneLagDistribution[];
  statistics: ExposureLag['statistics'];
  unmatched: ExposureLag['unmatched'];
  exposures: ExposureRow[];
}

export async function exposureLagView(
  deps: { clickhouse: ClickHouseClient; map: BoundaryMap; defaultPlaneOf: DefaultPlaneOf },
  q: { from: number; to: number; now: number },
  tenant: string | null,
): Promise<ExposureLagView> {
  const scope = { tenant };
  const [times, lag, exposures] = await Promise.all([
    exposureLagTimes(deps.clickhouse, deps.map, q, deps.defaultPlaneOf, scope),
    exposureLag(deps.clickhouse, deps.map, q, deps.defaultPlaneOf, scope),
    exposureRows(deps.clickhouse, deps.map, q, deps.defaultPlaneOf, scope),
  ]);
  const items = times.map((t) => ({ plane: t.plane as Plane, signal_ms: t.exposed_ms, removed_ms: t.removed_ms }));
  const planes = lagDistribution(items, { platform: lag.sla_ms.platform, application: lag.sla_ms.application }, q.now).filter(
    (p) => tenant === null || p.plane === 'application',
  );
  return {
    now: new Date(q.now).toISOString(),
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    tenant,
    planes,
    statistics: lag.statistics,
    unmatched: lag.unmatched,
    exposures,
  };
}
