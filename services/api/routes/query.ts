// The query endpoints of the read API: findings, lag, people, credentials, evidence, export.
// Every user-supplied value is validated with zod and reaches ClickHouse only as a query parameter.
// A tenant-scoped principal sees only its tenant's application-plane rows (auth.ts decides which
// endpoints it may call at all).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import { sendError, sendJson } from '../../../core/http/respond.ts';
import { formatPath } from '../../../core/config/errors.ts';
import type { BoundaryMap } from '../../../core/config/boundary-map.ts';
import { PLANES } from '../../../core/events/identity-event.ts';
import { FindingsQuery, listFindings } from '../../../store/findings/findings.ts';
import { filterFindings } from '../../../store/findings/findings-query.ts';
import { lagStatistics, personTimeline } from '../../../store/lag/stats.ts';
import { exposureLag, exposureRows, EXPOSURE_EXPORT_COLUMNS } from '../../../store/lag/exposure-lag.ts';
import type { DefaultPlaneOf } from '../../../store/detections/params.ts';
import { CredentialsQuery, listCredentials } from '../../../store/queries/credentials.ts';
import { FINGERPRINT, findingEvidence } from '../../../store/queries/evidence.ts';
import { leavers, LEAVER_EXPORT_COLUMNS } from '../../../store/queries/audit-export.ts';
import { PageQuery, paginate } from '../../../store/queries/page.ts';
import { toCsv } from '../../../store/queries/csv.ts';
import { keepTenantIds, tenantEvidence } from '../../../store/queries/tenant-scope.ts';
import type { Principal } from '../auth.ts';

export interface QueryDeps {
  clickhouse: ClickHouseClient;
  map: BoundaryMap;
  defaultPlaneOf: DefaultPlaneOf;
  /** The clock lag and export compare against when the request gives no `now` (default Date.now). */
  clock?: () => number;
}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
const isoTime = (what: string) =>
  z.string().transform((s, ctx) => {
    const ms = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(s) ? Date.parse(s) : NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: `expected ${what} as an ISO 8601 date or time, e.g. 2026-01-01 or 2026-01-01T00:00:00Z` });
      return z.NEVER;
    }
    return ms;
  });

export const FindingsApiQuery = FindingsQuery.extend({
  severity: z.enum(SEVERITIES, { error: () => `expected one of ${SEVERITIES.join(', ')}` }).optional(),
  since: isoTime('since').optional(),
  tenant: z.string().min(1).max(256).optional(),
}).extend(PageQuery.shape);

export const PeriodQuery = z
  .object({ from: isoTime('from'), to: isoTime('to'), now: isoTime('now').optional() })
  .refine((q) => q.to > q.from, { message: 'expected to later than from', path: ['to'] });

function badRequest(res: ServerResponse, err: z.ZodError): void {
  sendError(res, 400, 'bad_request', err.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '));
}

/** Handles the request when it is one of these endpoints; returns false otherwise. */
export function routeQuery(
  deps: QueryDeps,
  principal: Principal,
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  onError: (err: unknown) => void,
): boolean {
  const params = Object.fromEntries(url.searchParams);
  const path = url.pathname;
  const clock = deps.clock ?? Date.now;
  const run = (work: () => Promise<void>) => void work().catch(onError);
  void req;

  if (path === '/api/v1/findings') {
    const q = FindingsApiQuery.safeParse(params);
    if (!q.success) return (badRequest(res, q.error), true);
    run(async () => {
      const rows = filterFindings(await listFindings(deps.clickhouse, q.data), q.data, principal);
      const page = paginate(rows, q.data);
      if (!principal.tenant) return sendJson(res, 200, page);
      // A tenant token sees only its own tenant's evidence ids (a crossing's evidence may name platform events).
      const allowed = await tenantEvidence(
        deps.clickhouse,
        principal.tenant,
        page.data.flatMap((f) => f.evidence.event_ids),
        page.data.flatMap((f) => f.evidence.raw_ids),
      );
      sendJson(res, 200, { ...page, data: page.data.map((f) => ({ ...f, evidence: keepTenantIds(f.evidence, allowed) })) });
    });
    return true;
  }
  if (path === '/api/v1/lag') {
    const q = PeriodQuery.safeParse(params);
    if (!q.success) return (badRequest(res, q.error), true);
    run(async () => {
      const now = q.data.now ?? clock();
      const stats = await lagStatistics(deps.clickhouse, deps.map, { from: q.data.from, to: q.data.to, now }, deps.defaultPlaneOf);
      const overdue = await listFindings(deps.clickhouse, { status: 'open', detection: 'PW-DEPROV-OVERDUE' });
      const exposure = await exposureLag(deps.clickhouse, deps.map, { from: q.data.from, to: q.data.to, now }, deps.defaultPlaneOf);
      sendJson(res, 200, {
        data: {
          now: new Date(now).toISOString(),
          sla_ms: { platform: deps.map.planes.platform.deprovision_sla, application: deps.map.planes.application.deprovision_sla },
          statistics: stats,
          overdue,
          exposure,
        },
      });
    });
    return true;
  }
  if (path.startsWith('/api/v1/people/')) {
    const email = z
      .string()
      .regex(/^[^@\s]{1,256}@[^@\s]{1,256}$/, 'expected an email address')
      .safeParse(decodeURIComponent(path.slice('/api/v1/people/'.length)));
    if (!email.success) return (badRequest(res, email.error), true);
    const q = PageQuery.extend({
      now: isoTime('now').optional(),
      plane: z.enum(PLANES, { error: () => 'expected "platform" or "application"' }).optional(),
    }).safeParse(params);
    if (!q.success) return (badRequest(res, q.error), true);
    run(async () => {
      const rows = (await personTimeline(deps.clickhouse, deps.map, email.data, q.data.now ?? clock(), deps.defaultPlaneOf))
        .filter((e) => q.data.plane === undefined || e.plane === q.data.plane)
        .filter((e) => !principal.tenant || (e.plane === 'application' && e.tenant === principal.tenant));
      sendJson(res, 200, paginate(rows, q.data));
    });
    return true;
  }
  if (path === '/api/v1/credentials') {
    const q = CredentialsQuery.extend(PageQuery.shape).safeParse(params);
    if (!q.success) return (badRequest(res, q.error), true);
    if (
      principal.tenant &&
      ((q.data.plane ?? 'application') !== 'application' || (q.data.tenant ?? principal.tenant) !== principal.tenant)
    ) {
      sendError(res, 403, 'forbidden', `token "${principal.name}" is limited to tenant ${principal.tenant} on the application plane`);
      return true;
    }
    const filter = principal.tenant ? { ...q.data, plane: 'application' as const, tenant: principal.tenant } : q.data;
    run(async () => sendJson(res, 200, paginate(await listCredentials(deps.clickhouse, filter), q.data)));
    return true;
  }
  if (path.startsWith('/api/v1/evidence/')) {
    const fp = path.slice('/api/v1/evidence/'.length);
    if (!FINGERPRINT.test(fp))
      return (sendError(res, 400, 'bad_request', 'fingerprint: expected a 32-character hex finding fingerprint'), true);
    run(async () => {
      const ev = await findingEvidence(deps.clickhouse, fp);
      if (!ev || (principal.tenant && (ev.finding.plane !== 'application' || ev.finding.tenant !== principal.tenant))) {
        return sendError(res, 404, 'not_found', `no finding with fingerprint ${fp}`);
      }
      if (!principal.tenant) return sendJson(res, 200, { data: ev });
      // Only the tenant's own events, and only deliveries that carry nothing but them.
      const allowed = await tenantEvidence(deps.clickhouse, principal.tenant, ev.finding.evidence.event_ids, [
        ...ev.finding.evidence.raw_ids,
        ...ev.raw_deliveries.map((r) => r.id),
      ]);
      sendJson(res, 200, {
        data: {
          finding: { ...ev.finding, evidence: keepTenantIds(ev.finding.evidence, allowed) },
          events: ev.events.filter((e) => allowed.eventIds.has(e.event_id)),
          raw_deliveries: ev.raw_deliveries.filter((r) => allowed.rawIds.has(r.id)),
        },
      });
    });
    return true;
  }
  if (path === '/api/v1/export') {
    const q = PeriodQuery.and(
      z.object({
        format: z.enum(['json', 'csv'], { error: () => 'expected json or csv' }).default('json'),
        section: z.enum(['leavers', 'exposures'], { error: () => 'expected leavers or exposures' }).default('leavers'),
      }),
    ).safeParse(params);
    if (!q.success) return (badRequest(res, q.error), true);
    run(async () => {
      const now = q.data.now ?? clock();
      const period = { from: q.data.from, to: q.data.to, now };
      const rows = await leavers(deps.clickhouse, deps.map, period, deps.defaultPlaneOf);
      const exposures = await exposureRows(deps.clickhouse, deps.map, period, deps.defaultPlaneOf);
      if (q.data.format === 'csv') {
        const text =
          q.data.section === 'exposures'
            ? toCsv(exposures as unknown as Record<string, unknown>[], EXPOSURE_EXPORT_COLUMNS)
            : toCsv(rows as unknown as Record<string, unknown>[], LEAVER_EXPORT_COLUMNS);
        res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      sendJson(res, 200, {
        data: {
          period: { from: new Date(q.data.from).toISOString(), to: new Date(q.data.to).toISOString() },
          now: new Date(now).toISOString(),
          leavers: rows,
          exposures,
        },
      });
    });
    return true;
  }
  return false;
}
