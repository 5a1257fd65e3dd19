// CLI start-up against `node -e 0`, measured in the same run: `planewatch --help`, and
// `planewatch findings` answered by a running process's API. The API is bench/lib/findings-api-stub.ts
// (a fixed page of 25 findings on the findings route), not a whole pipeline: what is measured is
// the CLI's own cost (loading, the request, rendering), which is what the targets are about.
//
// Each command runs `rounds` times, the three interleaved so that a noisy moment hits all alike;
// the figures are medians. Wall time is taken around the child's whole life from here; CPU and peak
// RSS come from GNU time (/usr/bin/time) when the machine has it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../core/repo-root.ts';
import { startFindingsApiStub } from '../lib/findings-api-stub.ts';

const GNU_TIME = '/usr/bin/time';

export interface RunFigures {
  wallMs: number;
  /** user + system; null without GNU time. */
  cpuMs: number | null;
  peakRssMiB: number | null;
}

export interface CliStartupResult {
  rounds: number;
  baseline: RunFigures;
  help: RunFigures;
  findings: RunFigures;
  /** How `planewatch` was run, e.g. "node bin/planewatch.js". */
  cli: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs argv to completion (stdout discarded); fails on a non-zero exit. */
function timedRun(argv: string[], env: NodeJS.ProcessEnv): Promise<RunFigures> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pw-cli-time-'));
  const timeFile = path.join(tmp, 'time');
  const useTime = existsSync(GNU_TIME);
  const [cmd, ...args] = useTime ? [GNU_TIME, '-o', timeFile, '-f', '%U %S %M', ...argv] : argv;
  const started = performance.now();
  return new Promise<RunFigures>((resolve, reject) => {
    const child = spawn(cmd!, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      try {
        if (code !== 0) throw new Error(`\`${argv.join(' ')}\` exited ${code}: ${stderr.slice(-500)}`);
        if (!useTime) return resolve({ wallMs, cpuMs: null, peakRssMiB: null });
        const [user, sys, rssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
        resolve({ wallMs, cpuMs: (user! + sys!) * 1000, peakRssMiB: rssKb! / 1024 });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  });
}

function medians(runs: RunFigures[]): RunFigures {
  const of = (k: 'cpuMs' | 'peakRssMiB') => (runs.every((r) => r[k] !== null) ? median(runs.map((r) => r[k]!)) : null);
  return { wallMs: median(runs.map((r) => r.wallMs)), cpuMs: of('cpuMs'), peakRssMiB: of('peakRssMiB') };
}

/**
 * Measures the CLI at `bin` (default: this checkout's bin/planewatch.js, which runs dist/: build
 * it first) against `node -e 0`.
 */
export async function runCliStartupBench(opts: { rounds: number; bin?: string }): Promise<CliStartupResult> {
  const bin = opts.bin ?? path.join(REPO_ROOT, 'bin', 'planewatch.js');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pw-cli-bench-'));
  const stub = await startFindingsApiStub(dataDir);
  // A data dir with no config file: the embedded defaults, as a new user has them.
  const env: NodeJS.ProcessEnv = { ...process.env, PLANEWATCH_DATA_DIR: dataDir };
  delete env.PLANEWATCH_CONFIG;
  const runs = { baseline: [] as RunFigures[], help: [] as RunFigures[], findings: [] as RunFigures[] };
  try {
    // One unmeasured round: the first run of anything reads its files from disk.
    await timedRun([process.execPath, bin, 'findings'], env);
    for (let i = 0; i < opts.rounds; i++) {
      runs.baseline.push(await timedRun([process.execPath, '-e', '0'], env));
      runs.help.push(await timedRun([process.execPath, bin, '--help'], env));
      runs.findings.push(await timedRun([process.execPath, bin, 'findings'], env));
    }
  } finally {
    await stub.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    rounds: opts.rounds,
    baseline: medians(runs.baseline),
    help: medians(runs.help),
    findings: medians(runs.findings),
    cli: `node ${path.relative(process.cwd(), bin) || bin}`,
  };
}
