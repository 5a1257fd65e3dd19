// docker-compose.yml and the Dockerfile, checked statically (these machines have no Docker
// engine): the YAML parses, the services the stack needs are there with an image or a build, every
// command runs a file that exists, every bind mount's host path exists, Grafana's provisioning
// points at the dashboards' data source, and the Dockerfile's COPY sources and CMD exist.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const root = path.resolve('.');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      image?: string;
      build?: string;
      command?: string[];
      volumes?: string[];
      depends_on?: Record<string, unknown>;
      environment?: Record<string, unknown>;
    }
  >;
};

describe('docker-compose.yml', () => {
  it('has the services of the stack, each with an image or a build', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
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
    const built = Object.entries(compose.services).filter(([, s]) => s.command);
    expect(built.map(([n]) => n).sort()).toEqual(['alerter', 'collector', 'detector', 'normalizer', 'poller', 'sink']);
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
