// Detector metrics: the open-findings gauge, sampled when /metrics is scraped.
import { Gauge } from 'prom-client';
import type { ClickHouseClient } from '@clickhouse/client';
import { registry } from '../../core/metrics.ts';

// planewatch_open_findings{detection} = findings whose latest version is open or reopened. The
// process that runs the detector registers the query (registerOpenFindings); a scrape runs it at
// most every 15 s and never waits more than 2 s (the last sample stays on failure).

type OpenFindingsSampler = () => Promise<{ detection: string; open: number }[]>;
let openFindingsSampler: OpenFindingsSampler | null = null;
let openFindingsCache: { at: number; rows: { detection: string; open: number }[] } | null = null;

export const openFindings = new Gauge({
  name: 'planewatch_open_findings',
  help: 'Findings currently open (open or reopened), by detection',
  labelNames: ['detection'] as const,
  registers: [registry],
  async collect() {
    const sampler = openFindingsSampler;
    if (!sampler) return;
    const now = Date.now();
    if (!openFindingsCache || now - openFindingsCache.at >= 15_000) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const rows = await Promise.race([
          sampler(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('timeout')), 2000);
          }),
        ]);
        openFindingsCache = { at: now, rows };
      } catch {
        openFindingsCache = { at: now, rows: openFindingsCache?.rows ?? [] };
      } finally {
        clearTimeout(timer);
      }
    }
    this.reset();
    for (const r of openFindingsCache.rows) this.set({ detection: r.detection }, r.open);
  },
});

/** The sampler of a process that runs the detector: latest version of each finding in pw_findings, open or reopened, by detection. */
export function openFindingsFrom(client: ClickHouseClient): OpenFindingsSampler {
  return async () => {
    const rs = await client.query({
      query: `SELECT detection, toUInt64(count()) AS open FROM (
                SELECT fingerprint, argMax(detection, version) AS detection, argMax(status, version) AS status FROM pw_findings GROUP BY fingerprint)
              WHERE status IN ('open', 'reopened') GROUP BY detection ORDER BY detection`,
      format: 'JSONEachRow',
    });
    return (await rs.json<{ detection: string; open: string }>()).map((r) => ({ detection: r.detection, open: Number(r.open) }));
  };
}

/** Makes the open-findings gauge sample with `sampler`; returns the function that stops it. */
export function registerOpenFindings(sampler: OpenFindingsSampler): () => void {
  openFindingsSampler = sampler;
  openFindingsCache = null;
  return () => {
    if (openFindingsSampler === sampler) openFindingsSampler = null;
  };
}
