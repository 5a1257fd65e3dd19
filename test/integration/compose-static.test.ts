// docker-compose.yml and the Dockerfile, checked statically (these machines have no Docker
// engine): the YAML parses, the services the stack needs are there with an image or a build, every
// command runs a file that exists, every bind mount's host path exists, Grafana's provisioning
// points at the dashboards' data source, and the Dockerfile's COPY sources and CMD exist.
// The profile `cluster` (docs/DEPLOYMENT.md): its services, and the ClickHouse / Keeper XML under
// deploy/clickhouse/ read and held against them (cluster, shard, replicas, macros, Keeper nodes).
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { child, childrenNamed, parseXml, textAt, type XmlElement } from '../helpers/xml.ts';

const root = path.resolve('.');
interface Service {
  profiles?: string[];
  image?: string;
  build?: string;
  hostname?: string;
  command?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }>;
  environment?: Record<string, unknown>;
}
const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
/** What `docker compose up` starts: the services without a profile (a profile's services start only when asked for). */
const defaults = Object.fromEntries(Object.entries(compose.services).filter(([, s]) => !s.profiles));

describe('docker-compose.yml', () => {
  it('has the services of the stack, each with an image or a build', () => {
    // Services with a profile are not part of the default stack: listed in the profile's tests below.
    expect(Object.keys(defaults).sort()).toEqual([
      'alerter',
      'clickhouse',
      'collector',
      'detector',
      'grafana',
      'kafka',
      'normalizer',
      'poller',
      'sink',
    ]);
    expect(compose.services.kafka!.image).toBe('apache/kafka:4.1.1');
    expect(compose.services.clickhouse!.image).toBe('clickhouse/clickhouse-server:25.8');
    expect(compose.services.grafana!.image).toBe('grafana/grafana:12.2.0');
    for (const [name, s] of Object.entries(compose.services)) {
      expect(Boolean(s.image) !== Boolean(s.build), `${name}: exactly one of image / build`).toBe(true);
      if (s.build) expect(existsSync(path.join(root, s.build, 'Dockerfile')), `${name}: build context has a Dockerfile`).toBe(true);
      for (const dep of Object.keys(s.depends_on ?? {})) expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
    }
  });

  it('every command runs a compiled entry point with node, whose TypeScript source exists', () => {
    expect(
      Object.entries(defaults)
        .filter(([, s]) => s.command)
        .map(([n]) => n)
        .sort(),
    ).toEqual(['alerter', 'collector', 'detector', 'normalizer', 'poller', 'sink']);
    // Every command, the profiles' included.
    const built = Object.entries(compose.services).filter(([, s]) => s.command);
    for (const [name, s] of built) {
      expect(s.command![0], `${name}: runs node, not tsx`).toBe('node');
      const file = s.command!.find((a) => a.endsWith('.js'));
      expect(file, `${name}: command names a dist/ entry point`).toMatch(/^dist\/services\/[a-z-]+\/main\.js$/);
      expect(existsSync(path.join(root, sourceOf(file!))), `${name}: ${sourceOf(file!)} exists`).toBe(true);
    }
  });

  it('every bind mount host path exists', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of s.volumes ?? []) {
        const host = v.split(':')[0]!;
        if (host.startsWith('.') || host.startsWith('/')) expect(existsSync(path.join(root, host)), `${name}: ${host}`).toBe(true);
      }
    }
  });

  it('Grafana: the ClickHouse plugin, the provisioned data source and dashboards agree', () => {
    const g = compose.services.grafana!;
    expect(g.environment!.GF_INSTALL_PLUGINS).toBe('grafana-clickhouse-datasource');
    expect(g.volumes).toEqual([
      './dashboards/provisioning/datasources:/etc/grafana/provisioning/datasources:ro',
      './dashboards/provisioning/dashboards:/etc/grafana/provisioning/dashboards:ro',
      './dashboards:/var/lib/grafana/dashboards:ro',
    ]);
    const ds = parse(readFileSync(path.join(root, 'dashboards/provisioning/datasources/clickhouse.yaml'), 'utf8')) as {
      datasources: { uid: string; type: string; jsonData: { host: string; defaultDatabase: string; username: string } }[];
    };
    expect(ds.datasources).toHaveLength(1);
    const d = ds.datasources[0]!;
    expect([d.uid, d.type, d.jsonData.host]).toEqual(['planewatch-clickhouse', 'grafana-clickhouse-datasource', 'clickhouse']);
    const ch = compose.services.clickhouse!.environment!;
    expect([d.jsonData.defaultDatabase, d.jsonData.username]).toEqual([ch.CLICKHOUSE_DB, ch.CLICKHOUSE_USER]);
    const prov = parse(readFileSync(path.join(root, 'dashboards/provisioning/dashboards/planewatch.yaml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    expect(prov.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards');
    const dashboards = readdirSync(path.join(root, 'dashboards')).filter((f) => f.endsWith('.json'));
    expect(dashboards.length).toBeGreaterThan(0);
    for (const f of dashboards) {
      const dash = JSON.parse(readFileSync(path.join(root, 'dashboards', f), 'utf8')) as { panels: { datasource: { uid: string } }[] };
      for (const p of dash.panels) expect(p.datasource.uid).toBe(d.uid);
    }
  });
});

describe('docker-compose.yml, profile cluster', () => {
  const cluster = Object.fromEntries(Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('cluster')));
  const replicas = Object.keys(cluster)
    .filter((n) => cluster[n]!.image?.startsWith('clickhouse/clickhouse-server:'))
    .sort();
  const keepers = Object.keys(cluster)
    .filter((n) => cluster[n]!.image?.startsWith('clickhouse/clickhouse-keeper:'))
    .sort();
  const stages = Object.entries(cluster).filter(([, s]) => s.build);
  /** The stage a planewatch service runs: services/<stage>/main.ts. */
  const stageOf = (s: Service) => /^dist\/services\/([a-z-]+)\/main\.js$/.exec(s.command!.find((a) => a.endsWith('.js'))!)![1]!;
  /** Host paths of a service's read-only bind mounts onto files under `dir`. */
  const mountsUnder = (s: Service, dir: string) =>
    (s.volumes ?? [])
      .map((v) => v.split(':'))
      .filter(([host, target]) => host!.startsWith('./') && target!.startsWith(dir))
      .map(([host, target, mode]) => {
        expect(mode, `${host} is mounted read-only`).toBe('ro');
        return { host: host!, target: target! };
      });
  const readXml = (host: string) => parseXml(readFileSync(path.join(root, host), 'utf8'), host);
  /** A replica's configuration: the roots of every file it mounts into config.d/. */
  const configOf = (replica: string) => {
    const files = mountsUnder(cluster[replica]!, '/etc/clickhouse-server/config.d/');
    expect(files.length, `${replica} mounts its configuration`).toBeGreaterThan(0);
    for (const f of files) {
      expect(f.host.startsWith('./deploy/clickhouse/') && f.host.endsWith('.xml'), f.host).toBe(true);
      expect(f.target.endsWith('.xml'), f.target).toBe(true);
    }
    return files.map((f) => readXml(f.host));
  };
  /** The one top-level section `name` among a replica's files (ClickHouse merges them; one definition each here). */
  const section = (roots: XmlElement[], name: string) => {
    const found = roots.flatMap((r) => childrenNamed(r, name));
    expect(found, `exactly one <${name}> over the files`).toHaveLength(1);
    return found[0]!;
  };

  it('has two ClickHouse replicas, a Keeper and the stages; `docker compose up` without naming them starts none', () => {
    expect(Object.keys(cluster).sort()).toEqual(
      [
        'keeper-1',
        'clickhouse-1',
        'clickhouse-2',
        'collector-1',
        'collector-2',
        'normalizer-1',
        'normalizer-2',
        'sink-1',
        'sink-2',
        'poller-1',
        'poller-2',
        'detector-1',
        'detector-2',
        'alerter-1',
        'alerter-2',
        'scim-1',
        'scim-2',
      ].sort(),
    );
    for (const [name, s] of Object.entries(cluster)) expect(s.profiles, name).toEqual(['cluster']);
    expect(replicas).toEqual(['clickhouse-1', 'clickhouse-2']);
    expect(keepers).toEqual(['keeper-1']);
    // The same server version as the default stack; Keeper of the same release.
    const version = compose.services.clickhouse!.image!.split(':')[1];
    for (const r of replicas) expect(cluster[r]!.image).toBe(`clickhouse/clickhouse-server:${version}`);
    for (const k of keepers) expect(cluster[k]!.image).toBe(`clickhouse/clickhouse-keeper:${version}`);
    // The documented start command selects the profile's services by their -<n> suffix: exactly these.
    expect(composeText).toContain(`docker compose up -d $(docker compose --profile cluster config --services | grep -E -- '-[0-9]+$')`);
    expect(Object.keys(compose.services).filter((n) => /-[0-9]+$/.test(n))).toEqual(expect.arrayContaining(Object.keys(cluster)));
    expect(Object.keys(compose.services).filter((n) => /-[0-9]+$/.test(n))).toHaveLength(Object.keys(cluster).length);
    // Nothing of the profile depends on a default service but Kafka (no second store starts with it).
    for (const [name, s] of Object.entries(cluster))
      for (const dep of Object.keys(s.depends_on ?? {})) expect(dep === 'kafka' || dep in cluster, `${name} depends on ${dep}`).toBe(true);
  });

  it('each replica mounts XML files that exist and parse; the cluster `planewatch` is one shard of exactly the two replica services', () => {
    for (const r of replicas) {
      const roots = configOf(r);
      for (const x of roots) expect(x.name).toBe('clickhouse');
      const shards = childrenNamed(child(section(roots, 'remote_servers'), 'planewatch'), 'shard');
      expect(shards, `${r}: one shard`).toHaveLength(1);
      expect(textAt(shards[0]!, 'internal_replication')).toBe('true');
      const hosts = childrenNamed(shards[0]!, 'replica').map((x) => ({ host: textAt(x, 'host'), port: textAt(x, 'port') }));
      expect(hosts.map((h) => h.host)).toEqual(replicas);
      for (const h of hosts) expect(h.port, `${h.host}: the native TCP port`).toBe('9000');
      // Replicas find each other by the compose service name, which is also the container's hostname.
      expect(cluster[r]!.hostname).toBe(r);
      expect(textAt(section(roots, 'interserver_http_host'))).toBe(r);
      // Same credentials as the server's own user (the image removes `default` when CLICKHOUSE_USER is set).
      for (const x of childrenNamed(shards[0]!, 'replica'))
        expect([textAt(x, 'user'), textAt(x, 'password')]).toEqual([
          cluster[r]!.environment!.CLICKHOUSE_USER,
          cluster[r]!.environment!.CLICKHOUSE_PASSWORD,
        ]);
      expect(cluster[r]!.depends_on).toHaveProperty(keepers[0]!);
    }
  });

  it('macros: the same {shard} on both replicas, a {replica} of its own on each', () => {
    const macros = replicas.map((r) => section(configOf(r), 'macros'));
    const shards = macros.map((m) => textAt(m, 'shard'));
    const names = macros.map((m) => textAt(m, 'replica'));
    for (const v of [...shards, ...names]) expect(v).not.toBe('');
    expect(new Set(shards).size).toBe(1);
    expect(new Set(names).size).toBe(replicas.length);
  });

  it('Keeper: the replicas point at the Keeper service, host and client port, and its Raft group is that service', () => {
    const k = keepers[0]!;
    const files = mountsUnder(cluster[k]!, '/etc/clickhouse-keeper/');
    // The image's entry point starts clickhouse-keeper with this one file as its configuration.
    expect(files.map((f) => f.target)).toEqual(['/etc/clickhouse-keeper/keeper_config.xml']);
    const keeper = child(readXml(files[0]!.host), 'keeper_server');
    const servers = childrenNamed(child(keeper, 'raft_configuration'), 'server');
    expect(servers.map((s) => textAt(s, 'hostname'))).toEqual(keepers);
    expect(servers.map((s) => textAt(s, 'id'))).toContain(textAt(keeper, 'server_id'));
    expect(cluster[k]!.hostname).toBe(k);
    for (const r of replicas) {
      const nodes = childrenNamed(section(configOf(r), 'zookeeper'), 'node').map((n) => `${textAt(n, 'host')}:${textAt(n, 'port')}`);
      expect(nodes, r).toEqual(keepers.map((h) => `${h}:${textAt(keeper, 'tcp_port')}`));
    }
  });

  it('every planewatch service sets CLICKHOUSE_CLUSTER=planewatch and names one of the two replicas in CLICKHOUSE_URL', () => {
    expect(stages.length).toBeGreaterThan(0);
    for (const [name, s] of stages) {
      const env = s.environment!;
      expect(env.CLICKHOUSE_CLUSTER, name).toBe('planewatch');
      const url = new URL(String(env.CLICKHOUSE_URL));
      expect(replicas, `${name}: ${url.href}`).toContain(url.hostname);
      expect(url.port).toBe('8123');
      // The rest of the environment as in the default stack (Kafka, credentials, database, config).
      for (const key of ['KAFKA_BROKERS', 'CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD', 'CLICKHOUSE_DATABASE', 'PLANEWATCH_CONFIG'])
        expect(env[key], `${name}: ${key}`).toBe(compose.services.collector!.environment![key]);
      expect(env.CLICKHOUSE_DATABASE).toBe(cluster[url.hostname]!.environment!.CLICKHOUSE_DB);
      for (const dep of ['kafka', ...replicas]) expect(s.depends_on![dep]?.condition, `${name} waits for ${dep}`).toBe('service_healthy');
    }
  });

  it('two processes of each stage on different replicas', () => {
    const byStage = new Map<string, string[]>();
    for (const [name, s] of stages) byStage.set(stageOf(s), [...(byStage.get(stageOf(s)) ?? []), name]);
    expect(Object.fromEntries([...byStage].map(([stage, names]) => [stage, names.length]))).toEqual({
      collector: 2,
      normalizer: 2,
      sink: 2,
      poller: 2,
      detector: 2,
      alerter: 2,
      scim: 2,
    });
    for (const [stage, names] of byStage) {
      const used = names.map((n) => new URL(String(cluster[n]!.environment!.CLICKHOUSE_URL)).hostname);
      expect(new Set(used).size, `${stage}: spread over the replicas`).toBe(names.length);
      // The same command as the default stack's service of that stage, where there is one.
      if (defaults[stage]) for (const n of names) expect(cluster[n]!.command, n).toEqual(defaults[stage]!.command);
    }
  });
});

/** dist/services/x/main.js → services/x/main.ts (tsconfig.build.json: rootDir ".", outDir "dist"). */
const sourceOf = (compiled: string) => compiled.replace(/^dist\//, '').replace(/\.js$/, '.ts');

describe('Dockerfile', () => {
  const lines = readFileSync(path.join(root, 'Dockerfile'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  it('starts FROM a Node 20 image, copies files that exist and runs an entry point that exists', () => {
    for (const from of lines.filter((l) => l.startsWith('FROM '))) expect(from).toMatch(/^FROM node:20[-\w.]*( AS \w+)?$/);
    for (const l of lines.filter((x) => x.startsWith('COPY ') && !x.startsWith('COPY --from='))) {
      const srcs = l.slice(5).trim().split(/\s+/).slice(0, -1);
      for (const s of srcs) expect(existsSync(path.join(root, s)), `COPY ${s}`).toBe(true);
    }
    const cmd = lines.find((l) => l.startsWith('CMD '))!;
    const argv = JSON.parse(cmd.slice(4)) as string[];
    // As `npm start` runs it (package.json "start", minus the shell's exec): node on the compiled all-in-one entry point.
    const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(['exec', ...argv].join(' ')).toBe(start);
    expect(argv).toEqual(['node', '--enable-source-maps', 'dist/services/all-in-one/main.js']);
    expect(existsSync(path.join(root, sourceOf(argv[2]!)))).toBe(true);
  });

  it('builds dist/ with npm run build in a stage of its own and copies it into the image', () => {
    expect(lines.filter((l) => l.startsWith('FROM '))).toEqual(['FROM node:20-bookworm-slim AS build', 'FROM node:20-bookworm-slim']);
    expect(lines).toContain('RUN npm run build');
    expect(lines).toContain('COPY --from=build /app/dist ./dist');
    // npm ci runs the prepare script: it must be in the image before the install.
    const install = lines.findIndex((l) => l.startsWith('RUN npm ci --omit=dev'));
    expect(lines.findIndex((l) => l === 'COPY scripts/prepare.mjs scripts/')).toBeLessThan(install);
    expect(lines.findIndex((l) => l === 'COPY scripts/prepare.mjs scripts/')).toBeGreaterThan(-1);
  });

  it('.dockerignore keeps the host build, dependencies and data out of the context', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', '.cache']));
  });
});
