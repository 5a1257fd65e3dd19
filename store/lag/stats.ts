// Deprovisioning lag statistics and the per-person timeline: pure SQL builders plus thin runners,
// for the CLI and the API (docs/DETECTIONS.md "Lag statistics", "Timeline").
//
// Lag items: for every person whose deprovision signal (start of the latest deprovisioned period
// not ended) falls in the window [from, to), each of their units of access outside authoritative
// directories (docs/IDENTITY-MODEL.md: an account with its scopes, a tenant membership, a pending
// invite) and each credential they own, on every plane. An item removed (an invite closed) BEFORE
// the signal is not part of this deprovisioning and is left out. lag = removal time − signal.
//   count     items
//   removed   items removed (after the signal)
//   pending   items not removed
//   overdue   pending longer than the plane's SLA at `now`
//   breaches  removed, but later than the plane's SLA (a completed removal after the SLA is not an
//             open finding, but it is a breach here and in the audit export)
//   p50/p90/p99/max  over the removed items' lag (ms); quantiles are the exact order statistic
//             sorted[min(floor(q·n), n−1)] (ClickHouse quantileExact); null when nothing was removed
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { normalizeEmail } from '../../core/events/identity-event.ts';
import { detectionParams, type DefaultPlaneOf, type DetectionParams } from '../detections/params.ts';

const PEOPLE_ARGS =
  'link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)}, directory_sources = {directory_sources:Array(String)}';
const SLA = "if(plane = 'platform', {sla_platform_ms:UInt64}, {sla_application_ms:UInt64})";

/**
 * The lag items of people whose governing deprovision signal falls in [from, to): the view
 * pw_lag_items (migration 0014), the one definition of a lag item (units of access and
 * credentials, each with the signal that governs it).
 */
export function lagItemsSql(): string {
  return `SELECT * FROM pw_lag_items(${PEOPLE_ARGS}) WHERE signal_ms >= {from_ms:Int64} AND signal_ms < {to_ms:Int64}`;
}

export function lagStatsSql(): string {
  return `
    SELECT plane, if(grouping(source) = 1, NULL, source) AS by_source,
           count() AS count,
           countIf(removed_ms > 0) AS removed,
           countIf(removed_ms = 0) AS pending,
           countIf(removed_ms = 0 AND {now_ms:Int64} - signal_ms > ${SLA}) AS overdue,
           countIf(removed_ms > 0 AND removed_ms - signal_ms > ${SLA}) AS breaches,
           if(removed = 0, NULL, quantileExactIf(0.5)(removed_ms - signal_ms, removed_ms > 0)) AS p50_ms,
           if(removed = 0, NULL, quantileExactIf(0.9)(removed_ms - signal_ms, removed_ms > 0)) AS p90_ms,
           if(removed = 0, NULL, quantileExactIf(0.99)(removed_ms - signal_ms, removed_ms > 0)) AS p99_ms,
           if(removed = 0, NULL, maxIf(removed_ms - signal_ms, removed_ms > 0)) AS max_ms
    FROM (${lagItemsSql()})
    GROUP BY GROUPING SETS ((plane), (plane, source))
    ORDER BY plane, by_source NULLS FIRST`;
}

export const LagQuery = z.object({
  /** Window of deprovision signals, epoch ms [from, to). */
  from: z.number().int().nonnegative(),
  to: z.number().int().positive(),
  now: z.number().int().positive(),
});
export type LagQuery = z.infer<typeof LagQuery>;

export interface LagStat {
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
  p99_ms: number | null;
  max_ms: number | null;
}

function params(map: BoundaryMap, q: LagQuery, defaultPlaneOf: DefaultPlaneOf): DetectionParams {
  return { ...detectionParams(map, q.now, defaultPlaneOf), from_ms: q.from, to_ms: q.to };
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function lagStatistics(
  client: ClickHouseClient,
  map: BoundaryMap,
  q: LagQuery,
  defaultPlaneOf: DefaultPlaneOf,
): Promise<LagStat[]> {
  const rs = await client.query({ query: lagStatsSql(), query_params: params(map, q, defaultPlaneOf), format: 'JSONEachRow' });
  return (await rs.json<Record<string, unknown>>()).map((r) => ({
    plane: String(r.plane),
    source: r.by_source === null ? null : String(r.by_source),
    count: Number(r.count),
    removed: Number(r.removed),
    pending: Number(r.pending),
    overdue: Number(r.overdue),
    breaches: Number(r.breaches),
    p50_ms: num(r.p50_ms),
    p90_ms: num(r.p90_ms),
    p99_ms: num(r.p99_ms),
    max_ms: num(r.max_ms),
  }));
}

/**
 * A person's timeline across planes: directory lifecycle (deprovision / reactivation), every
 * account's and credential's lifecycle (created, removal, ...), and their activity days after
 * their first deprovision signal, oldest first.
 */
export function timelineSql(): string {
  return `
    WITH
        pa AS (SELECT * FROM pw_person_accounts(${PEOPLE_ARGS}) WHERE person = {person:String}),
        first_signal AS (SELECT min(p.1) AS s FROM pa ARRAY JOIN periods AS p WHERE is_directory = 1),
        creds AS (
            SELECT c.* FROM pw_credentials AS c
            WHERE (c.source, c.owner_id) IN (SELECT source, subject_id FROM pa)
        )
    SELECT at_ms, plane, source, tenant, entity, subject_kind, subject_id, what, event_id, raw_id FROM
    (
        SELECT toUnixTimestamp64Milli(x.1) AS at_ms, plane, source, tenant, 'account' AS entity, kind AS subject_kind, subject_id,
               multiIf(is_directory = 1 AND x.4 IN ('deprov', 'delete'), 'deprovision_signal',
                       is_directory = 1 AND x.4 = 'up', 'reactivation',
                       x.4 IN ('deprov', 'delete'), 'removal',
                       x.4 = 'up', 'reactivated', 'created') AS what,
               x.2 AS event_id, x.3 AS raw_id
        FROM pa ARRAY JOIN lc AS x
        UNION ALL
        -- an account known only from inventory listings (no creation reported): its latest listing
        SELECT toUnixTimestamp64Milli(inv_last), plane, source, tenant, 'account', kind, subject_id, 'seen_in_inventory',
               inv_last_ev.1, inv_last_ev.2
        FROM pa WHERE inv_last_ms > 0 AND NOT arrayExists(x -> x.4 = 'create', lc)
        UNION ALL
        SELECT toUnixTimestamp64Milli(x.1), plane, source, tenant, 'credential', kind, credential_id,
               multiIf(x.4 = 'delete', 'removal', x.4 = 'up', 'reactivated', 'created'), x.2, x.3
        FROM creds ARRAY JOIN lc AS x
        UNION ALL
        -- a credential whose creation no event reported (inventory only): created_at as listed, else first seen
        SELECT if(created_ms > 0, created_ms, first_seen_ms), plane, source, tenant, 'credential', kind, credential_id,
               if(created_ms > 0, 'created', 'first_seen'), last_ev.1, last_ev.2
        FROM creds WHERE NOT arrayExists(x -> x.4 = 'create', lc)
        UNION ALL
        SELECT toUnixTimestamp64Milli(max(d.max_at)), d.plane, d.source, '', d.entity, '', d.entity_id, 'activity_after_deprovision',
               argMaxMerge(d.last_ev).1, argMaxMerge(d.last_ev).2
        FROM pw_activity_days AS d
        WHERE ((d.entity = 'account' AND (d.source, d.entity_id) IN (SELECT source, subject_id FROM pa))
            OR (d.entity = 'credential' AND (d.source, d.entity_id) IN (SELECT source, credential_id FROM creds)))
        GROUP BY d.plane, d.source, d.entity, d.entity_id, d.day
        HAVING (SELECT s FROM first_signal) > 0 AND max(d.max_at) > fromUnixTimestamp64Milli((SELECT s FROM first_signal), 'UTC')
    )
    ORDER BY at_ms, event_id`;
}

export interface TimelineEntry {
  at: string;
  plane: string;
  source: string;
  tenant: string | null;
  entity: string;
  subject_kind: string | null;
  subject_id: string;
  what: string;
  event_id: string;
  raw_id: string;
}

export async function personTimeline(
  client: ClickHouseClient,
  map: BoundaryMap,
  email: string,
  now: number,
  defaultPlaneOf: DefaultPlaneOf,
): Promise<TimelineEntry[]> {
  const person = normalizeEmail(email);
  if (person === null) throw new Error('timeline: expected an email address');
  const rs = await client.query({
    query: timelineSql(),
    query_params: { ...detectionParams(map, now, defaultPlaneOf), person },
    format: 'JSONEachRow',
  });
  return (await rs.json<Record<string, unknown>>()).map((r) => ({
    at: new Date(Number(r.at_ms)).toISOString(),
    plane: String(r.plane),
    source: String(r.source),
    tenant: r.tenant ? String(r.tenant) : null,
    entity: String(r.entity),
    subject_kind: r.subject_kind ? String(r.subject_kind) : null,
    subject_id: String(r.subject_id),
    what: String(r.what),
    event_id: String(r.event_id),
    raw_id: String(r.raw_id),
  }));
}
