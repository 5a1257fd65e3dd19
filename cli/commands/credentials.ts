// `planewatch credentials [stale|orphaned|all]`: credentials with owner and last use; stale and
// orphaned are what the open PW-STALE-CREDENTIAL / PW-ORPHANED-CREDENTIAL findings say.
import type { Command } from 'commander';
import { Option } from 'commander';
import { CredentialsQuery, listCredentials, type CredentialRow } from '../../store/queries/credentials.ts';
import { cliContext } from '../context.ts';
import { render, type Format } from '../output.ts';
import { apiOrStore, usageError } from './query-common.ts';

const COLUMNS = [
  'plane',
  'source',
  'tenant',
  'credential_id',
  'kind',
  'name',
  'status',
  'owner_email',
  'owner_id',
  'created_at',
  'last_used_at',
  'findings',
];

export function registerCredentialsCommand(program: Command): void {
  program
    .command('credentials [which]')
    .description('Credentials (API keys, tokens) with owner and last use: all (default), stale or orphaned.')
    .addOption(new Option('--plane <plane>', 'only this plane').choices(['platform', 'application']))
    .option('--source <source>', 'only this source, e.g. openai')
    .option('--tenant <tenant>', 'only this tenant (project / organization id)')
    .addOption(new Option('--status <status>', 'only active or revoked').choices(['active', 'revoked']))
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .addHelpText(
      'after',
      '\nExamples:\n  planewatch credentials stale\n  planewatch credentials orphaned --format json\n  planewatch credentials --source openai --status active --format csv\n',
    )
    .action(
      async (which: string | undefined, opts: { plane?: string; source?: string; tenant?: string; status?: string; format: Format }) => {
        const q = CredentialsQuery.safeParse({
          which: which ?? 'all',
          plane: opts.plane,
          source: opts.source,
          tenant: opts.tenant,
          status: opts.status,
        });
        if (!q.success)
          usageError(
            'credentials',
            q.error.issues.map((i) => `${i.path[0] === 'which' ? '[which]' : `--${String(i.path[0])}`}: ${i.message}`).join('; '),
          );
        const ctx = cliContext();
        const rows = await apiOrStore<CredentialRow[]>(
          ctx,
          '/api/v1/credentials',
          { ...q.data },
          (client) => listCredentials(client, q.data),
          true,
        );
        if (opts.format === 'json') process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        else
          process.stdout.write(
            render(
              rows.map((r) => ({ ...r, findings: r.findings.join(' ') })),
              COLUMNS,
              opts.format,
            ),
          );
      },
    );
}
