// `planewatch report boundaries`: the boundary report (docs/REPORTS.md) — per plane, and per tenant
// on the application plane, whether provisioning, authentication, deprovisioning, credentials, the
// audit trail and separation are proven, with figures, listed accounts and the queries behind them.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { formatPath } from '../../core/config/errors.ts';
import { buildBoundaryReport, ReportRequest, type BoundaryReport } from '../../store/reports/boundary-report.ts';
import { renderTable } from '../../store/reports/render-table.ts';
import { renderJson } from '../../store/reports/render-json.ts';
import { renderCsv } from '../../store/reports/render-csv.ts';
import { renderHtml } from '../../store/reports/render-html.ts';
import { cliContext } from '../context.ts';
import { apiOrStore, defaultPlaneOf, iso, parseTime, usageError } from './query-common.ts';

type ReportFormat = 'table' | 'json' | 'csv' | 'html';

export function renderReport(r: BoundaryReport, format: ReportFormat): string {
  switch (format) {
    case 'json':
      return renderJson(r);
    case 'csv':
      return renderCsv(r);
    case 'html':
      return renderHtml(r);
    default:
      return renderTable(r);
  }
}

interface Opts {
  period?: string;
  plane?: string;
  tenant?: string;
  now?: string;
  format: ReportFormat;
  out?: string;
}

/** The calendar quarter (UTC) a time falls in, as a period: `2026-Q4`. */
export function quarterOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

export function registerReportCommand(program: Command): void {
  const report = program.command('report').description('Evidence reports for auditors.');
  report
    .command('boundaries')
    .description(
      'Boundary report: per plane (and per tenant on the application plane), is each control proven — provisioning, authentication, deprovisioning, credentials, audit trail, separation — with the figures, accounts and queries behind it.',
    )
    .option(
      '--period <period>',
      'the period: 2026-Q3, 2026-07, 2026 or 2026-07-01..2026-10-01 (UTC; end exclusive); default: the quarter --now falls in',
    )
    .addOption(new Option('--plane <plane>', 'only this plane').choices(['platform', 'application']))
    .option('--tenant <id>', 'only this tenant of the application plane')
    .option('--now <time>', 'evaluate pending / overdue / stale / silent at this time (ISO 8601; default: now)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv', 'html']).default('table'))
    .option('--out <file>', 'write the report to this file instead of standard output')
    .addHelpText(
      'after',
      `
Status of each control: proven, partly, not_proven or not_applicable (rules: docs/REPORTS.md).

Examples:
  planewatch report boundaries                       (the current quarter)
  planewatch report boundaries --period 2026-Q3
  planewatch report boundaries --period 2026-07 --plane application --tenant org_01GLOBEX
  planewatch report boundaries --period 2026-07-01..2026-10-01 --format json
  planewatch report boundaries --period 2026 --format html --out boundary-report-2026.html
`,
    )
    .action(async (opts: Opts) => {
      const now = opts.now ? parseTime('report boundaries', 'now', opts.now) : Date.now();
      const period = opts.period ?? quarterOf(now);
      const req = ReportRequest.safeParse({ period, plane: opts.plane, tenant: opts.tenant, now });
      if (!req.success)
        usageError(
          'report boundaries',
          req.error.issues.map((i) => (i.message.includes(':') ? i.message : `${formatPath(i.path)}: ${i.message}`)).join('; '),
        );
      const q = req.data;
      const ctx = cliContext();
      const r = await apiOrStore<BoundaryReport>(
        ctx,
        '/api/v1/reports/boundaries',
        { period, plane: q.plane, tenant: q.tenant, now: iso(now), format: 'json' },
        (client) =>
          buildBoundaryReport(client, ctx.config.map, defaultPlaneOf, { period: q.period, plane: q.plane, tenant: q.tenant, now }),
      );
      const text = renderReport(r, opts.format);
      if (opts.out) {
        writeFileSync(opts.out, text);
        process.stderr.write(`planewatch report boundaries: wrote ${opts.out}\n`);
      } else {
        process.stdout.write(text);
      }
    });
}
