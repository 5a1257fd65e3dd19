// The boundary report (docs/REPORTS.md): for each plane (and each tenant of the application plane),
// can we prove who can get in, that provisioning and deprovisioning work, and that the audit trail
// is complete — with evidence from that plane. Queries run here (I/O); build.ts turns their rows
// into controls (pure). Every query's exact SQL and parameters are part of the report.
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { PLANES, type Plane } from '../../core/events/identity-event.ts';
import { toDateTime64 } from '../../core/clickhouse/rows.ts';
import { detectionParams, type DefaultPlaneOf, type DetectionParams } from '../detections/params.ts';
import { DetectionRowSchema } from '../detections/metadata.ts';
import { reportDetectionSql } from './detection-views.ts';
import { fingerprintOf } from '../findings/lifecycle.ts';
import { listFindings } from '../findings/findings.ts';
import { PeriodText, type Period } from './period.ts';
import { REPORT_QUERIES, scoped, type QueryId } from './queries.ts';
import {
  buildSections,
  type AccountRow,
  type CredentialRow,
  type DetectionHit,
  type DirectoryEventsRow,
  type DirectoryRow,
  type ExposureItemRow,
  type LagItemRow,
  type ReportInputs,
  type SignInRow,
} from './build.ts';
import { REPORT_SCHEMA, type BoundaryReport, type QueryTrace, type SourceCoverage } from './types.ts';

export { REPORT_SCHEMA, type BoundaryReport } from './types.ts';

/** Detections whose rows the report uses (their own detection.sql over the live views, store/reports/detection-views.ts, run at the report's as-of time). */
export const REPORT_DETECTIONS = [
  'PW-UNMANAGED-ACCOUNT',
  'PW-PROVISIONING-DISABLED',
  'PW-DEPROV-OVERDUE',
  'PW-ACTIVITY-AFTER-DEPROVISION',
  'PW-STALE-CREDENTIAL',
  'PW-ORPHANED-CREDENTIAL',
  'PW-SOURCE-SILENT',
  'PW-CUSTOMER-IN-PLATFORM',
  'PW-PLATFORM-IN-TENANT',
  'PW-NHI-HUMAN-ACTION',
] as const;
const CROSSING_DETECTIONS = ['PW-CUSTOMER-IN-PLATFORM', 'PW-PLATFORM-IN-TENANT', 'PW-NHI-HUMAN-ACTION'];

const tenantText = z
  .string()
  .min(1, 'tenant: expected a tenant id')
  .max(256, 'tenant: at most 256 characters')
  .regex(/^[\w.:@-]+$/, 'tenant: expected letters, digits, _ . : @ -');

/** What a report is asked for (CLI options and API query parameters share it). */
export const ReportRequest = z
  .object({
    period: PeriodText,
    plane: z.enum(PLANES, { error: () => 'plane: expected "platform" or "application"' }).optional(),
    tenant: tenantText.optional(),
    /** Evaluation time (epoch ms); default: the caller's clock. */
    now: z.number().int().positive().optional(),
  })
  .refine((r) => !(r.tenant !== undefined && r.plane === 'platform'), {
    message: 'tenant: tenants exist on the application plane only; drop --plane platform',
    path: ['tenant'],
  });
export type ReportRequest = z.infer<typeof ReportRequest>;

export interface ReportOptions {
  period: Period;
  plane?: Plane;
  tenant?: string;
  /** As-of time (epoch ms). */
  now: number;
  /** Wall clock for generated_at (default Date.now). */
  wallClock?: () => number;
}

/** Planes a connection feeds: its own (or the vendor default) and every plane its plane rules name. */
export function connectionPlanes(map: BoundaryMap, defaultPlaneOf: DefaultPlaneOf): Map<string, Plane[]> {
  const out = new Map<string, Plane[]>();
  for (const c of map.connections.filter((x) => x.enabled)) {
    const base = c.plane ?? defaultPlaneOf(c.vendor);
    out.set(
      c.id,
      PLANES.filter((p) => p === base || c.plane_rules.some((r) => r.plane === p)),
    );
  }
  return out;
}

export function reportParams(
  map: BoundaryMap,
  o: { from: number; to: number; now: number },
  defaultPlaneOf: DefaultPlaneOf,
): DetectionParams {
  const end = Math.max(o.from, Math.min(o.to, o.now));
  return {
    ...detectionParams(map, o.now, defaultPlaneOf),
    from_ms: o.from,
    to_ms: o.to,
    end_ms: end,
    from: toDateTime64(o.from),
    to: toDateTime64(o.to),
    end: toDateTime64(end),
    scope_conn_ids: map.connections.map((c) => c.id),
  };
}

/** Only the parameters the SQL uses (so a trace stays readable). */
function usedParams(sql: string, params: DetectionParams): Record<string, unknown> {
  const names = new Set([...sql.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\s*:/g)].map((m) => m[1]!));
  return Object.fromEntries(
    Object.entries(params)
      .filter(([k]) => names.has(k))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

const toNum = (r: Record<string, unknown>, keys: string[]) => {
  const o: Record<string, unknown> = { ...r };
  for (const k of keys) o[k] = Number(r[k]);
  return o;
};

async function rows<T>(client: ClickHouseClient, sql: string, params: DetectionParams, numeric: string[]): Promise<T[]> {
  const rs = await client.query({ query: sql, query_params: usedParams(sql, params), format: 'JSONEachRow' });
  return (await rs.json<Record<string, unknown>>()).map((r) => toNum(r, numeric) as T);
}

/** Per-connection coverage (pure, from the deliveries and dead-letter rows). */
export function sourceCoverage(
  map: BoundaryMap,
  planes: Map<string, Plane[]>,
  p: { from: number; end: number },
  deliveries: {
    connection_id: string;
    source: string;
    transport: string;
    silent_ms: number;
    deliveries: number;
    last_delivery_ms: number;
    last_raw: string;
    last_raw_in_period: string;
    gaps: [number, number][];
  }[],
  deadLetters: { connection_id: string; source: string; dead_letters: number }[],
): SourceCoverage[] {
  const span = Math.max(1, p.end - p.from);
  return deliveries
    .map((d) => {
      const gaps = d.gaps.map(([a, b]) => ({
        from: new Date(Number(a)).toISOString(),
        to: new Date(Number(b)).toISOString(),
        ms: Number(b) - Number(a),
      }));
      const inGaps = gaps.reduce((n, g) => n + g.ms, 0);
      const last = d.gaps[d.gaps.length - 1];
      const conn = map.connections.find((c) => c.id === d.connection_id);
      return {
        connection_id: d.connection_id,
        source: d.source,
        transport: d.transport,
        planes: planes.get(d.connection_id) ?? [],
        silent_after_ms: Number(d.silent_ms),
        deliveries: Number(d.deliveries),
        last_delivery_at: Number(d.last_delivery_ms) > 0 ? new Date(Number(d.last_delivery_ms)).toISOString() : null,
        gaps,
        longest_gap_ms: gaps.length ? Math.max(...gaps.map((g) => g.ms)) : null,
        coverage: Math.round(Math.max(0, 1 - inGaps / span) * 10_000) / 10_000,
        silent_at_end: Number(d.deliveries) === 0 || (last !== undefined && Number(last[1]) === p.end),
        dead_letters: deadLetters
          .filter((x) => x.connection_id === d.connection_id && (x.source === '' || x.source === (conn?.vendor ?? d.source)))
          .reduce((n, x) => n + Number(x.dead_letters), 0),
        last_raw_id: d.last_raw || null,
      };
    })
    .sort((a, b) => a.connection_id.localeCompare(b.connection_id));
}

export async function buildBoundaryReport(
  client: ClickHouseClient,
  map: BoundaryMap,
  defaultPlaneOf: DefaultPlaneOf,
  o: ReportOptions,
): Promise<BoundaryReport> {
  const wall = o.wallClock ?? Date.now;
  const params = reportParams(map, { from: o.period.from, to: o.period.to, now: o.now }, defaultPlaneOf);
  // Read (and checked) before any query runs: a detection the report cannot run live fails the report up front.
  const detectionSql = REPORT_DETECTIONS.map((id) => [id, scoped(reportDetectionSql(id))] as const);
  const end = Number(params.end_ms);
  const traces: QueryTrace[] = [];
  const q = async <T>(id: QueryId, numeric: string[]): Promise<T[]> => {
    const { sql, describes } = REPORT_QUERIES[id];
    traces.push({ id, describes, sql: sql.trim(), params: usedParams(sql, params) });
    return rows<T>(client, sql, params, numeric);
  };
  const accounts = await q<AccountRow>('accounts', ['managed']);
  const directories = await q<DirectoryRow>('directories', ['disabled']);
  const directoryEvents = await q<DirectoryEventsRow>('directory_events', ['events', 'last_ms']);
  const signIns = await q<SignInRow>('sign_ins', ['sign_ins', 'sso', 'password', 'other', 'unknown', 'mfa', 'mfa_reported', 'managed']);
  const lagItems = await q<LagItemRow>('lag_items', ['signal_ms', 'removed_ms']);
  const credentials = await q<CredentialRow>('credentials', ['created_ms', 'last_used_ms', 'ref_ms', 'unobservable']);
  // Exposures are known only with a secret scanning source (GitHub); without one the credentials
  // control says nothing about them rather than "none".
  const secretScanning = map.connections.some((c) => c.vendor === 'github');
  const exposures = secretScanning ? await q<ExposureItemRow>('exposures', ['exposed_ms', 'removed_ms', 'in_lag']) : undefined;
  const deliveries = await q<{
    connection_id: string;
    source: string;
    transport: string;
    silent_ms: number;
    deliveries: number;
    last_delivery_ms: number;
    last_raw: string;
    last_raw_in_period: string;
    gaps: [number, number][];
  }>('deliveries', ['silent_ms', 'deliveries', 'last_delivery_ms']);
  const deadLetters = await q<{ connection_id: string; source: string; dead_letters: number }>('dead_letters', ['dead_letters']);

  const hits: DetectionHit[] = [];
  for (const [id, sql] of detectionSql) {
    traces.push({
      id: `detection:${id}`,
      describes: `${id} (detections/${id}/detection.sql with each snapshot table read through its view, kept to the map's connections), run at as_of`,
      sql: sql.trim(),
      params: usedParams(sql, params),
    });
    const raw = await rows<Record<string, unknown>>(client, sql, params, []);
    for (const r of raw) {
      const row = DetectionRowSchema.parse(r);
      hits.push({ detection: id, fingerprint: fingerprintOf(id, row), ...row });
    }
  }
  // Crossings that were open at some time in the period, though they may be resolved now.
  traces.push({
    id: 'crossing_findings',
    describes:
      'findings of PW-CUSTOMER-IN-PLATFORM, PW-PLATFORM-IN-TENANT and PW-NHI-HUMAN-ACTION open at some time in the period (pw_findings, store/findings/findings.ts listFindings)',
    sql: 'listFindings(status = all): latest recorded version per fingerprint of pw_findings; kept when first_seen < to and (resolved_at is null or resolved_at >= from)',
    params: { from: params.from, to: params.to },
  });
  const crossingFindings: DetectionHit[] = (await listFindings(client, { status: 'all' }))
    .filter((f) => CROSSING_DETECTIONS.includes(f.detection))
    .filter((f) => Date.parse(f.first_seen) < o.period.to && (f.resolved_at === null || Date.parse(f.resolved_at) >= o.period.from))
    .map((f) => ({
      detection: f.detection,
      fingerprint: f.fingerprint,
      plane: f.plane,
      tenant: f.tenant ?? '',
      source: f.source ?? '',
      subject_kind: f.subject.kind,
      subject_id: f.subject.id,
      subject_email: f.subject.email ?? '',
      event_ids: f.evidence.event_ids,
      raw_ids: f.evidence.raw_ids,
      detail: { ...f.detail, finding_status: f.status },
    }));

  const planesOf = connectionPlanes(map, defaultPlaneOf);
  const sources = sourceCoverage(map, planesOf, { from: o.period.from, end }, deliveries, deadLetters);
  const planes: Plane[] = o.tenant !== undefined ? ['application'] : o.plane ? [o.plane] : [...PLANES];
  const thresholds = Object.fromEntries(
    PLANES.map((p) => [
      p,
      {
        deprovision_sla_ms: map.planes[p].deprovision_sla,
        grace_ms: map.planes[p].grace,
        stale_after_ms: map.planes[p].stale_after,
        ...(secretScanning ? { exposure_sla_ms: map.planes[p].exposure_sla } : {}),
      },
    ]),
  ) as BoundaryReport['thresholds'];
  const inputs: ReportInputs = {
    planes,
    tenant: o.tenant ?? null,
    from: o.period.from,
    to: o.period.to,
    end,
    asOf: o.now,
    thresholds,
    sources: sources.filter((s) => s.planes.some((p) => planes.includes(p))),
    accounts,
    directories,
    directoryEvents,
    signIns,
    lagItems,
    credentials,
    hits,
    crossingFindings,
    ...(exposures ? { exposures } : {}),
  };
  return {
    schema: REPORT_SCHEMA,
    generated_at: new Date(wall()).toISOString(),
    as_of: new Date(o.now).toISOString(),
    period: {
      label: o.period.label,
      from: new Date(o.period.from).toISOString(),
      to: new Date(o.period.to).toISOString(),
      observed_to: new Date(end).toISOString(),
    },
    scope: { planes, tenant: o.tenant ?? null },
    thresholds,
    sources: inputs.sources,
    sections: buildSections(inputs),
    queries: traces,
  };
}
