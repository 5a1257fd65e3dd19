// Fails when one lane imports another (as PostHog's ingestion CI does):
//  - a source (sources/<vendor>/) never imports another source or any service;
//  - a service (services/<name>/) never imports another service: services meet only through Kafka
//    topics and the shared core. services/all-in-one is the composition root and may import them;
//  - core/ imports nothing from sources/, services/ or cli/.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* files(full);
    else if (/\.(ts|js|mjs)$/.test(name)) yield full;
  }
}

function lane(file: string): { kind: string; name: string } | null {
  const rel = path.relative(ROOT, file).split(path.sep);
  if (rel[0] === 'core') return { kind: 'core', name: 'core' };
  if (rel[0] === 'cli') return { kind: 'cli', name: 'cli' };
  if ((rel[0] === 'sources' || rel[0] === 'services') && rel.length > 2) return { kind: rel[0], name: rel[1]! };
  if (rel[0] === 'sources') return { kind: 'sources-root', name: rel[1]! }; // sources/registry.ts
  return null;
}

export function violations(): string[] {
  const problems: string[] = [];
  for (const top of ['core', 'sources', 'services', 'cli']) {
    let dir: string;
    try {
      dir = path.join(ROOT, top);
      statSync(dir);
    } catch {
      continue;
    }
    for (const file of files(dir)) {
      const from = lane(file);
      if (!from) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (!spec || !spec.startsWith('.')) continue;
        const to = lane(path.resolve(path.dirname(file), spec));
        if (!to) continue;
        const where = `${path.relative(ROOT, file)} imports ${spec}`;
        if (from.kind === 'core' && to.kind !== 'core') problems.push(`${where}: core must not depend on ${to.kind}/`);
        if (from.kind === 'sources' && to.kind === 'sources' && to.name !== from.name) problems.push(`${where}: source "${from.name}" must not import source "${to.name}"`);
        if (from.kind === 'sources' && (to.kind === 'services' || to.kind === 'sources-root' || to.kind === 'cli')) problems.push(`${where}: a source may only use core/`);
        if (from.kind === 'services' && to.kind === 'services' && to.name !== from.name && from.name !== 'all-in-one') {
          problems.push(`${where}: service "${from.name}" must not import service "${to.name}" (meet through topics and core/)`);
        }
      }
    }
  }
  return problems;
}

const problems = violations();
if (problems.length) {
  process.stderr.write(`lane check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('lane check: no lane imports another\n');
