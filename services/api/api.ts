// Read-only HTTP API. Bearer tokens: the local token of the running process (full access) and the
// config's api.tokens with scopes and optional tenant scoping (auth.ts); query routes in routes/.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { sendError, sendJson } from '../../core/http/respond.ts';
import { RecentEventsQuery, recentEvents } from '../../store/queries/events.ts';
import { formatPath } from '../../core/config/errors.ts';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import type { SourceModule } from '../../source-kit/source-module.ts';
import { sourceStatus } from '../../store/poll-status.ts';
import { deadAlerts } from '../../store/dead-alerts.ts';
import { boundaries } from '../../store/queries/boundaries.ts';
import { authorize, createAuthenticator, type Scope } from './auth.ts';
import { routeQuery } from './routes/query.ts';
import { routeReport } from './routes/report.ts';
import { openApiDocument } from './openapi.ts';
import { isDashboardPath, routeDashboardApi, serveDashboard } from './dashboard/dashboard.ts';

export interface ApiDeps {
  clickhouse: ClickHouseClient;
  token: string;
  log: Logger;
  /** For GET /api/v1/status: the configured sources. */
  map?: BoundaryMap;
  sources?: Readonly<Record<string, SourceModule>>;
  /** Tokens from the config's api.tokens (values resolved from env: auth.ts resolveApiTokens). */
  tokens?: readonly { name: string; token: string; scopes: readonly Scope[]; tenant: string | null }[];
  /** Clock for lag/export/timeline when a request gives no `now` (default Date.now). */
  clock?: () => number;
}

export function createApiHandler(deps: ApiDeps) {
  const authenticate = createAuthenticator(deps.token, deps.tokens ?? []);
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (req.method === 'GET' && url.pathname === '/api/v1/openapi.json') return sendJson(res, 200, openApiDocument());
    // The dashboard page and its assets hold no data: served without a token (the page asks for one).
    if (isDashboardPath(url.pathname)) return serveDashboard(req.method ?? 'GET', url.pathname, res);
    const principal = authenticate(req);
    if (!principal) {
      return sendError(res, 401, 'unauthorized', 'missing or wrong bearer token', { 'www-authenticate': 'Bearer' });
    }
    if (req.method !== 'GET') return sendError(res, 405, 'method_not_allowed', 'the API is read-only', { allow: 'GET' });
    const denied = authorize(principal, url.pathname);
    if (denied) return sendError(res, 403, 'forbidden', denied);
    if (deps.map) {
      const sources = deps.sources ?? {};
      const handled = routeQuery(
        { clickhouse: deps.clickhouse, map: deps.map, defaultPlaneOf: (v) => sources[v]?.defaultPlane ?? 'application', clock: deps.clock },
        principal,
        url,
        req,
        res,
        (err) => {
          deps.log.error({ err }, 'query failed');
          if (!res.headersSent) sendError(res, 503, 'store_unavailable', 'the event store did not answer');
        },
      );
      if (handled) return;
      const reportDeps = {
        clickhouse: deps.clickhouse,
        map: deps.map,
        defaultPlaneOf: (v: string) => sources[v]?.defaultPlane ?? 'application',
        clock: deps.clock,
      };
      if (
        routeReport(reportDeps, principal, url, res, (err) => {
          deps.log.error({ err }, 'boundary report failed');
          if (!res.headersSent) sendError(res, 503, 'store_unavailable', 'the event store did not answer');
        })
      )
        return;
      const onError = (err: unknown) => {
        deps.log.error({ err }, 'lag distribution query failed');
        if (!res.headersSent) sendError(res, 503, 'store_unavailable', 'the event store did not answer');
      };
      if (
        routeDashboardApi(
          {
            clickhouse: deps.clickhouse,
            map: deps.map,
            defaultPlaneOf: (v) => sources[v]?.defaultPlane ?? 'application',
            clock: deps.clock,
          },
          principal,
          url,
          res,
          onError,
        )
      )
        return;
    }
    if (url.pathname === '/api/v1/events') {
      const q = RecentEventsQuery.safeParse(Object.fromEntries(url.searchParams));
      if (!q.success) {
        return sendError(res, 400, 'bad_request', q.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '));
      }
      void recentEvents(deps.clickhouse, q.data).then(
        (rows) => sendJson(res, 200, { data: rows }),
        (err: unknown) => {
          deps.log.error({ err }, 'events query failed');
          sendError(res, 503, 'store_unavailable', 'the event store did not answer');
        },
      );
      return;
    }
    if (url.pathname === '/api/v1/status' && deps.map && deps.sources) {
      void Promise.all([sourceStatus(deps.clickhouse, deps.map, deps.sources), deadAlerts(deps.clickhouse)]).then(
        ([rows, dead]) => sendJson(res, 200, { data: rows, dead_alerts: dead }),
        (err: unknown) => {
          deps.log.error({ err }, 'status query failed');
          sendError(res, 503, 'store_unavailable', 'the event store did not answer');
        },
      );
      return;
    }
    if (url.pathname === '/api/v1/boundaries' && deps.map && deps.sources) {
      const sources = deps.sources;
      void boundaries(deps.clickhouse, deps.map, (vendor) => sources[vendor]?.defaultPlane ?? 'application').then(
        (planes) => sendJson(res, 200, { data: planes }),
        (err: unknown) => {
          deps.log.error({ err }, 'boundaries query failed');
          sendError(res, 503, 'store_unavailable', 'the event store did not answer');
        },
      );
      return;
    }
    sendError(res, 404, 'not_found', `no such endpoint: ${url.pathname}`);
  };
}
