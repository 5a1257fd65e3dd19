// Fails when one lane imports a lane it must not (as PostHog's ingestion CI does). Lanes, innermost first:
//  - core/          infrastructure (Kafka and ClickHouse clients, migrations, Avro, HTTP, config, logging,
//                   the metrics registry): imports nothing outside core/;
//  - local-broker/  the development Kafka broker launcher: core/ only;
//  - source-kit/    what every vendor module builds on (SourceModule, signatures, redaction, page walking):
//                   core/ only;
//  - sources/<v>/   one vendor: core/, source-kit/ and itself, never another vendor;
//  - runtime/       start-up shared by every entry point (environment, boundary map, Kafka — starting the
//                   local broker when asked — ClickHouse and migrations): core/ and local-broker/;
//  - store/         the findings store and read models that API, CLI, alerter and detector share:
//                   core/ and source-kit/ (types of the modules whose state it reads);
//  - services/<s>/  one stage: anything above except another service; services/all-in-one is the
//                   composition root and may import every service;
//  - demo/          `planewatch demo` and its seeded company: a composition root like services/all-in-one,
//                   it may import every lane but the CLI;
//  - cli/           anything but services/ (it talks to a running instance or to the store), except the
//                   composition root that `planewatch start` runs.
// Known violations are listed in scripts/lane-baseline.json; the list may only shrink: a new violation
// fails, and so does a listed one that is gone (remove it from the baseline).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
const BASELINE = path.join(ROOT, 'scripts', 'lane-baseline.json');
const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
const TOP = ['core', 'local-broker', 'runtime', 'source-kit', 'sources', 'store', 'services', 'demo', 'cli'] as const;

interface Lane {
  kind: string;
  name: string;
}

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* files(full);
    else if (/\.(ts|js|mjs)$/.test(name)) yield full;
  }
}

function laneOf(file: string): Lane | null {
  const rel = path.relative(ROOT, file).split(path.sep);
  const top = rel[0]!;
  if (top === 'sources' || top === 'services')
    return rel.length > 2 ? { kind: top, name: rel[1]! } : { kind: `${top}-root`, name: rel[1]! };
  return (TOP as readonly string[]).includes(top) ? { kind: top, name: top } : null;
}

/** Why `from` may not import `to`, or null when it may. */
export function forbidden(from: Lane, to: Lane): string | null {
  if (from.kind === to.kind && from.name === to.name) return null;
  switch (from.kind) {
    case 'core':
      return `core must not depend on ${to.kind}/`;
    case 'local-broker':
    case 'source-kit':
      return to.kind === 'core' ? null : `${from.kind}/ may only use core/`;
    case 'runtime':
      return to.kind === 'core' || to.kind === 'local-broker' ? null : 'runtime/ may only use core/ and local-broker/';
    case 'sources':
      if (to.kind === 'sources') return `source "${from.name}" must not import source "${to.name}"`;
      return to.kind === 'core' || to.kind === 'source-kit' ? null : 'a source may only use core/ and source-kit/';
    case 'sources-root':
      return ['core', 'source-kit', 'sources', 'sources-root'].includes(to.kind)
        ? null
        : 'the vendor registry may only use core/, source-kit/ and sources/';
    case 'store':
      return to.kind === 'core' || to.kind === 'source-kit' ? null : 'store/ may only use core/ and source-kit/';
    case 'services':
      if (to.kind === 'cli') return 'a service must not import the CLI';
      if (to.kind === 'services' && from.name !== 'all-in-one')
        return `service "${from.name}" must not import service "${to.name}" (meet through topics, core/ and store/)`;
      return null;
    case 'demo':
      return to.kind === 'cli' ? 'demo/ must not import the CLI' : null;
    case 'cli':
      return to.kind === 'services' && to.name !== 'all-in-one'
        ? `the CLI must not import service "${to.name}" (use the API, store/ or core/)`
        : null;
    default:
      return null;
  }
}

export function violations(): string[] {
  const problems: string[] = [];
  for (const top of TOP) {
    const dir = path.join(ROOT, top);
    try {
      statSync(dir);
    } catch {
      continue;
    }
    for (const file of files(dir)) {
      const from = laneOf(file);
      if (!from) continue;
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (!spec || !spec.startsWith('.')) continue;
        const to = laneOf(path.resolve(path.dirname(file), spec));
        const why = to && forbidden(from, to);
        if (why) problems.push(`${path.relative(ROOT, file)} imports ${spec}: ${why}`);
      }
    }
  }
  return problems;
}

export function compareWithBaseline(found: readonly string[], baseline: readonly string[]): { added: string[]; gone: string[] } {
  const key = (v: string) => v.slice(0, v.indexOf(': ') < 0 ? v.length : v.indexOf(': '));
  const known = new Set(baseline);
  const now = new Set(found.map(key));
  return { added: found.filter((v) => !known.has(key(v))), gone: baseline.filter((b) => !now.has(b)) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const baseline = JSON.parse(readFileSync(BASELINE, 'utf8')) as { violations: string[] };
  const { added, gone } = compareWithBaseline(violations(), baseline.violations);
  if (added.length || gone.length) {
    if (added.length) process.stderr.write(`lane check failed, new violations:\n${added.map((p) => `  - ${p}`).join('\n')}\n`);
    if (gone.length)
      process.stderr.write(
        `fixed violations still listed in scripts/lane-baseline.json (remove them):\n${gone.map((p) => `  - ${p}`).join('\n')}\n`,
      );
    process.exit(1);
  }
  process.stdout.write(`lane check: no new lane violation (${baseline.violations.length} known in the baseline)\n`);
}
