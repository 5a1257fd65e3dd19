// The operational HTTP surface of a stand-alone service that has no other HTTP server (normalizer,
// sink, detector): GET /healthz, /readyz (its checks) and /metrics (the shared registry) on
// PLANEWATCH_HTTP_HOST:PLANEWATCH_HTTP_PORT, so every service can be scraped and probed. The
// collector and the SCIM service serve the same three routes next to their own.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { sendError } from './respond.ts';
import { serveOpsRoute } from './ops-routes.ts';
import type { CheckResult } from '../readiness.ts';

export interface OpsServer {
  url: string;
  stop(): Promise<void>;
}

export async function startOpsServer(opts: {
  host: string;
  port: number;
  readiness: () => Promise<{ ready: boolean; checks: Record<string, CheckResult> }>;
  liveness?: () => CheckResult;
  log: Logger;
}): Promise<OpsServer> {
  const server = http.createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    req.resume();
    if (serveOpsRoute(req, res, path, { readiness: opts.readiness, liveness: opts.liveness })) return;
    sendError(res, 404, 'not_found', `no such endpoint: ${path}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  opts.log.info({ url }, 'health and metrics endpoints listening (/healthz, /readyz, /metrics)');
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
