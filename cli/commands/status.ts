// `planewatch status`: every configured source with its last successful poll (or webhook delivery),
// checkpoint, last event time, last error, failures in a row, pages/items fetched and dead letters.
// Asks the running process's API when planewatch runs, else reads ClickHouse directly.
import type { Command } from 'commander';
import { Option } from 'commander';
import { sourceStatus, type SourceStatus } from '../../core/poller/status.ts';
import { SOURCES } from '../../sources/registry.ts';
import { cliContext, fromRunningApi, withClickHouse } from '../context.ts';
import { render, type Format } from '../output.ts';

/** Human layout: one block per source stream. */
export function renderStatusBlocks(rows: SourceStatus[]): string {
  if (rows.length === 0) return '(no connections configured)\n';
  const out: string[] = [];
  for (const r of rows) {
    const lines: [string, string][] = [];
    if (r.stream === 'pages' || r.stream === 'inventory') {
      lines.push(['last success', r.last_success_at ?? 'never']);
      lines.push(['checkpoint', r.checkpoint ?? '-']);
    } else {
      lines.push(['last delivery', r.last_delivery_at ?? 'never']);
    }
    lines.push(['last event', r.last_event_at ?? 'none']);
    lines.push(['last error', r.last_error ? `${r.last_error}${r.last_error_at ? ` (at ${r.last_error_at})` : ''}` : 'none']);
    if (r.stream === 'pages' || r.stream === 'inventory') {
      lines.push(['counts', `${r.consecutive_failures} failure${r.consecutive_failures === 1 ? '' : 's'} in a row, ${r.pages} pages, ${r.items} items fetched`]);
    }
    lines.push(['dead letters', String(r.dead_letters)]);
    out.push(`${r.connection_id}  (${r.vendor}, ${r.transport}${r.enabled ? '' : ', disabled'})  ${r.stream}`);
    for (const [k, v] of lines) out.push(`  ${k.padEnd(15)}${v}`);
    out.push('');
  }
  return out.join('\n');
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show every configured source: last successful poll or delivery, checkpoint, last event, last error.')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'table', 'json', 'csv']).default('text'))
    .addHelpText('after', '\nExamples:\n  planewatch status\n  planewatch status --format json\n')
    .action(async (opts: { format: Format | 'text' }) => {
      const ctx = cliContext();
      const rows =
        (await fromRunningApi<SourceStatus[]>(ctx, '/api/v1/status')) ??
        (await withClickHouse(ctx, (client) => sourceStatus(client, ctx.config.map, SOURCES)));
      if (opts.format === 'text') {
        process.stdout.write(renderStatusBlocks(rows));
        return;
      }
      const columns = opts.format === 'table'
        ? ['connection_id', 'vendor', 'stream', 'last_success_at', 'last_event_at', 'consecutive_failures', 'pages', 'items', 'dead_letters', 'last_error']
        : Object.keys(rows[0] ?? { connection_id: 1 });
      process.stdout.write(render(rows as unknown as Record<string, unknown>[], columns, opts.format));
    });
}
