// `planewatch export`: the audit evidence for a period — every person deprovisioned in it, with,
// per plane, their accounts/credentials, how many were removed, the lag of the last removal and
// whether the plane's SLA was met (SOC 2 CC6.2 / CC6.3). CSV (default) or JSON, to stdout or --out.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { leavers, LEAVER_EXPORT_COLUMNS, type LeaverRow } from '../../store/queries/audit-export.ts';
import { toCsv } from '../../store/queries/csv.ts';
import { exposureRows, EXPOSURE_EXPORT_COLUMNS, type ExposureRow } from '../../store/lag/exposure-lag.ts';
import { cliContext } from '../context.ts';
import { apiOrStore, defaultPlaneOf, iso, parsePeriod, type PeriodOptions } from './query-common.ts';

interface ExportData {
  period: { from: string; to: string };
  now: string;
  leavers: LeaverRow[];
  /** Every credential exposure found in the period (GitHub secret scanning) with its exposure lag. */
  exposures: ExposureRow[];
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('Audit export for a period: every leaver with their deprovisioning lag on each plane against the SLA (SOC 2 CC6.2/CC6.3).')
    .option('--from <date>', 'start of the period (ISO 8601, inclusive)')
    .option('--to <date>', 'end of the period (ISO 8601, exclusive; default: now)')
    .option('--quarter <YYYYQn>', 'the period is this calendar quarter (UTC), e.g. 2026Q2')
    .option('--now <time>', 'judge pending removals as overdue at this time (default: now)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to this file instead of stdout')
    .addOption(
      new Option('--section <section>', 'CSV: the leavers, or the credential exposures (JSON holds both)')
        .choices(['leavers', 'exposures'])
        .default('leavers'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  planewatch export --quarter 2026Q2 > leavers-2026Q2.csv\n  planewatch export --quarter 2026Q2 --section exposures > exposures-2026Q2.csv\n  planewatch export --from 2026-01-01 --to 2026-07-01 --format json --out h1.json\n',
    )
    .action(async (opts: PeriodOptions & { format: 'csv' | 'json'; out?: string; section: 'leavers' | 'exposures' }) => {
      const p = parsePeriod('export', opts, 90);
      const ctx = cliContext();
      const data = await apiOrStore<ExportData>(
        ctx,
        '/api/v1/export',
        { from: iso(p.from), to: iso(p.to), now: iso(p.now) },
        async (client) => ({
          period: { from: iso(p.from), to: iso(p.to) },
          now: iso(p.now),
          leavers: await leavers(client, ctx.config.map, p, defaultPlaneOf),
          exposures: await exposureRows(client, ctx.config.map, p, defaultPlaneOf),
        }),
      );
      const exposures = data.exposures ?? [];
      const text =
        opts.format === 'json'
          ? JSON.stringify(data, null, 2) + '\n'
          : opts.section === 'exposures'
            ? toCsv(exposures as unknown as Record<string, unknown>[], EXPOSURE_EXPORT_COLUMNS)
            : toCsv(data.leavers as unknown as Record<string, unknown>[], LEAVER_EXPORT_COLUMNS);
      if (opts.out) {
        writeFileSync(opts.out, text);
        process.stderr.write(`wrote ${opts.section === 'exposures' ? exposures.length : data.leavers.length} rows to ${opts.out}\n`);
      } else process.stdout.write(text);
    });
}
