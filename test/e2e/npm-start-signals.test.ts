// `npm start` as a user runs it, stopped as a service manager or `kill` stops it: SIGTERM to the
// npm process. npm forwards the signal to its script's process, so that must be the planewatch
// process itself (the script execs node: no shell in between that would die and orphan it); it
// stops cleanly and its Kafka broker (and the broker's watchdog) stop with it.
// A data dir of its own, free ports (HTTP and Kafka port 0), its own broker (KAFKA_BROKERS unset).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/repo-root.ts';
import { waitFor } from '../helpers/wait.ts';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pw-npm-start-'));
const started: number[] = [];

function alive(pid: number): boolean {
  try {
    // A zombie (exited, not yet reaped) has finished: only count processes that still run.
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Processes whose command line contains `text` (the broker names <dataDir>/kafka/server.properties). */
function processesMentioning(text: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(text) && alive(Number(entry))) found.push({ pid: Number(entry), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Every process below `pid` (children, their children, ...). */
function descendantsOf(pid: number): number[] {
  const children = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => {
      try {
        return parentOf(p) === pid;
      } catch {
        return false;
      }
    });
  return children.flatMap((c) => [c, ...descendantsOf(c)]);
}

afterAll(() => {
  // Only if the test failed half-way: never leave this run's processes behind (children first
  // found, then killed: once npm is gone its children are no longer below it).
  const pids = new Set([...started.flatMap((p) => [p, ...descendantsOf(p)]), ...processesMentioning(dataDir).map((p) => p.pid)]);
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('stops cleanly on SIGTERM to the npm process, leaving no node, broker or watchdog process behind', async () => {
    let out = '';
    const npm = spawn('npm', ['start'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        PLANEWATCH_DATA_DIR: dataDir,
        PLANEWATCH_HTTP_PORT: '0',
        KAFKA_PORT: '0',
        PLANEWATCH_LOG_LEVEL: 'info',
        PLANEWATCH_LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(npm.pid!);
    npm.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    npm.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const npmExit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm.once('exit', (code, signal) => resolve({ code, signal })),
    );

    // Up: the run file names the planewatch process, and the banner is out.
    const runFile = path.join(dataDir, 'run', 'server.json');
    const run = await waitFor(
      async () => {
        if (npm.exitCode !== null) throw new Error(`npm start exited during start-up:\n${out.slice(-4000)}`);
        return existsSync(runFile) && out.includes('planewatch is running')
          ? (JSON.parse(readFileSync(runFile, 'utf8')) as { pid: number })
          : undefined;
      },
      'npm start to be up',
      180_000,
      250,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n--- output ---\n${out.slice(-4000)}`);
    });
    started.push(run.pid);
    const broker = processesMentioning(path.join(dataDir, 'kafka'));
    expect(broker.map((p) => p.cmdline).join('\n')).toContain('kafka.Kafka');
    const javaPid = broker.find((p) => p.cmdline.includes('kafka.Kafka'))!.pid;
    const watchdogs = processesMentioning(`kill -9 ${javaPid}`);
    started.push(javaPid, ...watchdogs.map((p) => p.pid));
    // npm → node directly: a shell in between would take the forwarded SIGTERM and die alone.
    expect(parentOf(run.pid)).toBe(npm.pid);
    expect(parentOf(javaPid)).toBe(run.pid);

    npm.kill('SIGTERM');
    await npmExit;
    const leftovers = () => [run.pid, javaPid, ...watchdogs.map((p) => p.pid)].filter(alive);
    await waitFor(async () => leftovers().length === 0, 'every process of the run to exit', 60_000, 250).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; still running: ${leftovers().join(', ')}\n--- output ---\n${out.slice(-4000)}`);
    });
    expect(processesMentioning(dataDir)).toEqual([]);
    // It stopped itself on the signal (graceful shutdown ran to its end), and the run file is gone.
    const stopped = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg?: string; signal?: string })
      .find((r) => r.msg === 'stopped');
    expect(stopped?.signal).toBe('SIGTERM');
    expect(existsSync(runFile)).toBe(false);
  }, 300_000); // a bound for start-up (a build, a broker, ClickHouse) and shutdown on a busy machine, not a measurement
});
