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
  services: Record<string, { image?: string; build?: string; command?: string[]; volumes?: string[]; depends_on?: Record<string, unknown>; environment?: Record<string, unknown> }>;
};

describe('docker-compose.yml', () => {
  it('has the services of the stack, each with an image or a build', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['clickhouse', 'collector', 'grafana', 'kafka', 'normalizer', 'sink']);
    expect(compose.services.kafka!.image).toBe('apache/kafka:4.1.1');
    expect(compose.services.clickhouse!.image).toBe('clickhouse/clickhouse-server:25.8');
    expect(compose.services.grafana!.image).toBe('grafana/grafana:12.2.0');
    for (const [name, s] of Object.entries(compose.services)) {
      expect(Boolean(s.image) !== Boolean(s.build), `${name}: exactly one of image / build`).toBe(true);
      if (s.build) expect(existsSync(path.join(root, s.build, 'Dockerfile')), `${name}: build context has a Dockerfile`).toBe(true);
      for (const dep of Object.keys(s.depends_on ?? {})) expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined();
    }
  });

  it('every command runs a file that exists', () => {
    const built = Object.entries(compose.services).filter(([, s]) => s.command);
    expect(built.map(([n]) => n).sort()).toEqual(['collector', 'normalizer', 'sink']);
    for (const [name, s] of built) {
      const file = s.command!.find((a) => a.endsWith('.ts'));
      expect(file, `${name}: command names a .ts entry point`).toBeDefined();
      expect(existsSync(path.join(root, file!)), `${name}: ${file} exists`).toBe(true);
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
    const ds = parse(readFileSync(path.join(root, 'dashboards/provisioning/datasources/clickhouse.yaml'), 'utf8')) as { datasources: { uid: string; type: string; jsonData: { host: string; defaultDatabase: string; username: string } }[] };
    expect(ds.datasources).toHaveLength(1);
    const d = ds.datasources[0]!;
    expect([d.uid, d.type, d.jsonData.host]).toEqual(['planewatch-clickhouse', 'grafana-clickhouse-datasource', 'clickhouse']);
    const ch = compose.services.clickhouse!.environment!;
    expect([d.jsonData.defaultDatabase, d.jsonData.username]).toEqual([ch.CLICKHOUSE_DB, ch.CLICKHOUSE_USER]);
    const prov = parse(readFileSync(path.join(root, 'dashboards/provisioning/dashboards/planewatch.yaml'), 'utf8')) as { providers: { options: { path: string } }[] };
    expect(prov.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards');
    const dashboards = readdirSync(path.join(root, 'dashboards')).filter((f) => f.endsWith('.json'));
    expect(dashboards.length).toBeGreaterThan(0);
    for (const f of dashboards) {
      const dash = JSON.parse(readFileSync(path.join(root, 'dashboards', f), 'utf8')) as { panels: { datasource: { uid: string } }[] };
      for (const p of dash.panels) expect(p.datasource.uid).toBe(d.uid);
    }
  });
});

describe('Dockerfile', () => {
  const lines = readFileSync(path.join(root, 'Dockerfile'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  it('starts FROM a Node 20 image, copies files that exist and runs an entry point that exists', () => {
    expect(lines[0]).toMatch(/^FROM node:20[-\w.]*$/);
    for (const l of lines.filter((x) => x.startsWith('COPY '))) {
      const srcs = l.slice(5).trim().split(/\s+/).slice(0, -1);
      for (const s of srcs) expect(existsSync(path.join(root, s)), `COPY ${s}`).toBe(true);
    }
    const cmd = lines.find((l) => l.startsWith('CMD '))!;
    const argv = JSON.parse(cmd.slice(4)) as string[];
    expect(argv.slice(0, 2)).toEqual(['npx', 'tsx']);
    expect(existsSync(path.join(root, argv[2]!))).toBe(true);
  });
});
