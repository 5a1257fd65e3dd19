// Row builders several bench sections share: CPU per item of a stage process, and the rate and
// latency of an HTTP load.
import type { CpuMeter } from './proc.ts';
import type { LoadResult } from './load.ts';
import { round, type Report } from './report.ts';

export type CpuFigures = ReturnType<CpuMeter['stop']>;

export function cpuRow(report: Report, what: string, cpu: CpuFigures, main: string, items: number, per: string): void {
  const ms = cpu.cpuMs[main] ?? NaN;
  const split = Object.entries(cpu.cpuMs)
    .map(([k, v]) => `${k} ${round(v / cpu.wallMs, 2)}`)
    .join(', ');
  // µs per item by thread name (main JS thread vs GC/libuv workers vs the embedded engine's pools).
  const threads = cpu.threadsMs?.[main];
  const byThread = threads
    ? `; ${main} threads, µs/${per}: ` +
      Object.entries(threads)
        .sort((a, b) => b[1] - a[1])
        .filter(([, v]) => (v * 1000) / items >= 1)
        .map(([k, v]) => `${k} ${round((v * 1000) / items)}`)
        .join(', ')
    : '';
  report.row({
    section: 'cpu',
    what,
    value: round((ms * 1000) / items),
    unit: `µs CPU/${per}`,
    ratio: `≈ ${round(items / (ms / 1000))} ${per === 'delivery' ? 'deliveries' : per + 's'}/s per core`,
    note: `cores busy over ${round(cpu.wallMs / 1000, 1)} s: ${split}; machine load average ${cpu.loadAvg1}${byThread}`,
  });
}

export function loadRows(report: Report, section: string, what: string, load: LoadResult, brokerProduce?: number): void {
  report.row({
    section: 'stages',
    what,
    value: round(load.acceptedPerSec),
    unit: 'deliveries/s',
    ratio: brokerProduce ? `${round(load.acceptedPerSec / brokerProduce, 3)} × Kafka producer tool` : undefined,
    target: '≥ 5000/s',
    met: load.acceptedPerSec >= 5000,
    note: `${load.ok2xx} accepted, ${load.non2xx} non-2xx, ${load.errors} errors in ${round(load.durationMs / 1000, 1)} s`,
  });
  report.row({
    section: 'stages',
    what: `${section}: latency p50 / p95 / p99 (2xx)`,
    value: round(load.latencyMs.p99, 1),
    unit: 'ms (p99)',
    target: 'p99 ≤ 50 ms',
    met: load.latencyMs.p99 <= 50,
    note: `p50 ${round(load.latencyMs.p50, 1)} ms, p95 ${round(load.latencyMs.p95, 1)} ms, max ${round(load.latencyMs.max)} ms`,
  });
}
