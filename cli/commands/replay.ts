// `planewatch replay`: re-normalizes stored raw envelopes (all, by source/connection, by received_at
// range) through the normal pipeline after a mapping change; see docs/OPERATIONS.md "Replay".
//
// Where it runs: when planewatch (all-in-one) runs on this data dir, the CLI asks it through its
// local admin endpoint (POST /admin/replay, the local API token): that process owns the embedded
// ClickHouse, the normalizer and the sink. In a split deployment (CLICKHOUSE_URL + KAFKA_BROKERS,
// no all-in-one on this data dir) the CLI runs the replay itself against the shared ClickHouse and
// Kafka, waiting on the normalizer and sink services' consumer groups; the detector service picks
// the rebuilt state up at its next scheduled evaluation. `--dry-run` with nothing running opens the
// store directly (it only counts).
// Exit codes: 0 done (dead letters and removed events are reported, not failures), 1 failure or
// interrupted (run the same command again to resume), 2 bad usage or configuration.
import { Option, type Command } from 'commander';
import { parseDuration } from '../../core/config/duration.ts';
import { readRunInfo } from '../../core/run-file.ts';
import { bootstrap } from '../../runtime/bootstrap.ts';
import { CONSUMER_GROUPS } from '../../core/kafka/topics.ts';
import { ReplayFilterSchema, replaySpec, type ReplayFilter } from '../../services/replay/filter.ts';
import { replayCheckpointPath } from '../../services/replay/checkpoint.ts';
import { dryRunReplay, runReplay, type ReplayDryRun, type ReplayProgress, type ReplaySummary } from '../../services/replay/runner.ts';
import { REPLAY_PATH } from '../../services/replay/http.ts';
import { KNOWN_VENDORS } from '../../sources/registry.ts';
import { cliContext, withClickHouse } from '../context.ts';
import { render } from '../output.ts';

interface ReplayOptions {
  all?: boolean;
  source?: string;
  connection?: string;
  since?: string;
  until?: string;
  dryRun?: boolean;
  format: 'table' | 'json';
  batchSize?: string;
}

/** A point in time: a duration back from now ("7d", "12h") or an ISO date/time. Null when unusable. */
export function parseWhen(text: string, nowMs: number): number | null {
  const d = parseDuration(text);
  if (d !== null) return nowMs - d;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : at;
}

/** The filter of the options, or the usage error (message names the option). */
export function filterOf(opts: ReplayOptions, nowMs: number): { filter: ReplayFilter } | { error: string } {
  if (opts.source !== undefined && !KNOWN_VENDORS.includes(opts.source))
    return { error: `--source: expected a vendor (${KNOWN_VENDORS.join(', ')}), got "${opts.source}"` };
  let since: number | null = null;
  let until: number | null = null;
  if (opts.since !== undefined && (since = parseWhen(opts.since, nowMs)) === null)
    return { error: `--since: expected a duration like 7d / 12h or an ISO date, got "${opts.since}"` };
  if (opts.until !== undefined && (until = parseWhen(opts.until, nowMs)) === null)
    return { error: `--until: expected a duration like 7d / 12h or an ISO date, got "${opts.until}"` };
  const parsed = ReplayFilterSchema.safeParse({
    all: opts.all === true,
    source: opts.source ?? null,
    connection: opts.connection ?? null,
    since,
    until,
  });
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) =>
      i.path[0] === 'all'
        ? 'expected --all, or at least one of --source, --connection, --since, --until (not both)'
        : `--${String(i.path[0])}: ${i.message}`,
    );
    return { error: [...new Set(msg)].join('; ') };
  }
  return { filter: parsed.data };
}

const SPIN = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function replayProgressLine(p: ReplayProgress, tick: number): string {
  const t = p.totals;
  if (p.phase !== 'replaying')
    return `${SPIN[tick % SPIN.length]} ${p.phase === 'rebuilding' ? 'rebuilding the detection state' : 'evaluating detections'} · ${t.envelopes_replayed.toLocaleString('en-US')} envelopes replayed`;
  const frac = p.matched > 0 ? Math.min(1, t.envelopes_replayed / p.matched) : 1;
  const filled = Math.round(frac * 20);
  const rate = t.envelopes_replayed / Math.max(p.elapsed_ms / 1000, 0.001);
  return (
    `${SPIN[tick % SPIN.length]} replay ${'█'.repeat(filled)}${'░'.repeat(20 - filled)} ${(frac * 100).toFixed(0)}% · ` +
    `${t.envelopes_replayed.toLocaleString('en-US')}/${p.matched.toLocaleString('en-US')} envelopes · ${t.events_written.toLocaleString('en-US')} events written · ` +
    `${t.events_changed} changed · ${t.events_removed} removed · ${t.dead_lettered} dead-lettered · ${rate.toFixed(rate < 10 ? 1 : 0)} envelopes/s`
  );
}

function summaryText(r: ReplaySummary | ReplayDryRun): string {
  if (r.dry_run) {
    const rows = r.by_connection.map((b) => ({ source: b.source, connection: b.connection_id, envelopes: b.envelopes, bytes: b.bytes }));
    return (
      render(rows, ['source', 'connection', 'envelopes', 'bytes'], 'table') +
      `dry run: ${r.matched} envelope(s), ${r.bytes} bytes would be replayed${r.would_resume ? ' (an unfinished replay with these options would resume)' : ''}; nothing was changed\n`
    );
  }
  const row = {
    envelopes: r.envelopes_replayed,
    written: r.events_written,
    changed: r.events_changed,
    new: r.events_new,
    unchanged: r.events_unchanged,
    removed: r.events_removed,
    dead_lettered: r.dead_lettered,
  };
  return (
    `${r.replay_id}${r.resumed ? ' (resumed)' : ''}: ${r.envelopes_replayed} of ${r.matched} matching envelope(s) replayed in ${r.waves} wave(s)\n` +
    render([row], Object.keys(row), 'table') +
    `detection state rebuilt${r.evaluated ? '; detections evaluated' : '; no detector here: the detector evaluates at its next scheduled run'}\n` +
    (r.events_removed > 0
      ? `${r.events_removed} event(s) are no longer produced by the current mapping: removed from identity_events, each recorded as a dead letter with stage 'replay'\n`
      : '') +
    (r.dead_lettered > 0
      ? `${r.dead_lettered} dead letter(s) from the normalizer for the replayed envelopes (see dead_letters, stage 'normalizer')\n`
      : '')
  );
}

/** Reads the admin endpoint's NDJSON stream; resolves with the result, rejects with its error. */
async function viaRunningProcess(
  url: string,
  token: string,
  body: unknown,
  signal: AbortSignal,
  onProgress: (p: ReplayProgress) => void,
): Promise<ReplaySummary | ReplayDryRun> {
  const res = await fetch(url + REPLAY_PATH, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  if (!res.ok || !res.body) {
    const err = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(`planewatch answered ${res.status}: ${err?.error?.message ?? res.statusText}`);
  }
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (!line.trim()) continue;
      const msg = JSON.parse(line) as { progress?: ReplayProgress; result?: ReplaySummary | ReplayDryRun; error?: { message: string } };
      if (msg.progress) onProgress(msg.progress);
      else if (msg.result) return msg.result;
      else if (msg.error) throw new Error(msg.error.message);
    }
  }
  throw new Error('planewatch closed the replay stream without a result (did it stop?); run the same command again to resume');
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'Re-normalize stored raw envelopes with the current mapping and boundary map (after a mapping change), through the normal pipeline, without duplicating events.',
    )
    .option('--all', 'every stored raw envelope')
    .option('--source <vendor>', 'only envelopes of this vendor (e.g. workos)')
    .option('--connection <id>', 'only envelopes of this boundary-map connection')
    .option('--since <when>', 'only envelopes received at or after: a duration back from now (7d, 12h) or an ISO date')
    .option('--until <when>', 'only envelopes received before: a duration back from now or an ISO date')
    .option('--dry-run', 'only count the envelopes that would be replayed')
    .option('--batch-size <n>', 'envelopes per wave (default 500)')
    .addOption(new Option('--format <format>', 'output format of the summary').choices(['table', 'json']).default('table'))
    .addHelpText(
      'after',
      `
Each wave of envelopes is re-published to the raw topic (same envelope id, bytes and received_at),
normalized by the running normalizer and stored by the sink: events keep their ids, so rows are
replaced, never duplicated. Events the current mapping no longer produces are removed and recorded
as dead letters (stage 'replay'). Afterwards the detection state is rebuilt and detections evaluated.
Interrupted (Ctrl-C)? Run the same command again: it resumes after the last completed wave.

Examples:
  planewatch replay --all --dry-run
  planewatch replay --source workos
  planewatch replay --connection workos-main --since 2026-11-01 --until 2026-11-15
  planewatch replay --since 7d --format json

Exit codes: 0 done, 1 failure or interrupted (resumable), 2 bad usage or configuration.
`,
    )
    .action(async (opts: ReplayOptions) => {
      const ctx = cliContext();
      const got = filterOf(opts, Date.now());
      if ('error' in got) {
        process.stderr.write(`planewatch replay: ${got.error}\n`);
        process.exit(2);
      }
      let batchSize: number | undefined;
      if (opts.batchSize !== undefined) {
        batchSize = Number(opts.batchSize);
        if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
          process.stderr.write(`planewatch replay: --batch-size: expected an integer from 1 to 10000, got "${opts.batchSize}"\n`);
          process.exit(2);
        }
      }
      const spec = replaySpec({ all: opts.all, source: opts.source, connection: opts.connection, since: opts.since, until: opts.until });

      const tty = process.stderr.isTTY === true;
      let tick = 0;
      const onProgress = (p: ReplayProgress) => {
        const line = replayProgressLine(p, tick++);
        process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
      };
      const abort = new AbortController();
      const onSigint = () => abort.abort(new Error('interrupted'));
      process.once('SIGINT', onSigint);
      let result: ReplaySummary | ReplayDryRun;
      try {
        const run = readRunInfo(ctx.dataDir);
        if (run) {
          result = await viaRunningProcess(
            run.url,
            run.token,
            { filter: got.filter, spec, dry_run: opts.dryRun === true, ...(batchSize ? { batch_size: batchSize } : {}) },
            abort.signal,
            onProgress,
          );
        } else if (process.env.CLICKHOUSE_URL && process.env.KAFKA_BROKERS) {
          // Split deployment: this process runs the replay against the services' shared ClickHouse and Kafka.
          const rt = await bootstrap({ service: 'replay', knownVendors: KNOWN_VENDORS, startBroker: false, needSecrets: false });
          try {
            result = await runReplay(
              {
                clickhouse: rt.clickhouse,
                kafka: rt.kafka,
                producer: rt.producer,
                log: rt.log,
                groups: { normalizer: CONSUMER_GROUPS.normalizer, sink: CONSUMER_GROUPS.sink },
                checkpointFile: replayCheckpointPath(ctx.dataDir),
              },
              { filter: got.filter, spec, dryRun: opts.dryRun === true, batchSize },
              { signal: abort.signal, onProgress },
            );
          } finally {
            await rt.close();
          }
        } else if (opts.dryRun) {
          // Nothing runs on this data dir: counting needs only the store, opened directly.
          result = await withClickHouse(ctx, (ch) => dryRunReplay(ch, replayCheckpointPath(ctx.dataDir), { filter: got.filter, spec }));
        } else {
          process.stderr.write(
            `planewatch replay: planewatch is not running on ${ctx.dataDir}: start it (planewatch start) — a replay goes through its normalizer and sink. ` +
              'In a split deployment set CLICKHOUSE_URL and KAFKA_BROKERS to run it from here.\n',
          );
          process.exit(1);
        }
      } catch (err) {
        if (tty) process.stderr.write('\n');
        if (abort.signal.aborted) {
          process.stderr.write('planewatch replay: interrupted; run the same command again to resume after the last completed wave\n');
          process.exit(1);
        }
        throw err;
      } finally {
        process.off('SIGINT', onSigint);
      }
      if (tty) process.stderr.write('\n');
      process.stdout.write(opts.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : summaryText(result));
    });
}
