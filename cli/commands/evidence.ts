// `planewatch evidence <fingerprint>`: the finding, the identity events behind it and the raw
// deliveries (verbatim vendor bodies) they came from.
import type { Command } from 'commander';
import { Option } from 'commander';
import { FINGERPRINT, findingEvidence, type Evidence } from '../../store/queries/evidence.ts';
import { readRunInfo } from '../../core/run-file.ts';
import { cliContext, withClickHouse } from '../context.ts';
import { render, type Format } from '../output.ts';
import { usageError } from './query-common.ts';

export function registerEvidenceCommand(program: Command): void {
  program
    .command('evidence <fingerprint>')
    .description('The events and raw deliveries behind a finding (fingerprint from `planewatch findings`).')
    .addOption(new Option('--format <format>', 'output format (csv lists the events)').choices(['table', 'json', 'csv']).default('table'))
    .option('--bodies', 'with --format table: print each raw delivery body too')
    .addHelpText(
      'after',
      '\nExamples:\n  planewatch evidence 3f2a9c0e5b1d4f6a8c7e2b0d9f1a3c5e\n  planewatch evidence 3f2a9c0e5b1d4f6a8c7e2b0d9f1a3c5e --format json > evidence.json\n',
    )
    .action(async (fingerprint: string, opts: { format: Format; bodies?: boolean }) => {
      if (!FINGERPRINT.test(fingerprint)) usageError('evidence', 'expected a 32-character hex fingerprint (see `planewatch findings`)');
      const ctx = cliContext();
      const run = readRunInfo(ctx.dataDir);
      let ev: Evidence | null;
      if (run) {
        const res = await fetch(`${run.url}/api/v1/evidence/${fingerprint}`, { headers: { authorization: `Bearer ${run.token}` } });
        const body = (await res.json()) as { data?: Evidence; error?: { message: string } };
        if (res.status === 404) ev = null;
        else if (!res.ok) throw new Error(`planewatch API answered ${res.status}: ${body.error?.message ?? 'unknown error'}`);
        else ev = body.data!;
      } else {
        ev = await withClickHouse(ctx, (client) => findingEvidence(client, fingerprint));
      }
      if (!ev) {
        process.stderr.write(`planewatch evidence: no finding with fingerprint ${fingerprint}\n`);
        process.exit(1);
      }
      if (opts.format === 'json') return void process.stdout.write(JSON.stringify(ev, null, 2) + '\n');
      const events = ev.events as unknown as Record<string, unknown>[];
      const cols = [
        'occurred_at',
        'source',
        'plane',
        'tenant_id',
        'category',
        'action',
        'subject_kind',
        'subject_id',
        'subject_email',
        'vendor_type',
        'event_id',
        'raw_id',
      ];
      if (opts.format === 'csv') return void process.stdout.write(render(events, cols, 'csv'));
      const f = ev.finding;
      process.stdout.write(
        `${f.severity.toUpperCase()} ${f.detection} (${f.status}) on ${f.plane}${f.tenant ? ` / ${f.tenant}` : ''}: ${f.subject.kind} ${f.subject.id}${f.subject.email ? ` <${f.subject.email}>` : ''}\n`,
      );
      process.stdout.write(
        `first seen ${f.first_seen}, last seen ${f.last_seen}; ${Object.entries(f.detail)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}\n\nEvents:\n`,
      );
      process.stdout.write(render(events, cols, 'table'));
      process.stdout.write('\nRaw deliveries:\n');
      process.stdout.write(
        render(
          ev.raw_deliveries.map((r) => ({ ...r, bytes: Buffer.byteLength(r.body) })) as unknown as Record<string, unknown>[],
          ['id', 'source', 'connection_id', 'received_at', 'transport', 'verification_scheme', 'verified', 'bytes'],
          'table',
        ),
      );
      if (opts.bodies) for (const r of ev.raw_deliveries) process.stdout.write(`\n--- ${r.id} (${r.body_encoding})\n${r.body}\n`);
    });
}
