// `planewatch alerts test --channel <name>`: sends one clearly marked test alert to a configured
// channel (same code, retries and signature as the alerter) and prints every attempt.
// `planewatch alerts list [--state --limit --format]`: recent notifications and their delivery
// state (delivered | dead | suppressed) from ClickHouse (needs planewatch stopped when it uses the
// embedded store, or a ClickHouse server via CLICKHOUSE_URL).
import type { Command } from 'commander';
import { Option } from 'commander';
import { createLogger } from '../../core/log.ts';
import { resolveChannels } from '../../services/alerter/channels.ts';
import { deliver } from '../../services/alerter/delivery.ts';
import { testNotification } from '../../services/alerter/alerter.ts';
import type { AttemptRow, DeliveryStore, NotificationRow } from '../../services/alerter/store.ts';
import { listNotifications } from '../../store/alert-notifications.ts';
import { readRunInfo } from '../../core/run-file.ts';
import { cliContext, withClickHouse } from '../context.ts';
import { render, type Format } from '../output.ts';

const COLUMNS = [
  'finished_at',
  'state',
  'kind',
  'channel',
  'channel_type',
  'detection',
  'severity',
  'plane',
  'subject_id',
  'subject_email',
  'attempts',
  'http_status',
  'last_error',
  'fingerprint',
];

export function registerAlertsCommand(program: Command): void {
  const cmd = program.command('alerts').description('Alert channels: send a test alert, list recent notifications.');

  cmd
    .command('test')
    .description('Send a clearly marked test alert to one configured channel.')
    .requiredOption('--channel <name>', 'channel name from alerts.channels')
    .action(async (opts: { channel: string }) => {
      const ctx = cliContext();
      const settings = ctx.config.map.alerts;
      if (!settings.channels.some((c) => c.name === opts.channel)) {
        process.stderr.write(
          `planewatch alerts test: --channel: unknown channel "${opts.channel}"; expected one of: ${settings.channels.map((c) => c.name).join(', ') || '(no alerts.channels configured)'}\n`,
        );
        process.exit(2);
      }
      const channel = resolveChannels({ ...settings, channels: settings.channels.filter((c) => c.name === opts.channel) }, process.env).get(
        opts.channel,
      )!;
      const attempts: AttemptRow[] = [];
      let final: NotificationRow | null = null;
      const store: DeliveryStore = {
        finalState: async () => null,
        recordAttempt: async (r) => void attempts.push(r),
        recordFinal: async (r) => void (final = r),
      };
      const result = await deliver(testNotification(opts.channel, Date.now()), channel, {
        store,
        log: createLogger({ level: 'warn', name: 'alerts-test' }),
        now: Date.now,
        fetch,
        random: Math.random,
        findingUrl: settings.finding_url,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        policy: {
          maxAttempts: settings.delivery.max_attempts,
          initialBackoffMs: settings.delivery.initial_backoff,
          maxBackoffMs: settings.delivery.max_backoff,
          timeoutMs: settings.delivery.timeout,
        },
      });
      for (const a of attempts)
        process.stdout.write(
          `attempt ${a.attempt}: ${a.outcome}${a.http_status ? ` HTTP ${a.http_status}` : ''}${a.error && a.error !== `HTTP ${a.http_status}` ? ` (${a.error})` : ''} in ${a.latency_ms} ms\n`,
        );
      process.stdout.write(
        `test alert to ${opts.channel} (${channel.type}): ${result.state}${final && (final as NotificationRow).last_error ? ` — ${(final as NotificationRow).last_error}` : ''}\n`,
      );
      if (result.state !== 'delivered') process.exit(1);
    });

  cmd
    .command('list')
    .description('Recent notifications and their delivery state (delivered, dead, suppressed).')
    .addOption(new Option('--state <state>', 'only this state').choices(['delivered', 'dead', 'suppressed']))
    .option('--limit <n>', 'how many (newest first)', '50')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .action(async (opts: { state?: string; limit: string; format: Format }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        process.stderr.write('planewatch alerts list: --limit: expected a whole number from 1 to 10000\n');
        process.exit(2);
      }
      const ctx = cliContext();
      if (readRunInfo(ctx.dataDir) && !process.env.CLICKHOUSE_URL) {
        throw new Error(
          'planewatch is running and holds the embedded store: stop it, or point CLICKHOUSE_URL at a ClickHouse server, to list notifications',
        );
      }
      const rows = await withClickHouse(ctx, (client) => listNotifications(client, { limit, state: opts.state }));
      if (opts.format === 'json') process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else process.stdout.write(render(rows as unknown as Record<string, unknown>[], COLUMNS, opts.format));
    });
}
