// What a tenant-scoped API token may see of evidence: the events of its own tenant on the
// application plane, and the raw deliveries whose every event is such an event (a delivery that
// also carries another tenant's or the platform plane's events is withheld whole: its body would
// show them). Used by the findings, evidence and boundary-report routes (issue #18 point 2).
import type { ClickHouseClient } from '@clickhouse/client';

export interface TenantEvidence {
  eventIds: ReadonlySet<string>;
  rawIds: ReadonlySet<string>;
}

/** Of `eventIds` and `rawIds`, those that belong to `tenant` alone (see the header). */
export async function tenantEvidence(
  client: ClickHouseClient,
  tenant: string,
  eventIds: readonly string[],
  rawIds: readonly string[],
): Promise<TenantEvidence> {
  const events = new Set<string>();
  const raws = new Set<string>();
  if (eventIds.length > 0) {
    const rs = await client.query({
      query: `SELECT DISTINCT event_id FROM identity_events FINAL
              WHERE event_id IN {ids:Array(String)} AND plane = 'application' AND ifNull(tenant_id, '') = {tenant:String}`,
      query_params: { ids: [...new Set(eventIds)], tenant },
      format: 'JSONEachRow',
    });
    for (const r of await rs.json<{ event_id: string }>()) events.add(r.event_id);
  }
  if (rawIds.length > 0) {
    const rs = await client.query({
      query: `SELECT raw_id FROM identity_events FINAL WHERE raw_id IN {ids:Array(String)}
              GROUP BY raw_id HAVING countIf(plane != 'application' OR ifNull(tenant_id, '') != {tenant:String}) = 0`,
      query_params: { ids: [...new Set(rawIds)], tenant },
      format: 'JSONEachRow',
    });
    for (const r of await rs.json<{ raw_id: string }>()) raws.add(r.raw_id);
  }
  return { eventIds: events, rawIds: raws };
}

/** `{event_ids, raw_ids}` kept to the tenant's evidence. */
export function keepTenantIds<T extends { event_ids: string[]; raw_ids: string[] }>(x: T, allowed: TenantEvidence): T {
  return {
    ...x,
    event_ids: x.event_ids.filter((id) => allowed.eventIds.has(id)),
    raw_ids: x.raw_ids.filter((id) => allowed.rawIds.has(id)),
  };
}
