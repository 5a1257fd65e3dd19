import type { Command } from 'commander';
import { Option } from 'commander';
import { RecentEventsQuery, recentEvents, type EventRow } from '../../store/queries/events.ts';
import { cliContext, fromRunningApi, withClickHouse } from '../context.ts';
import { render, type Format } from '../output.ts';

const COLUMNS = [
  'occurred_at',
  'plane',
  'source',
  'connection_id',
  'category',
  'action',
  'subject_kind',
  'subject_id',
  'subject_email',
  'vendor_type',
];

export function registerEventsCommand(program: Command): void {
  program
    .command('events')
    .description('Show the most recent normalized identity events.')
    .option('--last <n>', 'how many events', '10')
    .option('--source <vendor>', 'only this vendor, e.g. workos')
    .addOption(new Option('--plane <plane>', 'only this plane').choices(['platform', 'application']))
    .option('--connection <id>', 'only this connection')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .addHelpText('after', '\nExamples:\n  planewatch events --last 20\n  planewatch events --plane platform --format json\n')
    .action(async (opts: { last: string; source?: string; plane?: string; connection?: string; format: Format }) => {
      const parsed = RecentEventsQuery.safeParse({ last: opts.last, source: opts.source, plane: opts.plane, connection: opts.connection });
      if (!parsed.success) {
        process.stderr.write(`planewatch events: ${parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; ')}\n`);
        process.exit(2);
      }
      const ctx = cliContext();
      const qs = new URLSearchParams(
        Object.entries(parsed.data)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, String(v)]),
      );
      const rows =
        (await fromRunningApi<EventRow[]>(ctx, `/api/v1/events?${qs}`)) ??
        (await withClickHouse(ctx, (client) => recentEvents(client, parsed.data)));
      process.stdout.write(
        render(
          rows as unknown as Record<string, unknown>[],
          opts.format === 'table' ? COLUMNS : Object.keys(rows[0] ?? { event_id: 1 }),
          opts.format,
        ),
      );
    });
}
