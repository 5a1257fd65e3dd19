// `planewatch findings [--status --detection --plane --format]` and `planewatch findings ack <fingerprint>`.
// JSON output is an array of findings in the shape DESIGN.md defines (store/findings/findings-query.ts).
// While planewatch runs, embedded ClickHouse belongs to that process: the list is read through its
// local API (GET /api/v1/findings), and acknowledging needs planewatch stopped (or a ClickHouse
// server via CLICKHOUSE_URL). It needs no boundary map, so it does not read one.
import type { Command } from 'commander';
import { Option } from 'commander';
import { FindingsQuery, filterFindings, type FindingJson } from '../../store/findings/findings-query.ts';
import { readRunInfo } from '../../core/run-file.ts';
import { storeContext, withClickHouse } from '../store-context.ts';
import { apiOrStore, parseTime } from './query-common.ts';
import { render, type Format } from '../output.ts';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
const COLUMNS = [
  'severity',
  'detection',
  'status',
  'plane',
  'tenant',
  'subject_kind',
  'subject_id',
  'subject_email',
  'first_seen',
  'last_seen',
  'fingerprint',
];

function flat(f: FindingJson): Record<string, unknown> {
  return {
    severity: f.severity,
    detection: f.detection,
    status: f.status,
    plane: f.plane,
    tenant: f.tenant,
    subject_kind: f.subject.kind,
    subject_id: f.subject.id,
    subject_email: f.subject.email,
    first_seen: f.first_seen,
    last_seen: f.last_seen,
    fingerprint: f.fingerprint,
    event_ids: f.evidence.event_ids.join(' '),
    raw_ids: f.evidence.raw_ids.join(' '),
  };
}

export function registerFindingsCommand(program: Command): void {
  const cmd = program
    .command('findings')
    .description('Show detection findings (open ones by default).')
    .addOption(new Option('--status <status>', 'open (includes reopened), reopened, resolved, acknowledged or all').default('open'))
    .option('--detection <id>', 'only this detection, e.g. PW-ORPHANED-ACCOUNT')
    .addOption(new Option('--plane <plane>', 'only this plane').choices(['platform', 'application']))
    .addOption(new Option('--severity <severity>', 'only this severity').choices(SEVERITIES))
    .option('--since <time>', 'only findings last seen at or after this time (ISO 8601)')
    .option('--tenant <tenant>', 'only this tenant')
    .addOption(
      new Option('--fail-on <severity>', 'exit 3 when a listed finding has this severity or a higher one (for scripts and CI)').choices(
        SEVERITIES,
      ),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .addHelpText(
      'after',
      '\nExamples:\n  planewatch findings\n  planewatch findings --detection PW-DEPROV-OVERDUE --format json\n  planewatch findings --severity critical --since 2026-07-01\n  planewatch findings --fail-on high || echo "high or critical findings are open"\n  planewatch findings ack 3f2a...\n\nExit codes: 0 ok, 1 failure, 2 bad usage, 3 findings at or above --fail-on.\n',
    )
    .action(
      async (opts: {
        status: string;
        detection?: string;
        plane?: string;
        severity?: string;
        since?: string;
        tenant?: string;
        failOn?: string;
        format: Format;
      }) => {
        const parsed = FindingsQuery.safeParse({ status: opts.status, detection: opts.detection, plane: opts.plane });
        if (!parsed.success) {
          process.stderr.write(
            `planewatch findings: ${parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; ')}\n`,
          );
          process.exit(2);
        }
        const since = opts.since === undefined ? undefined : parseTime('findings', 'since', opts.since);
        const ctx = storeContext();
        const all = await apiOrStore<FindingJson[]>(
          ctx,
          '/api/v1/findings',
          { status: parsed.data.status, detection: parsed.data.detection, plane: parsed.data.plane },
          // The detection engine is loaded only when the store is read directly.
          async (client) => (await import('../../store/findings/findings.ts')).listFindings(client, parsed.data),
          true,
        );
        const rows = filterFindings(all, { severity: opts.severity, since, tenant: opts.tenant }, null);
        if (opts.format === 'json') process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        else
          process.stdout.write(
            render(rows.map(flat), opts.format === 'table' ? COLUMNS : [...COLUMNS, 'event_ids', 'raw_ids'], opts.format),
          );
        if (opts.failOn !== undefined) {
          const bar = SEVERITIES.indexOf(opts.failOn as (typeof SEVERITIES)[number]);
          if (rows.some((f) => SEVERITIES.indexOf(f.severity as (typeof SEVERITIES)[number]) <= bar)) process.exitCode = 3;
        }
      },
    );

  cmd
    .command('ack <fingerprint>')
    .description('Acknowledge an open finding (incidents stay acknowledged; state findings until their condition clears).')
    .option('--by <who>', 'who acknowledges (recorded with the finding)', process.env.USER ?? 'cli')
    .action(async (fingerprint: string, opts: { by: string }) => {
      if (!/^[0-9a-f]{32}$/.test(fingerprint)) {
        process.stderr.write('planewatch findings ack: expected a 32-character hex fingerprint (see `planewatch findings`)\n');
        process.exit(2);
      }
      const ctx = storeContext();
      if (readRunInfo(ctx.dataDir) && !process.env.CLICKHOUSE_URL) {
        throw new Error(
          'planewatch is running and holds the embedded store: stop it first (or use a ClickHouse server via CLICKHOUSE_URL) to acknowledge',
        );
      }
      const { acknowledgeFinding } = await import('../../store/findings/findings-store.ts');
      const change = await withClickHouse(ctx, (client) => acknowledgeFinding(client, fingerprint, opts.by, Date.now()));
      process.stdout.write(
        change
          ? `acknowledged ${fingerprint}; the PagerDuty and webhook channels that were alerted hear of it with planewatch's next evaluation\n`
          : `${fingerprint} is already acknowledged or resolved\n`,
      );
    });
}
