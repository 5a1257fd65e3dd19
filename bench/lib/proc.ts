// Child processes of the benchmark: every stage runs in its own Node process (so its peak RSS is
// its own), driven over an IPC channel with a tiny request/response protocol. Every process the
// bench starts is registered here and killed when the bench exits, however it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));

// ---------------------------------------------------------------------------------------------------
// Registry: kill everything we started on exit / Ctrl-C
// ---------------------------------------------------------------------------------------------------

const live = new Set<ChildProcess>();
let hooks = false;

export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!hooks) {
    hooks = true;
    process.on('exit', killAll);
  }
  return child;
}

export function killAll(): void {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone already
    }
  }
}

export function liveChildren(): number {
  return live.size;
}

// ---------------------------------------------------------------------------------------------------
// /proc sampling
// ---------------------------------------------------------------------------------------------------

/** VmHWM (peak resident set) and VmRSS of a process, in bytes; null when it is gone. */
export function procMemory(pid: number): { hwm: number; rss: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return null;
  }
}

const CLK_TCK = 100; // USER_HZ: /proc/<pid>/stat times are in 1/100 s on Linux

/** CPU time (user + system) a process has used so far, in ms (10 ms resolution); null when it is gone. */
export function procCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

/**
 * CPU (ms) of each live thread of a process, summed by thread name with trailing digits dropped
 * (`node` = the JS main thread, `V8 Worker`/`libuv-worker`, chDB's `QueryPipelineEx`, `MergeMutate`,
 * …): shows whether a process's CPU goes to JavaScript or to the engine embedded in it.
 */
export function threadCpuMs(pid: number): Map<string, number> {
  const m = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return m;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(open + 1, close).replace(/[\d:_-]+$/, '') || 'thread';
      const fields = stat.slice(close + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
      m.set(tid === String(pid) ? 'main (JS)' : name, (m.get(tid === String(pid) ? 'main (JS)' : name) ?? 0) + ms);
    } catch {
      // the thread exited meanwhile
    }
  }
  return m;
}

/** CPU used by each of some processes between start() and stop(), in ms, plus the wall time and the load average. */
export class CpuMeter {
  private before = new Map<string, number>();
  private threadsBefore = new Map<string, Map<string, number>>();
  private t0 = 0;
  constructor(
    private readonly pids: Record<string, number | undefined>,
    private readonly threadsOf: string[] = [],
  ) {}
  private read(): Map<string, number> {
    const m = new Map<string, number>();
    for (const [name, pid] of Object.entries(this.pids)) {
      if (pid === undefined) continue;
      const v = pid === process.pid ? (process.cpuUsage().user + process.cpuUsage().system) / 1000 : procCpuMs(pid);
      if (v !== null) m.set(name, v);
    }
    return m;
  }
  private readThreads(): Map<string, Map<string, number>> {
    const m = new Map<string, Map<string, number>>();
    for (const name of this.threadsOf) {
      const pid = this.pids[name];
      if (pid !== undefined) m.set(name, threadCpuMs(pid));
    }
    return m;
  }
  start(): this {
    this.before = this.read();
    this.threadsBefore = this.readThreads();
    this.t0 = performance.now();
    return this;
  }
  stop(): { wallMs: number; cpuMs: Record<string, number>; loadAvg1: number; threadsMs?: Record<string, Record<string, number>> } {
    const after = this.read();
    const threadsAfter = this.readThreads();
    const cpuMs: Record<string, number> = {};
    for (const [k, v] of after) cpuMs[k] = v - (this.before.get(k) ?? v);
    let threadsMs: Record<string, Record<string, number>> | undefined;
    for (const [proc, names] of threadsAfter) {
      const before = this.threadsBefore.get(proc) ?? new Map<string, number>();
      const out: Record<string, number> = {};
      for (const [n, v] of names) {
        const d = v - (before.get(n) ?? 0);
        if (d > 0) out[n] = d;
      }
      (threadsMs ??= {})[proc] = out;
    }
    return {
      wallMs: performance.now() - this.t0,
      cpuMs,
      loadAvg1: Math.round(os.loadavg()[0]! * 100) / 100,
      ...(threadsMs ? { threadsMs } : {}),
    };
  }
}

/** Samples a process's VmHWM every `everyMs` and remembers the largest value seen. */
export class HwmSampler {
  peak = 0;
  private timer: NodeJS.Timeout;
  constructor(
    private readonly pid: number,
    everyMs = 250,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }
  sample(): number {
    const m = procMemory(this.pid);
    if (m && m.hwm > this.peak) this.peak = m.hwm;
    return this.peak;
  }
  stop(): number {
    clearInterval(this.timer);
    return this.sample();
  }
}

// ---------------------------------------------------------------------------------------------------
// Stage children over IPC
// ---------------------------------------------------------------------------------------------------

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface StageChildOptions {
  env?: Record<string, string | undefined>;
  /** Write a V8 CPU profile (node --cpu-prof) into this directory. */
  cpuProfDir?: string;
  /** Extra node flags, e.g. --max-old-space-size. */
  nodeFlags?: string[];
  /** Start-up timeout (ms) until the child reports 'ready'. */
  readyTimeoutMs?: number;
}

/** A stage process: `node --import tsx bench/stages/<name>.ts`, answering `call(cmd, arg)`. */
export class StageChild {
  readonly child: ChildProcess;
  readonly sampler: HwmSampler;
  readonly ready: Promise<Record<string, unknown>>;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Promise<number | null>;
  private stderrTail = '';

  constructor(
    readonly name: string,
    opts: StageChildOptions = {},
  ) {
    const script = path.join(BENCH_DIR, 'stages', `${name}.ts`);
    const flags = ['--import', 'tsx', ...(opts.nodeFlags ?? [])];
    // One profile per thread (the tsx loader runs on its own thread), named CPU.<date>.<pid>.<tid>…; the main thread's is the largest.
    if (opts.cpuProfDir) flags.push('--cpu-prof', `--cpu-prof-dir=${path.join(opts.cpuProfDir, name)}`);
    this.child = track(
      spawn(process.execPath, [...flags, script], {
        cwd: path.resolve(BENCH_DIR, '..'),
        env: { ...process.env, PLANEWATCH_LOG_LEVEL: 'warn', ...opts.env },
        stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      }),
    );
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-8000);
      if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
    });
    this.sampler = new HwmSampler(this.child.pid!);
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name}: not ready after ${opts.readyTimeoutMs ?? 120_000} ms\n${this.stderrTail}`)),
        opts.readyTimeoutMs ?? 120_000,
      );
      this.child.on('message', (m: unknown) => {
        const msg = m as { type?: string } & Reply & Record<string, unknown>;
        if (msg.type === 'ready') {
          clearTimeout(timer);
          resolve(msg);
        } else if (typeof msg.id === 'number') {
          const p = this.pending.get(msg.id);
          if (!p) return;
          this.pending.delete(msg.id);
          if (msg.ok) p.resolve(msg.result);
          else p.reject(new Error(`${name}: ${msg.error}`));
        }
      });
      void this.exited.then((code) => {
        clearTimeout(timer);
        const err = new Error(`${name}: exited with code ${code}\n${this.stderrTail}`);
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    });
    this.ready.catch(() => undefined);
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<T = unknown>(cmd: string, arg?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, arg });
    });
  }

  /** Graceful stop (the child's 'stop' command), then the peak RSS of its whole life. */
  async stop(timeoutMs = 30_000): Promise<number> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      await Promise.race([this.call('stop').catch(() => undefined), new Promise((r) => setTimeout(r, timeoutMs))]);
      const hwm = this.sampler.stop();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(timer);
      return hwm;
    }
    return this.sampler.stop();
  }
}

// ---------------------------------------------------------------------------------------------------
// Child side
// ---------------------------------------------------------------------------------------------------

export type Handlers = Record<string, (arg: never) => unknown>;

/**
 * Serves commands from the parent. 'stop' runs `onStop`, replies, and exits the process; every
 * stage also answers 'hwm' (its own VmHWM).
 */
export function serveStage(handlers: Handlers, onStop: () => Promise<void>): void {
  if (!process.send) throw new Error('bench stage must be started by bench/run.ts (no IPC channel)');
  const all: Handlers = {
    ...handlers,
    hwm: () => procMemory(process.pid),
    stop: async () => {
      await onStop();
      setTimeout(() => process.exit(0), 50);
      return procMemory(process.pid);
    },
  };
  process.on('message', (m: unknown) => {
    const { id, cmd, arg } = m as { id: number; cmd: string; arg: unknown };
    const h = all[cmd];
    void (async () => {
      try {
        if (!h) throw new Error(`unknown command ${cmd}`);
        const result = await h(arg as never);
        process.send!({ id, ok: true, result });
      } catch (err) {
        process.send!({ id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    })();
  });
  // The parent going away (Ctrl-C, crash) ends the stage too.
  process.on('disconnect', () => process.exit(0));
}

export function sendReady(info: Record<string, unknown> = {}): void {
  process.send!({ type: 'ready', ...info });
}
