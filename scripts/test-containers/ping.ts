// Whether a Docker engine answers at an endpoint: GET /_ping (Docker Engine API, answers "OK"),
// bounded by a short timeout so a dead socket file or a closed port costs little. A TLS endpoint
// (DOCKER_TLS_VERIFY=1) is taken as reachable without a probe: checking it would need the client
// certificates, which testcontainers reads itself.
import http from 'node:http';
import { existsSync } from 'node:fs';
import { describeEndpoint, type DockerEndpoint } from './selection.ts';

const PING_TIMEOUT_MS = 2000;

export function ping(e: DockerEndpoint): Promise<boolean> {
  if (e.kind === 'socket' && !existsSync(e.path)) return Promise.resolve(false);
  if (e.kind === 'tcp' && e.tls) return Promise.resolve(true);
  return new Promise((resolve) => {
    const req = http.get(
      { ...(e.kind === 'socket' ? { socketPath: e.path } : { host: e.host, port: e.port }), path: '/_ping', timeout: PING_TIMEOUT_MS },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** The endpoints that answered, as describeEndpoint names them. */
export async function answering(endpoints: readonly DockerEndpoint[]): Promise<Set<string>> {
  const ok = await Promise.all(endpoints.map(async (e) => [describeEndpoint(e), await ping(e)] as const));
  return new Set(ok.filter(([, up]) => up).map(([name]) => name));
}
