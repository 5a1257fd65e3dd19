// `planewatch status`: every configured source with its last successful poll (or webhook delivery),
// checkpoint, last event time, last error, failures in a row, pages/items fetched and dead letters;
// then the dead alerts (notifications that exhausted their retries) per channel and the latest ones.
// Asks the running process's API when planewatch runs, else reads ClickHouse directly.
// `--format json|csv|table` print the sources only (as before); text shows both.
import type { Command } from 'commander';
import { Option } from 'commander';
import { sourceStatus, type SourceStatus } from '../../store/poll-status.ts';
import { SOURCES } from '../../sources/registry.ts';
import { deadAlerts, renderDeadAlerts, type DeadAlerts } from '../../store/dead-alerts.ts';
import { readRunInfo } from '../../core/run-file.ts';
import { cliContext, withClickHouse } from '../context.ts';
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
      lines.push([
        'counts',
        `${r.consecutive_failures} failure${r.consecutive_failures === 1 ? '' : 's'} in a row, ${r.pages} pages, ${r.items} items fetched`,
      ]);
    }
    lines.push(['dead letters', String(r.dead_letters)]);
    out.push(`${r.connection_id}  (${r.vendor}, ${r.transport}${r.enabled ? '' : ', disabled'})  ${r.stream}`);
    for (const [k, v] of lines) out.push(`  ${k.padEnd(15)}${v}`);
    out.push('');
  }
  return out.join('\n');
}

/** GET /api/v1/status of the running process (sources in `data`, dead alerts beside them), or null when planewatch is not running. */
async function statusFromRunningApi(dataDir: string): Promise<{ rows: SourceStatus[]; dead: DeadAlerts } | null> {
  const run = readRunInfo(dataDir);
  if (!run) return null;
  const res = await fetch(run.url + '/api/v1/status', { headers: { authorization: `Bearer ${run.token}` } });
  const body = (await res.json()) as { data?: SourceStatus[]; dead_alerts?: DeadAlerts; error?: { message: string } };
  if (!res.ok) throw new Error(`planewatch API answered ${res.status}: ${body.error?.message ?? 'unknown error'}`);
  return { rows: body.data ?? [], dead: body.dead_alerts ?? { total: 0, by_channel: [], recent: [] } };
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(
      'Show every configured source (last successful poll or delivery, checkpoint, last event, last error) and the dead alerts per channel.',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'table', 'json', 'csv']).default('text'))
    .addHelpText('after', '\nExamples:\n  planewatch status\n  planewatch status --format json\n')
    .action(async (opts: { format: Format | 'text' }) => {
      const ctx = cliContext();
      const { rows, dead } =
        (await statusFromRunningApi(ctx.dataDir)) ??
        (await withClickHouse(ctx, async (client) => ({
          rows: await sourceStatus(client, ctx.config.map, SOURCES),
          dead: await deadAlerts(client),
        })));
      if (opts.format === 'text') {
        process.stdout.write(renderStatusBlocks(rows) + renderDeadAlerts(dead));
        return;
      }
      const columns =
        opts.format === 'table'
          ? [
              'connection_id',
              'vendor',
              'stream',
              'last_success_at',
              'last_event_at',
              'consecutive_failures',
              'pages',
              'items',
              'dead_letters',
              'last_error',
            ]
          : Object.keys(rows[0] ?? { connection_id: 1 });
      process.stdout.write(render(rows as unknown as Record<string, unknown>[], columns, opts.format));
    });
}
