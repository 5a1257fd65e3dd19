// Section `cli`: `planewatch --help` and `planewatch findings` (against a stub of the findings
// route) vs `node -e 0`, measured in the same run (bench/stages/cli-startup.ts). Needs no broker.
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../../core/repo-root.ts';
import { round } from '../lib/report.ts';
import { runCliStartupBench, type RunFigures } from '../stages/cli-startup.ts';
import type { BenchSection } from './section.ts';

export const cliSection: BenchSection = {
  name: 'cli',
  beforeBroker: true,
  async run(ctx) {
    // The CLI runs the build in dist/: make it current, so the figures are those of these sources.
    ctx.say('cli start-up: npm run build');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    const rounds = ctx.opts.full ? 21 : 9;
    ctx.say(`cli start-up: node -e 0, planewatch --help, planewatch findings; ${rounds} rounds each, medians`);
    const r = await runCliStartupBench({ rounds });
    ctx.report.results.cliStartup = r;
    const detail = (f: RunFigures) =>
      [
        f.cpuMs === null ? null : `CPU ${round(f.cpuMs)} ms (${round(f.cpuMs / (r.baseline.cpuMs || 1), 1)} ×)`,
        f.peakRssMiB === null ? null : `peak RSS ${round(f.peakRssMiB)} MiB (${round(f.peakRssMiB / (r.baseline.peakRssMiB || 1), 1)} ×)`,
      ]
        .filter(Boolean)
        .join(', ');
    ctx.report.row({
      section: 'cli',
      what: 'node -e 0 (baseline for the CLI rows)',
      value: round(r.baseline.wallMs),
      unit: 'ms wall',
      note: detail(r.baseline) || undefined,
    });
    const cliRow = (what: string, f: RunFigures, bar: number, how: string) => {
      const ratio = f.wallMs / r.baseline.wallMs;
      ctx.report.row({
        section: 'cli',
        what,
        value: round(f.wallMs),
        unit: 'ms wall',
        ratio: `${round(ratio, 1)} × node -e 0`,
        target: `≤ ${bar} × node -e 0`,
        met: ratio <= bar,
        note: `${how}; ${detail(f)}`,
      });
    };
    cliRow('planewatch --help', r.help, 3, `${r.cli} --help, median of ${rounds}`);
    cliRow(
      'planewatch findings (answered by the API)',
      r.findings,
      6,
      `${r.cli} findings, median of ${rounds}, against a small local HTTP server answering GET /api/v1/findings with a fixed page of 25 findings (bench/lib/findings-api-stub.ts), not a running pipeline`,
    );
  },
};
