// What every Kafka client driver of the `client` bench stage shares: the run's arguments, the
// workload shape (batches of 1000, 2 in flight, acks=all, the same keys), and how a phase is
// measured — wall time, records/s and CPU per record (process.cpuUsage(), user + system, all
// threads of the process; plus the JS main thread alone from /proc, since the pipeline is bound by
// that one thread). Each driver (client-kafkajs.ts, client-platformatic.ts, client-rdkafka.ts)
// produces and consumes with its own library and reports through `Phase`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { threadCpuMs } from '../lib/proc.ts';

export interface ClientRunArgs {
  topic: string;
  records: number;
  recordSize: number;
  group: string;
}

export interface PhaseResult {
  /** Records produced (acknowledged) or consumed (delivered to the application) in the phase. */
  records: number;
  /** Wall time the rate is computed over (ms). */
  ms: number;
  perSec: number;
  /** CPU of the whole process (user + system, every thread) over the phase, in µs per record. */
  cpuUsPerRecord: number;
  /** CPU of the JS main thread alone over the phase, in µs per record (10 ms /proc resolution). */
  mainThreadCpuUsPerRecord: number | null;
  /** Wall time of the whole phase including connect / group join (ms). */
  phaseMs: number;
}

export interface ClientRunResult {
  /** Library and version, e.g. "kafkajs 2.2.4". */
  name: string;
  produce: PhaseResult;
  /** Where the library cannot run the common workload as is: what its produce phase differs in. */
  produceDeviation?: string;
  /** Further produce runs of the same library with other settings (e.g. the common shape without idempotence). */
  produceVariants?: { label: string; phase: PhaseResult }[];
  consume: PhaseResult;
  /** How this library's driver maps the common workload (what differs from the others). */
  how: string;
}

export interface ClientDriver {
  run(a: ClientRunArgs): Promise<ClientRunResult>;
}

/** Records per produce batch and produce batches in flight: what the collector's BatchingProducer does under load. */
export const PRODUCE_BATCH = 1000;
export const PRODUCE_IN_FLIGHT = 2;
/** Fetch size per partition for every consumer (kafkajs's maxBytesPerPartition in the original driver). */
export const FETCH_MAX_BYTES_PER_PARTITION = 8 * 1024 * 1024;

/** The key of record k: the same 36-byte keys for every library (so the same partitions). */
export function recordKey(k: number): string {
  return `raw_${k.toString(16).padStart(32, '0')}`;
}

function mainThreadMs(): number | null {
  return threadCpuMs(process.pid).get('main (JS)') ?? null;
}

function processCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/**
 * One measured phase. `start()` snapshots CPU and time; `mark(n)` notes the first records seen
 * (the rate is computed from there, so a consumer's group join is not in its rate); `stop(n)`
 * closes it. CPU is taken over the whole phase (start → stop) and divided by the records of the
 * phase, so it includes connect / join work, which is small next to 100 k records.
 */
export class Phase {
  private cpu0 = 0;
  private main0: number | null = null;
  private t0 = 0;
  private first: { t: number; n: number } | null = null;

  start(): this {
    this.main0 = mainThreadMs();
    this.cpu0 = processCpuUs();
    this.t0 = performance.now();
    return this;
  }

  /** Call when the first records arrive (consumers): the rate is measured from here. */
  mark(n: number): void {
    if (!this.first) this.first = { t: performance.now(), n };
  }

  stop(records: number): PhaseResult {
    const t = performance.now();
    const cpuUs = processCpuUs() - this.cpu0;
    const main1 = mainThreadMs();
    const from = this.first ?? { t: this.t0, n: 0 };
    const ms = t - from.t;
    return {
      records,
      ms,
      perSec: (records - from.n) / (ms / 1000),
      cpuUsPerRecord: cpuUs / records,
      mainThreadCpuUsPerRecord: this.main0 !== null && main1 !== null ? ((main1 - this.main0) * 1000) / records : null,
      phaseMs: t - this.t0,
    };
  }
}

/** The version of an installed package, found from its resolved entry point (works for packages whose exports hide package.json). */
export function packageVersion(resolvedEntry: string, name: string): string {
  let dir = path.dirname(resolvedEntry);
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return pkg.version;
    } catch {
      // no package.json here
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
