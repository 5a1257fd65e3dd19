// /healthz, /readyz and /metrics as every HTTP surface serves them (collector, SCIM service, the
// ops server of the stand-alone services, the all-in-one process): one implementation, so they
// cannot drift apart. GET and HEAD only; any other method is a 405 with `Allow` (an operator's
// probe must not be answered 200 for PUT, DELETE or TRACE).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { registry } from '../metrics.ts';
import type { CheckResult } from '../readiness.ts';
import { sendError, sendJson } from './respond.ts';

export const OPS_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

export interface OpsRoutes {
  readiness: () => Promise<{ ready: boolean; checks: Record<string, CheckResult> }>;
  /** Liveness: not ok when the process cannot heal itself and should be restarted. Default: always ok. */
  liveness?: () => CheckResult;
}

/** Answers the request when its path is one of OPS_PATHS; returns false otherwise. */
export function serveOpsRoute(req: IncomingMessage, res: ServerResponse, pathname: string, routes: OpsRoutes): boolean {
  if (!(OPS_PATHS as readonly string[]).includes(pathname)) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    req.resume();
    sendError(res, 405, 'method_not_allowed', `${pathname} answers GET and HEAD only`, { allow: 'GET, HEAD' });
    return true;
  }
  if (pathname === '/healthz') {
    const live = routes.liveness?.() ?? { ok: true };
    sendJson(res, live.ok ? 200 : 503, live.ok ? { status: 'ok' } : { status: 'failed', detail: live.detail ?? 'not live' });
    return true;
  }
  if (pathname === '/readyz') {
    void routes.readiness().then(
      (r) => sendJson(res, r.ready ? 200 : 503, r),
      (err: unknown) => sendJson(res, 503, { ready: false, checks: { readiness: { ok: false, detail: String(err) } } }),
    );
    return true;
  }
  void registry.metrics().then(
    (text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    },
    () => sendError(res, 500, 'internal', 'metrics collection failed'),
  );
  return true;
}
