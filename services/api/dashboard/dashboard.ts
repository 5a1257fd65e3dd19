// The dashboard page (docs/DASHBOARD.md): GET /dashboard serves one static HTML page with its
// script, stylesheet and Chart.js (from node_modules, so it works without any network access).
// The page and its assets hold no data and need no token; the page asks for a bearer token, keeps
// it in sessionStorage and calls the JSON endpoints with it. This module also answers the
// endpoints the page needs that the API lacked: GET /api/v1/lag/distribution (lag-distribution.ts)
// and GET /api/v1/lag/exposures (exposure-lag-view.ts).
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { sendError, sendJson } from '../../../core/http/respond.ts';
import { formatPath } from '../../../core/config/errors.ts';
import { repoPath } from '../../../core/repo-root.ts';
import type { BoundaryMap } from '../../../core/config/boundary-map.ts';
import type { DefaultPlaneOf } from '../../../store/detections/params.ts';
import { authorize, type Principal } from '../auth.ts';
import { PeriodQuery } from '../routes/query.ts';
import { lagDistribution, lagItemTimes } from './lag-distribution.ts';
import { exposureLagView } from './exposure-lag-view.ts';

export const DASHBOARD_PATH = '/dashboard';
export const LAG_DISTRIBUTION_PATH = '/api/v1/lag/distribution';
export const EXPOSURE_LAG_PATH = '/api/v1/lag/exposures';

// From the repository, not next to this module: the build (dist/) compiles code and copies no files.
const STATIC_DIR = repoPath('services', 'api', 'dashboard', 'static');

/** Chart.js's self-contained UMD build (its package exports do not expose dist/ files, so resolve the package root). */
function chartJsFile(): string {
  const main = createRequire(import.meta.url).resolve('chart.js'); // …/node_modules/chart.js/dist/chart.cjs
  return path.join(path.dirname(main), 'chart.umd.min.js');
}

interface Asset {
  file: () => string;
  type: string;
}

const ASSETS: Readonly<Record<string, Asset>> = {
  [DASHBOARD_PATH]: { file: () => path.join(STATIC_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  [`${DASHBOARD_PATH}/`]: { file: () => path.join(STATIC_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  [`${DASHBOARD_PATH}/assets/dashboard.js`]: { file: () => path.join(STATIC_DIR, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  [`${DASHBOARD_PATH}/assets/dashboard.css`]: { file: () => path.join(STATIC_DIR, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  [`${DASHBOARD_PATH}/assets/chart.umd.min.js`]: { file: chartJsFile, type: 'text/javascript; charset=utf-8' },
};

/**
 * Scripts, styles and data only from this origin; no inline script or style, no framing, no form
 * submission (the token form is handled by script and its input has no name, so even a page whose
 * script failed cannot put the token into a URL).
 */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

const cache = new Map<string, Buffer>();

/** true when `pathname` is the page or one of its assets (public: they carry no data). */
export function isDashboardPath(pathname: string): boolean {
  return Object.hasOwn(ASSETS, pathname) || pathname.startsWith(`${DASHBOARD_PATH}/`);
}

/** Serves the page or an asset; unknown paths under /dashboard/ get 404, methods other than GET/HEAD 405. */
export function serveDashboard(method: string, pathname: string, res: ServerResponse): void {
  if (method !== 'GET' && method !== 'HEAD')
    return sendError(res, 405, 'method_not_allowed', 'the dashboard is read-only', { allow: 'GET, HEAD' });
  const asset = Object.hasOwn(ASSETS, pathname) ? ASSETS[pathname] : undefined;
  if (!asset) return sendError(res, 404, 'not_found', `no such dashboard asset: ${pathname}`);
  let body = cache.get(pathname);
  if (!body) {
    body = readFileSync(asset.file());
    cache.set(pathname, body);
  }
  res.writeHead(200, { 'content-type': asset.type, 'content-length': body.length, ...SECURITY_HEADERS });
  res.end(method === 'HEAD' ? undefined : body);
}

export interface DashboardApiDeps {
  clickhouse: ClickHouseClient;
  map: BoundaryMap;
  defaultPlaneOf: DefaultPlaneOf;
  clock?: () => number;
}

/**
 * GET /api/v1/lag/distribution?from&to[&now]: needs what /api/v1/lag needs (the `lag` scope, a
 * token not limited to a tenant). GET /api/v1/lag/exposures?from&to[&now]: the `lag` scope; a
 * tenant-scoped token gets its tenant's application-plane exposures only. Returns false for any
 * other path.
 */
export function routeDashboardApi(
  deps: DashboardApiDeps,
  principal: Principal,
  url: URL,
  res: ServerResponse,
  onError: (err: unknown) => void,
): boolean {
  if (url.pathname === EXPOSURE_LAG_PATH) return (routeExposureLag(deps, principal, url, res, onError), true);
  if (url.pathname !== LAG_DISTRIBUTION_PATH) return false;
  const denied = authorize(principal, '/api/v1/lag');
  if (denied) return (sendError(res, 403, 'forbidden', denied), true);
  const q = PeriodQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!q.success)
    return (sendError(res, 400, 'bad_request', q.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')), true);
  const now = q.data.now ?? (deps.clock ?? Date.now)();
  void lagItemTimes(deps.clickhouse, deps.map, { from: q.data.from, to: q.data.to, now }, deps.defaultPlaneOf)
    .then((items) => {
      const sla = { platform: deps.map.planes.platform.deprovision_sla, application: deps.map.planes.application.deprovision_sla };
      sendJson(res, 200, {
        data: {
          now: new Date(now).toISOString(),
          from: new Date(q.data.from).toISOString(),
          to: new Date(q.data.to).toISOString(),
          planes: lagDistribution(items, sla, now),
        },
      });
    })
    .catch(onError);
  return true;
}

function routeExposureLag(
  deps: DashboardApiDeps,
  principal: Principal,
  url: URL,
  res: ServerResponse,
  onError: (err: unknown) => void,
): void {
  if (!principal.scopes.has('lag')) return sendError(res, 403, 'forbidden', `token "${principal.name}" lacks the "lag" scope`);
  const q = PeriodQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!q.success) return sendError(res, 400, 'bad_request', q.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '));
  const now = q.data.now ?? (deps.clock ?? Date.now)();
  void exposureLagView(deps, { from: q.data.from, to: q.data.to, now }, principal.tenant)
    .then((data) => sendJson(res, 200, { data }))
    .catch(onError);
}
