// `planewatch lag`: deprovisioning lag per plane and source (count, removed, pending, overdue,
// SLA breaches, p50/p90/p99/max) for people deprovisioned in a period, and the overdue list
// (open PW-DEPROV-OVERDUE findings).
import type { Command } from 'commander';
import { Option } from 'commander';
import { lagStatistics, type LagStat } from '../../store/lag/stats.ts';
import { listFindings, type FindingJson } from '../../store/findings/findings.ts';
import { exposureLag, type ExposureLag } from '../../store/lag/exposure-lag.ts';
import { cliContext } from '../context.ts';
import { render, type Format } from '../output.ts';
import { apiOrStore, defaultPlaneOf, formatDuration, iso, parsePeriod, type PeriodOptions } from './query-common.ts';

interface LagData {
  now: string;
  statistics: LagStat[];
  overdue: FindingJson[];
  /** Exposure → revocation (GitHub secret scanning), exposures found in the same period. */
  exposure?: ExposureLag;
}

const STAT_COLUMNS = ['plane', 'source', 'count', 'removed', 'pending', 'overdue', 'breaches', 'p50', 'p90', 'p99', 'max'];
const EXPOSURE_COLUMNS = ['plane', 'source', 'count', 'removed', 'pending', 'overdue', 'breaches', 'p50', 'p90', 'max'];
const OVERDUE_COLUMNS = ['plane', 'tenant', 'subject_kind', 'subject_id', 'subject_email', 'signal_at', 'pending', 'fingerprint'];

export function registerLagCommand(program: Command): void {
  program
    .command('lag')
    .description('Deprovisioning lag per plane and source for people deprovisioned in a period, and the overdue removals.')
    .option('--from <date>', 'start of the period (ISO 8601, inclusive; default: 90 days before --to)')
    .option('--to <date>', 'end of the period (ISO 8601, exclusive; default: now)')
    .option('--quarter <YYYYQn>', 'the period is this calendar quarter (UTC), e.g. 2026Q2')
    .option('--now <time>', 'evaluate "overdue" at this time (default: now)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .addHelpText(
      'after',
      '\nExamples:\n  planewatch lag\n  planewatch lag --quarter 2026Q2\n  planewatch lag --from 2026-04-01 --to 2026-07-01 --format json\n',
    )
    .action(async (opts: PeriodOptions & { format: Format }) => {
      const p = parsePeriod('lag', opts, 90);
      const ctx = cliContext();
      const data = await apiOrStore<LagData>(ctx, '/api/v1/lag', { from: iso(p.from), to: iso(p.to), now: iso(p.now) }, async (client) => ({
        now: iso(p.now),
        statistics: await lagStatistics(client, ctx.config.map, p, defaultPlaneOf),
        overdue: await listFindings(client, { status: 'open', detection: 'PW-DEPROV-OVERDUE' }),
        exposure: await exposureLag(client, ctx.config.map, p, defaultPlaneOf),
      }));
      if (opts.format === 'json') {
        process.stdout.write(JSON.stringify({ period: { from: iso(p.from), to: iso(p.to) }, ...data }, null, 2) + '\n');
        return;
      }
      const stats = data.statistics.map((s) => ({
        ...s,
        source: s.source ?? '(all)',
        ...(opts.format === 'table'
          ? { p50: formatDuration(s.p50_ms), p90: formatDuration(s.p90_ms), p99: formatDuration(s.p99_ms), max: formatDuration(s.max_ms) }
          : { p50: s.p50_ms, p90: s.p90_ms, p99: s.p99_ms, max: s.max_ms }),
      }));
      const exposure = (data.exposure?.statistics ?? []).map((s) => ({
        ...s,
        source: s.source ?? '(all)',
        ...(opts.format === 'table'
          ? { p50: formatDuration(s.p50_ms), p90: formatDuration(s.p90_ms), max: formatDuration(s.max_ms) }
          : { p50: s.p50_ms, p90: s.p90_ms, max: s.max_ms }),
      }));
      if (opts.format === 'csv') {
        // The CSV keeps its one table (deprovisioning); exposure lag is in the table and JSON outputs,
        // and per exposure in `planewatch export --section exposures`.
        process.stdout.write(render(stats, STAT_COLUMNS, 'csv'));
        return;
      }
      process.stdout.write(`Deprovisioning lag, signals in [${iso(p.from)}, ${iso(p.to)}):\n`);
      process.stdout.write(render(stats, STAT_COLUMNS, 'table'));
      if (data.exposure) {
        const sla = data.exposure.sla_ms;
        process.stdout.write(
          `\nExposure lag (exposure → revocation), exposures found in [${iso(p.from)}, ${iso(p.to)}), SLA platform ${formatDuration(sla.platform)}, application ${formatDuration(sla.application)}:\n`,
        );
        process.stdout.write(render(exposure, EXPOSURE_COLUMNS, 'table'));
        const u = data.exposure.unmatched;
        if (u.none + u.ambiguous > 0)
          process.stdout.write(
            `Not in the lag: ${u.none} exposure(s) match no known credential, ${u.ambiguous} match several (see planewatch findings --detection PW-EXPOSED-CREDENTIAL-ACTIVE).\n`,
          );
      }
      process.stdout.write(`\nOverdue removals (${data.overdue.length}):\n`);
      process.stdout.write(
        render(
          data.overdue.map((f) => ({
            plane: f.plane,
            tenant: f.tenant,
            subject_kind: f.subject.kind,
            subject_id: f.subject.id,
            subject_email: f.subject.email,
            signal_at: f.detail.signal_at ?? null,
            pending: f.detail.pending_ms ? formatDuration(Number(f.detail.pending_ms)) : null,
            fingerprint: f.fingerprint,
          })),
          OVERDUE_COLUMNS,
          'table',
        ),
      );
    });
}
