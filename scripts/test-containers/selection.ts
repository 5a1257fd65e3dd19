// What `npm run test:containers` decides before it starts anything, as pure functions (unit-tested
// in test/unit/scripts/test-containers-selection.test.ts):
// - where a Docker engine would be: DOCKER_HOST when set (unix:// socket or tcp:// address), else
//   the usual sockets — /var/run/docker.sock, the rootless $XDG_RUNTIME_DIR/docker.sock, Docker
//   Desktop's ~/.docker/run/docker.sock — the same places testcontainers looks;
// - which of them answers (the caller probes each with GET /_ping, see ping.ts);
// - the environment the integration and e2e suites then run with: KAFKA_BROKERS and CLICKHOUSE_URL
//   (+ user, password, database) of the containers, so planewatch starts no broker of its own and
//   uses a ClickHouse server over HTTP instead of embedded chDB.

export type DockerEndpoint =
  { kind: 'socket'; path: string; from: string } | { kind: 'tcp'; host: string; port: number; tls: boolean; from: string };

export type Candidates = { endpoints: DockerEndpoint[]; problem: null } | { endpoints: []; problem: string };

/** DOCKER_HOST's value as an endpoint, or why it cannot be used. */
export function parseDockerHost(value: string, tls = false): DockerEndpoint | string {
  const v = value.trim();
  if (v.startsWith('unix://')) {
    const p = v.slice('unix://'.length);
    return p.startsWith('/') ? { kind: 'socket', path: p, from: 'DOCKER_HOST' } : `DOCKER_HOST=${v}: expected unix:///absolute/path`;
  }
  if (v.startsWith('tcp://')) {
    let u: URL;
    try {
      u = new URL(`http://${v.slice('tcp://'.length)}`);
    } catch {
      return `DOCKER_HOST=${v}: not a host:port`;
    }
    // Docker's defaults: 2375 plain, 2376 with TLS.
    return { kind: 'tcp', host: u.hostname, port: u.port ? Number(u.port) : tls ? 2376 : 2375, tls, from: 'DOCKER_HOST' };
  }
  return `DOCKER_HOST=${v}: only unix:// and tcp:// are supported here`;
}

/** Where to look for a Docker engine, in order: DOCKER_HOST alone when set, else the usual sockets. */
export function dockerCandidates(env: Readonly<Record<string, string | undefined>>, home: string): Candidates {
  const host = env.DOCKER_HOST?.trim();
  if (host) {
    const e = parseDockerHost(host, env.DOCKER_TLS_VERIFY === '1');
    return typeof e === 'string' ? { endpoints: [], problem: e } : { endpoints: [e], problem: null };
  }
  const sockets = ['/var/run/docker.sock'];
  if (env.XDG_RUNTIME_DIR) sockets.push(`${env.XDG_RUNTIME_DIR}/docker.sock`);
  sockets.push(`${home}/.docker/run/docker.sock`);
  return { endpoints: sockets.map((p) => ({ kind: 'socket' as const, path: p, from: 'default socket' })), problem: null };
}

export const describeEndpoint = (e: DockerEndpoint): string => (e.kind === 'socket' ? `unix://${e.path}` : `tcp://${e.host}:${e.port}`);

/** The first endpoint that answered, or the one line printed when none did. */
export function chooseEngine(candidates: Candidates, answered: ReadonlySet<string>): { engine: DockerEndpoint } | { skip: string } {
  if (candidates.problem) return { skip: `test:containers: no Docker engine (${candidates.problem}); skipped` };
  const engine = candidates.endpoints.find((e) => answered.has(describeEndpoint(e)));
  if (engine) return { engine };
  return { skip: `test:containers: no Docker engine reachable (tried ${candidates.endpoints.map(describeEndpoint).join(', ')}); skipped` };
}

/** DOCKER_HOST for testcontainers: the engine found (so it does not look elsewhere). */
export function dockerHostFor(e: DockerEndpoint): string {
  return describeEndpoint(e);
}

export interface ContainerEndpoints {
  kafka: { host: string; port: number };
  clickhouse: { host: string; httpPort: number; user: string; password: string; database: string };
}

/**
 * The suites' environment: the parent's, with the containers' Kafka and ClickHouse. A stale
 * KAFKA_PORT would not matter (KAFKA_BROKERS wins) but is removed so nothing reads it by mistake.
 */
export function containersEnv(
  base: Readonly<Record<string, string | undefined>>,
  c: ContainerEndpoints,
  engine: DockerEndpoint,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && k !== 'KAFKA_PORT') env[k] = v;
  return {
    ...env,
    DOCKER_HOST: dockerHostFor(engine),
    KAFKA_BROKERS: `${c.kafka.host}:${c.kafka.port}`,
    CLICKHOUSE_URL: `http://${c.clickhouse.host}:${c.clickhouse.httpPort}`,
    CLICKHOUSE_USER: c.clickhouse.user,
    CLICKHOUSE_PASSWORD: c.clickhouse.password,
    CLICKHOUSE_DATABASE: c.clickhouse.database,
  };
}

/** The suites run against the containers: integration and end to end (`vitest run <dirs>`). */
export const CONTAINER_SUITES = ['test/integration', 'test/e2e'] as const;
