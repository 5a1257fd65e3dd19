// Summarizes a V8 CPU profile (node --cpu-prof; `npm run bench -- --cpu-prof` writes one per stage
// process): where the process spent its CPU time, by package / project file and by function (self
// time), with idle time separated out.
//
//   npx tsx bench/profile-summary.ts bench/results/profiles/<run>/<stage>-….cpuprofile [--top=25]
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  byGroup: { group: string; ms: number; pctOfBusy: number }[];
  byFunction: { fn: string; where: string; ms: number; pctOfBusy: number }[];
}

const REPO = path.resolve(new URL('..', import.meta.url).pathname);

/** node_modules/<pkg> → pkg; a project file → its path; node internals → node:<module>; V8 pseudo-frames as they are. */
export function groupOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:'))
    return url
      .replace(/^node:internal\//, 'node:')
      .split('/')
      .slice(0, 2)
      .join('/');
  const p = url.replace(/^file:\/\//, '');
  return p.startsWith(REPO) ? path.relative(REPO, p) : p;
}

export function summarize(profile: Profile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // samples[i] was taken timeDeltas[i+1] µs before the next one: attribute each delta to its sample.
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + dt);
  }
  const groups = new Map<string, number>();
  const fns = new Map<string, { where: string; us: number }>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    total += us;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const g = groupOf(url, functionName);
    groups.set(g, (groups.get(g) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${g}:${lineNumber + 1}`;
    const f = fns.get(key) ?? { where: `${g}:${lineNumber + 1}`, us: 0 };
    f.us += us;
    fns.set(key, f);
  }
  const busy = total - idle;
  const pct = (us: number) => Math.round((1000 * us) / Math.max(busy, 1)) / 10;
  return {
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    byGroup: [...groups]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([group, us]) => ({ group, ms: Math.round(us / 1000), pctOfBusy: pct(us) })),
    byFunction: [...fns]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([k, v]) => ({ fn: k.split(' ')[0]!, where: v.where, ms: Math.round(v.us / 1000), pctOfBusy: pct(v.us) })),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
  if (files.length === 0) {
    process.stderr.write('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top=25]\n');
    process.exit(2);
  }
  for (const file of files) {
    const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, top);
    process.stdout.write(`\n${file}\n  wall ${s.totalMs} ms, busy (not idle) ${s.busyMs} ms\n\n  self time by package / file:\n`);
    for (const g of s.byGroup)
      process.stdout.write(`    ${String(g.pctOfBusy).padStart(5)} %  ${String(g.ms).padStart(7)} ms  ${g.group}\n`);
    process.stdout.write('\n  self time by function:\n');
    for (const f of s.byFunction)
      process.stdout.write(`    ${String(f.pctOfBusy).padStart(5)} %  ${String(f.ms).padStart(7)} ms  ${f.fn}  (${f.where})\n`);
  }
}
