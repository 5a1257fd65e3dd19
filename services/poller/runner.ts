// The shared poll runner: drives every enabled connection whose transport is 'poll' or 'inventory'
// and whose vendor module has a `poller` (source-kit/poller.ts).
//
// Streams per connection:
// - 'pages'     (transport poll, module has pages()): the audit log / event feed, every poll_interval.
// - 'inventory' (transport poll or inventory, module has inventory()): a complete snapshot every
//   inventory_interval.
// Both run once right after start, then on their interval; cycles of one stream never overlap.
//
// Per page: RawEnvelope (exact bytes, transport 'poll' | 'inventory') → Kafka ack → THEN the
// checkpoint is stored (ClickHouse, store.ts). A crash in between re-fetches the page; its events
// keep their vendor ids and collapse downstream. Failures stop the cycle until the next interval:
// - PageError (malformed page): log + metric + DeadLetter (stage 'poller', payload = the bytes) on
//   planewatch.dlq.v1; the checkpoint stays before that page, so it is fetched again next cycle.
// - PollAuthError (401/403): status records the vendor's message (never the key).
// - PollHttpError / anything else: status records it.
// Inventory: see inventory.ts (complete snapshots only derive removals).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { BoundaryMap, Connection } from '../../core/config/boundary-map.ts';
import type { SourceModule } from '../../source-kit/source-module.ts';
import { PageError, type InventoryObject, type PollContext, type PollerModule, type PolledPage } from '../../source-kit/poller.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import { redactSecrets } from '../../source-kit/redact.ts';
import { boundedDeadLetter, deadLetterId, type DeadLetter } from '../../core/events/dead-letter.ts';
import { createPollFetch, PollAuthError, PollHttpError, type PollFetchOptions } from '../../source-kit/poll/fetch.ts';
import { pollTargets, type PollTarget } from '../../source-kit/poll/targets.ts';
import { emptyStatus, type PollerStateStore, type Stream, type StreamStatus } from '../../store/poller-state.ts';
import { pollEnvelopeId, type PollPublishers } from './publish.ts';
import { INVENTORY_REMOVED_CONTENT_TYPE, removedBody, removedObjects, uniqueObjects } from '../../source-kit/poll/inventory.ts';
import { deadLetters as dlqMetric } from '../../core/metrics.ts';
import { inventoryRemovals, pollerCycleFailures, pollerItems, pollerMalformedPages, pollerPages, pollerRetries } from './metrics.ts';

export { pollTargets, type PollTarget };

export const DEFAULT_INITIAL_LOOKBACK_MS = 24 * 3_600_000;

export interface PollRunnerOptions {
  map: BoundaryMap;
  sources: Readonly<Record<string, SourceModule>>;
  publishers: PollPublishers;
  store: PollerStateStore;
  log: Logger;
  /** Where api_key_env values are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** HTTP policy overrides (tests: a fast policy, an injected sleeper). */
  fetch?: Omit<PollFetchOptions, 'secret' | 'signal' | 'onRetry'>;
  /** A connection's very first pages cycle starts this far back (default 24 h); use `planewatch backfill` for more. */
  initialLookbackMs?: number;
  /** false: start no interval loops; the caller drives cycles with runCycle (tests, tools). Default true. */
  autoStart?: boolean;
}

export interface CycleResult {
  connectionId: string;
  stream: Stream;
  ok: boolean;
  /** Pages acknowledged by Kafka in this cycle. */
  pages: number;
  items: number;
  /** Removed events published (inventory only). */
  removed: number;
  /** Whether the inventory snapshot was complete (inventory only). */
  complete: boolean | null;
  error: string | null;
  errorKind: StreamStatus['last_error_kind'];
}

export interface PollRunner {
  readonly targets: readonly PollTarget[];
  /** Runs one cycle now (after any cycle of the same stream in flight). */
  runCycle(connectionId: string, stream: Stream): Promise<CycleResult>;
  stop(): Promise<void>;
}

/** The error kind (walking `cause` chains, e.g. an SDK wrapping our fetch error) and a message without secrets. */
export function classifyError(err: unknown): {
  kind: NonNullable<StreamStatus['last_error_kind']>;
  message: string;
  pageError: PageError | null;
} {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof PageError) return { kind: 'page', message: `malformed page: ${e.message}`, pageError: e };
    if (e instanceof PollAuthError)
      return { kind: 'auth', message: `authentication failed (HTTP ${e.status}): ${e.vendorMessage}`, pageError: null };
    if (e instanceof PollHttpError) return { kind: 'http', message: e.message, pageError: null };
  }
  return { kind: 'other', message: err instanceof Error ? err.message : String(err), pageError: null };
}

export function apiKeyOf(connection: Connection, env: NodeJS.ProcessEnv): { ok: true; key: string } | { ok: false; error: string } {
  if (!connection.api_key_env)
    return {
      ok: false,
      error: `connection "${connection.id}" has no api_key_env: name the environment variable holding its ${connection.vendor} admin key`,
    };
  const key = env[connection.api_key_env];
  if (!key)
    return {
      ok: false,
      error: `environment variable ${connection.api_key_env} is not set (the ${connection.vendor} admin key of connection "${connection.id}")`,
    };
  return { ok: true, key };
}

export function baseUrlOf(connection: Connection, poller: PollerModule): string {
  return (connection.base_url ?? poller.defaultBaseUrl).replace(/\/+$/, '');
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** The RawEnvelope of one fetched page. */
export function pageEnvelope(
  connection: Connection,
  transport: 'poll' | 'inventory',
  page: Pick<PolledPage, 'body' | 'contentType'>,
  baseUrl: string,
  receivedAt: number,
): RawEnvelope {
  // Every vendor's page loses its secrets here, by one policy, before it is produced (source-kit/redact.ts).
  const body = redactSecrets(page.body, connection.vendor);
  return {
    id: pollEnvelopeId(connection.vendor, connection.id, page.contentType, body),
    source: connection.vendor,
    connection_id: connection.id,
    received_at: receivedAt,
    transport,
    content_type: page.contentType,
    headers: {},
    body,
    // Authenticity of a pulled page: TLS to the configured base URL with the connection's key.
    verification: { scheme: 'api-fetch', verified: true, detail: originOf(baseUrl) },
  };
}

export function describeCheckpoint(poller: PollerModule, checkpoint: unknown): string {
  if (poller.describeCheckpoint) {
    try {
      return poller.describeCheckpoint(checkpoint);
    } catch {
      // fall through to JSON
    }
  }
  const json = JSON.stringify(checkpoint ?? null);
  return json.length > 200 ? json.slice(0, 200) + '…' : json;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export function startPollRunner(opts: PollRunnerOptions): PollRunner {
  const now = opts.now ?? Date.now;
  const env = opts.env ?? process.env;
  const lookback = opts.initialLookbackMs ?? DEFAULT_INITIAL_LOOKBACK_MS;
  const targets = pollTargets(opts.map, opts.sources);
  const stopper = new AbortController();
  const chains = new Map<string, Promise<unknown>>();
  const statuses = new Map<string, StreamStatus>();
  const loops: Promise<void>[] = [];

  const keyOf = (connectionId: string, stream: Stream) => `${connectionId}/${stream}`;

  async function statusOf(t: PollTarget): Promise<StreamStatus> {
    const k = keyOf(t.connection.id, t.stream);
    let s = statuses.get(k);
    if (!s) {
      s = (await opts.store.loadStatus(t.connection.id, t.stream)) ?? emptyStatus(t.connection.id, t.stream, t.connection.vendor);
      statuses.set(k, s);
    }
    return s;
  }

  function contextFor(t: PollTarget, apiKey: string, checkpoint: unknown, since: number | null, log: Logger): PollContext {
    const labels = { source: t.connection.vendor, connection: t.connection.id };
    return {
      connection: t.connection,
      apiKey,
      baseUrl: baseUrlOf(t.connection, t.poller),
      checkpoint,
      since,
      fetch: createPollFetch({
        ...opts.fetch,
        secret: apiKey,
        signal: stopper.signal,
        onRetry: (info) => {
          pollerRetries.inc(labels);
          log.warn({ url: info.url, attempt: info.attempt, delayMs: info.delayMs, reason: info.reason }, 'poll request will be retried');
        },
      }),
      signal: stopper.signal,
      now,
      log,
    };
  }

  async function deadLetter(t: PollTarget, err: PageError, log: Logger): Promise<boolean> {
    const reason = `${t.connection.vendor} ${t.stream} page: ${err.message}`;
    const dl: DeadLetter = {
      id: deadLetterId('poller', reason, err.body, t.connection.id),
      stage: 'poller',
      reason,
      source: t.connection.vendor,
      connection_id: t.connection.id,
      raw_id: null,
      origin_topic: null,
      origin_partition: null,
      origin_offset: null,
      payload: redactSecrets(err.body, t.connection.vendor),
      failed_at: now(),
    };
    try {
      // Bounded: a malformed page can be larger than a publishable dead letter (boundedDeadLetter).
      await opts.publishers.publishDeadLetter(boundedDeadLetter(dl));
      dlqMetric.inc({ stage: 'poller', source: t.connection.vendor });
      return true;
    } catch (pubErr) {
      log.error({ err: pubErr }, 'could not publish the dead letter of a malformed page');
      return false;
    }
  }

  async function cycle(t: PollTarget): Promise<CycleResult> {
    const log = opts.log.child({ connection: t.connection.id, vendor: t.connection.vendor, stream: t.stream });
    const labels = { source: t.connection.vendor, connection: t.connection.id, stream: t.stream };
    const status = await statusOf(t);
    const result: CycleResult = {
      connectionId: t.connection.id,
      stream: t.stream,
      ok: false,
      pages: 0,
      items: 0,
      removed: 0,
      complete: t.stream === 'inventory' ? false : null,
      error: null,
      errorKind: null,
    };
    const startedAt = now();
    status.last_attempt_at = startedAt;

    const fail = async (err: unknown, kindOverride?: 'config') => {
      const c = kindOverride
        ? { kind: kindOverride, message: err instanceof Error ? err.message : String(err), pageError: null }
        : classifyError(err);
      if (c.pageError) {
        pollerMalformedPages.inc(labels);
        if (await deadLetter(t, c.pageError, log)) status.dlq_total++;
        log.error(
          { reason: c.pageError.message, bytes: c.pageError.body.length },
          'malformed page sent to the DLQ; it is fetched again next cycle',
        );
      } else {
        log.warn({ kind: c.kind, error: c.message }, 'poll cycle stopped');
      }
      pollerCycleFailures.inc({ ...labels, kind: c.kind });
      status.last_error = c.message;
      status.last_error_kind = c.kind;
      status.last_error_at = now();
      status.consecutive_failures++;
      result.error = c.message;
      result.errorKind = c.kind;
    };

    const key = apiKeyOf(t.connection, env);
    if (!key.ok) {
      await fail(new Error(key.error), 'config');
    } else if (t.stream === 'pages') {
      let checkpoint: unknown;
      try {
        checkpoint = await opts.store.loadCheckpoint(t.connection.id, 'pages');
        const ctx = contextFor(t, key.key, checkpoint, checkpoint === null ? startedAt - lookback : null, log);
        for await (const page of t.poller.pages!(ctx)) {
          if (page.publish !== false) await opts.publishers.publish(pageEnvelope(t.connection, 'poll', page, ctx.baseUrl, now()));
          const summary = describeCheckpoint(t.poller, page.checkpoint);
          await opts.store.saveCheckpoint(t.connection.id, 'pages', page.checkpoint, summary);
          status.checkpoint_summary = summary;
          result.pages++;
          result.items += page.items;
          status.pages_total++;
          status.items_total += page.items;
          pollerPages.inc(labels);
          pollerItems.inc(labels, page.items);
        }
        result.ok = true;
      } catch (err) {
        if (!stopper.signal.aborted) await fail(err);
      }
    } else {
      const snapshotId = `snap_${startedAt.toString(36)}_${randomBytes(4).toString('hex')}`;
      const objects: InventoryObject[] = [];
      let complete = false;
      try {
        const ctx = contextFor(t, key.key, null, null, log);
        for await (const page of t.poller.inventory!(ctx)) {
          await opts.publishers.publish(pageEnvelope(t.connection, 'inventory', page, ctx.baseUrl, now()));
          objects.push(...page.objects);
          result.pages++;
          result.items += page.items;
          status.pages_total++;
          status.items_total += page.items;
          pollerPages.inc(labels);
          pollerItems.inc(labels, page.items);
        }
        complete = true;
      } catch (err) {
        if (!stopper.signal.aborted) await fail(err);
      }
      if (complete) {
        try {
          const current = uniqueObjects(objects);
          const previous = await opts.store.loadSnapshot(t.connection.id);
          const removed = previous ? removedObjects(previous.objects, current) : [];
          for (const o of removed) {
            const body = Buffer.from(JSON.stringify(removedBody(t.connection.id, o, previous!, { snapshotId, startedAt })));
            const envelope = pageEnvelope(
              t.connection,
              'inventory',
              { body, contentType: INVENTORY_REMOVED_CONTENT_TYPE },
              baseUrlOf(t.connection, t.poller),
              now(),
            );
            envelope.verification = {
              scheme: 'inventory-diff',
              verified: true,
              detail: `listed in ${previous!.snapshotId}, absent from ${snapshotId}`,
            };
            await opts.publishers.publish(envelope);
            result.removed++;
            inventoryRemovals.inc({ source: t.connection.vendor, connection: t.connection.id });
          }
          await opts.store.saveSnapshot(t.connection.id, { snapshotId, completedAt: now(), objects: current });
          status.checkpoint_summary = `snapshot ${snapshotId}: ${current.length} objects, ${removed.length} removed`;
          result.complete = true;
          result.ok = true;
          if (removed.length)
            log.info({ removed: removed.length, snapshot: snapshotId }, 'inventory objects removed since the last complete snapshot');
        } catch (err) {
          if (!stopper.signal.aborted) await fail(err);
        }
      }
    }

    if (result.ok) {
      status.last_success_at = now();
      status.consecutive_failures = 0;
    }
    if (!stopper.signal.aborted || result.ok) {
      await opts.store.saveStatus(status).catch((err: unknown) => log.warn({ err }, 'could not store poller status'));
    }
    return result;
  }

  function runCycle(connectionId: string, stream: Stream): Promise<CycleResult> {
    const t = targets.find((x) => x.connection.id === connectionId && x.stream === stream);
    if (!t) return Promise.reject(new Error(`no ${stream} poller for connection "${connectionId}"`));
    const k = keyOf(connectionId, stream);
    const next = (chains.get(k) ?? Promise.resolve()).then(() => cycle(t));
    chains.set(
      k,
      next.catch(() => undefined),
    );
    return next;
  }

  if (opts.autoStart !== false) {
    for (const t of targets) {
      loops.push(
        (async () => {
          while (!stopper.signal.aborted) {
            await runCycle(t.connection.id, t.stream).catch((err: unknown) =>
              opts.log.error({ err, connection: t.connection.id, stream: t.stream }, 'poll cycle crashed'),
            );
            await sleep(t.intervalMs, stopper.signal);
          }
        })(),
      );
    }
    if (targets.length) opts.log.info({ streams: targets.map((t) => `${t.connection.id}/${t.stream}`) }, 'poll runner started');
  }

  return {
    targets,
    runCycle,
    async stop() {
      stopper.abort(new Error('poll runner stopping'));
      await Promise.all(loops);
      await Promise.all([...chains.values()]);
    },
  };
}
