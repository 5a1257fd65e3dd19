// GET /api/v1/reports/boundaries?period=…&plane=…&tenant=…&now=…&format=json|html — the boundary
// report (docs/REPORTS.md). Needs the `export` scope (audit evidence). A tenant-scoped token gets
// only its own tenant's application-plane report: asking for the platform plane or another tenant
// is a 403, and with no tenant given its own tenant is used; every field of what it gets is cut to
// the tenant (store/reports/tenant-scope.ts: query parameters, sources, thresholds, evidence ids).
import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ClickHouseClient } from '@clickhouse/client';
import { sendError, sendJson } from '../../../core/http/respond.ts';
import { formatPath } from '../../../core/config/errors.ts';
import type { BoundaryMap } from '../../../core/config/boundary-map.ts';
import type { DefaultPlaneOf } from '../../../store/detections/params.ts';
import { buildBoundaryReport, ReportRequest } from '../../../store/reports/boundary-report.ts';
import { renderHtml } from '../../../store/reports/render-html.ts';
import { reportEvidenceIds, scopeReportToTenant } from '../../../store/reports/tenant-scope.ts';
import { tenantEvidence } from '../../../store/queries/tenant-scope.ts';
import type { Principal, Scope } from '../auth.ts';

export const REPORT_PATH = '/api/v1/reports/boundaries';
export const REPORT_SCOPE: Scope = 'export';

export interface ReportDeps {
  clickhouse: ClickHouseClient;
  map: BoundaryMap;
  defaultPlaneOf: DefaultPlaneOf;
  clock?: () => number;
}

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const ApiReportQuery = z.object({
  period: z.string({ error: () => 'period: required, e.g. 2026-Q3, 2026-07, 2026 or 2026-07-01..2026-10-01' }),
  plane: z.string().optional(),
  tenant: z.string().optional(),
  now: z
    .string()
    .refine((s) => ISO.test(s) && !Number.isNaN(Date.parse(s)), 'now: expected an ISO 8601 date or time')
    .optional(),
  format: z.enum(['json', 'html'], { error: () => 'format: expected json or html' }).default('json'),
});

const message = (err: z.ZodError) =>
  err.issues.map((i) => (/^\w+: /.test(i.message) ? i.message : `${formatPath(i.path)}: ${i.message}`)).join('; ');

/** Handles the request when it is the report endpoint; returns false otherwise. */
export function routeReport(
  deps: ReportDeps,
  principal: Principal,
  url: URL,
  res: ServerResponse,
  onError: (err: unknown) => void,
): boolean {
  if (url.pathname !== REPORT_PATH) return false;
  if (!principal.scopes.has(REPORT_SCOPE)) {
    sendError(res, 403, 'forbidden', `token "${principal.name}" lacks the "${REPORT_SCOPE}" scope`);
    return true;
  }
  const raw = ApiReportQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!raw.success) return (sendError(res, 400, 'bad_request', message(raw.error)), true);
  const clock = deps.clock ?? Date.now;
  const now = raw.data.now !== undefined ? Date.parse(raw.data.now) : clock();
  if (principal.tenant !== null) {
    if ((raw.data.plane ?? 'application') !== 'application' || (raw.data.tenant ?? principal.tenant) !== principal.tenant) {
      sendError(res, 403, 'forbidden', `token "${principal.name}" is limited to tenant ${principal.tenant} on the application plane`);
      return true;
    }
  }
  const req = ReportRequest.safeParse({
    period: raw.data.period,
    plane: raw.data.plane,
    tenant: principal.tenant ?? raw.data.tenant,
    now,
  });
  if (!req.success) return (sendError(res, 400, 'bad_request', message(req.error)), true);
  const q = req.data;
  const tenant = principal.tenant;
  void buildBoundaryReport(deps.clickhouse, deps.map, deps.defaultPlaneOf, { period: q.period, plane: q.plane, tenant: q.tenant, now })
    .then(async (full) => {
      if (tenant === null) return full;
      const ids = reportEvidenceIds(full);
      return scopeReportToTenant(full, tenant, await tenantEvidence(deps.clickhouse, tenant, ids.eventIds, ids.rawIds));
    })
    .then((report) => {
      if (raw.data.format === 'html') {
        const html = renderHtml(report);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
        res.end(html);
        return;
      }
      sendJson(res, 200, { data: report });
    })
    .catch(onError);
  return true;
}
