// `planewatch person <email>`: one person's timeline across planes (accounts, credentials,
// deprovision signal, removals, activity after deprovisioning), oldest first.
import type { Command } from 'commander';
import { Option } from 'commander';
import { personTimeline, type TimelineEntry } from '../../store/lag/stats.ts';
import { normalizeEmail } from '../../core/events/identity-event.ts';
import { cliContext } from '../context.ts';
import { render, type Format } from '../output.ts';
import { apiOrStore, defaultPlaneOf, iso, parseTime, usageError } from './query-common.ts';

const COLUMNS = ['at', 'plane', 'source', 'tenant', 'entity', 'subject_kind', 'subject_id', 'what', 'event_id'];

export function registerPersonCommand(program: Command): void {
  program
    .command('person <email>')
    .description("A person's timeline across planes: accounts, credentials, deprovision signal, removals, activity after.")
    .option('--now <time>', 'evaluate at this time (default: now)')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .addHelpText('after', '\nExamples:\n  planewatch person ada@acme.example\n  planewatch person ada@acme.example --format json\n')
    .action(async (email: string, opts: { now?: string; format: Format }) => {
      const person = /^[^@\s]+@[^@\s]+$/.test(email.trim()) ? normalizeEmail(email) : null;
      if (person === null) usageError('person', `expected an email address, got "${email}"`);
      const now = opts.now ? parseTime('person', 'now', opts.now) : Date.now();
      const ctx = cliContext();
      const rows = await apiOrStore<TimelineEntry[]>(
        ctx,
        `/api/v1/people/${encodeURIComponent(person)}`,
        { now: iso(now) },
        (client) => personTimeline(client, ctx.config.map, person, now, defaultPlaneOf),
        true,
      );
      if (opts.format === 'json') process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else
        process.stdout.write(
          render(rows as unknown as Record<string, unknown>[], opts.format === 'csv' ? [...COLUMNS, 'raw_id'] : COLUMNS, opts.format),
        );
      if (rows.length === 0 && opts.format === 'table') process.stderr.write(`no accounts or credentials found for ${person}\n`);
    });
}
