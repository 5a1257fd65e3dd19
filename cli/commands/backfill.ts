// `planewatch backfill <vendor|connection> --since 90d`: fetches a connection's audit log / event
// feed from --since through the same module and Kafka publish path as the live poller, with a
// progress line on stderr (pages, items, rate, position).
//
// Kafka: KAFKA_BROKERS when set; else, when planewatch runs on this data dir, its local broker
// (127.0.0.1:KAFKA_PORT); else a local broker is started for the duration of the backfill and the
// pages wait in Kafka until planewatch starts. The checkpoint is a file under
// <data dir>/backfill/ (see services/poller/backfill.ts): interrupt (Ctrl-C) and re-run the same
// command to resume after the last acknowledged page.
import type { Command } from 'commander';
import { bootstrap } from '../../runtime/bootstrap.ts';
import { parseDuration } from '../../core/config/duration.ts';
import { readRunInfo } from '../../core/run-file.ts';
import { loadEnv } from '../../core/config/env.ts';
import { kafkaPollPublishers } from '../../services/poller/publish.ts';
import { runBackfill, type BackfillProgress } from '../../services/poller/backfill.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { cliContext } from '../context.ts';

/** --since: a duration back from now ("90d", "12h") or an ISO date/time. Null when unusable. */
export function parseSince(text: string, nowMs: number): number | null {
  const d = parseDuration(text);
  if (d !== null) return nowMs - d;
  const at = Date.parse(text);
  return Number.isNaN(at) || at > nowMs ? null : at;
}

const SPIN = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function progressLine(p: BackfillProgress, tick: number): string {
  const secs = Math.max(p.elapsedMs / 1000, 0.001);
  const rate = p.items / secs;
  const bar = '▰'.repeat(Math.min(10, p.pages % 11)).padEnd(10, '▱');
  return `${SPIN[tick % SPIN.length]} ${p.connectionId} ${bar} ${p.pages} pages · ${p.items.toLocaleString('en-US')} items · ${rate.toFixed(rate < 10 ? 1 : 0)} items/s · ${p.position}`;
}

export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description('Fetch the history of a polled source (audit log / event feed) from --since into the pipeline.')
    .argument('<target>', 'a vendor (all its poll connections) or a connection id')
    .requiredOption('--since <when>', 'how far back: a duration such as 90d or 12h, or an ISO date')
    .addHelpText('after', '\nExamples:\n  planewatch backfill openai --since 90d\n  planewatch backfill openai-main --since 2026-01-01\n')
    .action(async (target: string, opts: { since: string }) => {
      const ctx = cliContext();
      const now = Date.now();
      const sinceMs = parseSince(opts.since, now);
      if (sinceMs === null) {
        process.stderr.write(`planewatch backfill: --since: expected a duration like 90d / 12h or a past ISO date, got "${opts.since}"\n`);
        process.exit(2);
      }
      const connections = ctx.config.map.connections.filter(
        (c) => c.enabled && c.transport === 'poll' && (c.id === target || c.vendor === target) && SOURCES[c.vendor]?.poller?.pages,
      );
      if (connections.length === 0) {
        const known = ctx.config.map.connections.filter((c) => c.transport === 'poll').map((c) => `${c.id} (${c.vendor})`);
        process.stderr.write(
          `planewatch backfill: no enabled poll connection "${target}" with an audit log to backfill; poll connections: ${known.join(', ') || 'none'}\n`,
        );
        process.exit(2);
      }

      const env = loadEnv();
      const running = readRunInfo(ctx.dataDir) !== null;
      const processEnv: NodeJS.ProcessEnv = { ...process.env };
      if (!processEnv.KAFKA_BROKERS && running) processEnv.KAFKA_BROKERS = `127.0.0.1:${env.KAFKA_PORT}`;
      const rt = await bootstrap({
        service: 'backfill',
        knownVendors: KNOWN_VENDORS,
        processEnv,
        startBroker: true,
        needClickHouse: false,
        needSecrets: false,
      });
      const publishers = kafkaPollPublishers(rt.producer);
      const abort = new AbortController();
      const onSigint = () => abort.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      const tty = process.stderr.isTTY === true;
      let tick = 0;
      try {
        for (const connection of connections) {
          process.stderr.write(`backfill ${connection.id} (${connection.vendor}) since ${new Date(sinceMs).toISOString()}\n`);
          const result = await runBackfill({
            connection,
            source: SOURCES[connection.vendor]!,
            sinceMs,
            dataDir: ctx.dataDir,
            publishers,
            log: rt.log,
            signal: abort.signal,
            onProgress: (p) => {
              const line = progressLine(p, tick++);
              process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
            },
          });
          if (tty) process.stderr.write('\n');
          process.stdout.write(
            `${connection.id}: ${result.pages} pages, ${result.items} items published${result.resumed ? ' (resumed)' : ''}\n`,
          );
        }
        if (!running && !process.env.KAFKA_BROKERS)
          process.stdout.write('planewatch is not running: the pages wait in Kafka and are stored when it starts.\n');
      } catch (err) {
        if (tty) process.stderr.write('\n');
        if (abort.signal.aborted)
          process.stderr.write('planewatch backfill: interrupted; run the same command again to resume after the last acknowledged page\n');
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
        await rt.close();
      }
    });
}
