// `planewatch demo` as a user runs it, as a child process: its own data dir, free HTTP and Kafka
// ports (0), its own broker (KAFKA_BROKERS unset). The CLI is run against it the ordinary way
// (PLANEWATCH_DATA_DIR → the run file → the running API).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../core/repo-root.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);
const BIN = path.join(REPO_ROOT, 'bin', 'planewatch.js');

/** Every detection shipped in detections/ (the demo must show each). */
export const DETECTION_FOLDERS = readdirSync(path.join(REPO_ROOT, 'detections'))
  .filter((d) => d.startsWith('PW-'))
  .sort();

export interface DemoProcess {
  dataDir: string;
  url: string;
  token: string;
  /** ms from spawn to the run file being written and the banner out */
  upAfterMs: number;
  spawnedAt: number;
  output(): string;
  /** `planewatch <args>` against the running demo; stdout. */
  cli(args: string[]): Promise<string>;
  /** SIGTERM; resolves with the exit code once the process (and, through it, its broker) is gone. */
  stop(): Promise<number | null>;
  /** Test clean-up: SIGKILL whatever is left of this run (only if a test failed half-way). */
  kill(): void;
}

function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      const zombie = /^\d+ \(.*\) Z /.test(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (cmdline.includes(text) && !zombie) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Processes of this demo run still alive (the demo itself, the broker and its watchdog name the data dir or are the child). */
export function leftovers(demo: Pick<DemoProcess, 'dataDir'>, child: ChildProcess): number[] {
  const pids = processesMentioning(demo.dataDir);
  return child.exitCode === null && child.signalCode === null ? [child.pid!, ...pids] : pids;
}

export async function startDemo(): Promise<DemoProcess & { child: ChildProcess }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pw-demo-'));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    PLANEWATCH_DATA_DIR: dataDir,
    PLANEWATCH_HTTP_PORT: '0',
    KAFKA_PORT: '0',
    PLANEWATCH_LOG_FORMAT: 'json',
    ...(process.env.CHROMIUM_PATH ? { CHROMIUM_PATH: process.env.CHROMIUM_PATH } : {}),
  };
  const spawnedAt = Date.now();
  let out = '';
  const child = spawn(process.execPath, [BIN, 'demo'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const runFile = path.join(dataDir, 'run', 'server.json');
  const info = await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`planewatch demo exited during start-up:\n${out.slice(-4000)}`);
      return existsSync(runFile) && out.includes('planewatch demo is running')
        ? (JSON.parse(readFileSync(runFile, 'utf8')) as { url: string })
        : undefined;
    },
    'planewatch demo to be up',
    240_000,
    250,
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- output ---\n${out.slice(-4000)}`);
  });
  const upAfterMs = Date.now() - spawnedAt;
  const token = readFileSync(path.join(dataDir, 'run', 'api-token'), 'utf8').trim();
  const demo = {
    child,
    dataDir,
    url: info.url,
    token,
    upAfterMs,
    spawnedAt,
    output: () => out,
    cli: async (args: string[]) =>
      (await run(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env, maxBuffer: 64 * 1024 * 1024 })).stdout,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: () => {
      for (const pid of leftovers({ dataDir }, child)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return demo;
}
