// `planewatch backfill`: walks a connection's audit log / event feed from --since through the same
// module, the same PollFetch policy and the same Kafka publish path as the runner.
//
// Its checkpoint lives in a FILE, <dataDir>/backfill/<connection>.json, not in ClickHouse: a running
// all-in-one process owns the embedded chDB data directory (one process per path), and a backfill
// must work whether planewatch runs or not; it needs only Kafka and this file.
// - The file is rewritten (temp file + fsync + rename) after each page Kafka acknowledged.
// - Re-running with the same --since while the file says "not done" resumes after the last
//   acknowledged page; a crash re-fetches at most that one page, and its events collapse downstream.
// - A finished backfill (done: true), or one with another --since, starts over from --since; pages
//   already delivered are delivered again and collapse by event id downstream.
// The live poller's checkpoint is never touched: both may overlap, duplicates collapse.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Connection } from '../../core/config/boundary-map.ts';
import type { SourceModule } from '../../source-kit/source-module.ts';
import { createPollFetch, type PollFetchOptions } from '../../source-kit/poll/fetch.ts';
import type { PollPublishers } from './publish.ts';
import { apiKeyOf, baseUrlOf, describeCheckpoint, pageEnvelope } from './runner.ts';
import { writeJsonDurably } from '../../core/durable-json.ts';

const BackfillFileSchema = z.object({
  connection_id: z.string(),
  since: z.number().int(),
  checkpoint: z.unknown(),
  summary: z.string(),
  pages: z.number().int().nonnegative(),
  items: z.number().int().nonnegative(),
  done: z.boolean(),
  updated_at: z.string(),
});
export type BackfillFile = z.infer<typeof BackfillFileSchema>;

export function backfillFilePath(dataDir: string, connectionId: string): string {
  return path.join(dataDir, 'backfill', `${connectionId}.json`);
}

export function readBackfillFile(file: string): BackfillFile | null {
  if (!existsSync(file)) return null;
  const parsed = BackfillFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `${file} is not a backfill checkpoint file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

function writeDurably(file: string, value: BackfillFile): void {
  writeJsonDurably(file, value);
}

export interface BackfillProgress {
  connectionId: string;
  pages: number;
  items: number;
  elapsedMs: number;
  /** Printable checkpoint of the last acknowledged page. */
  position: string;
  resumed: boolean;
}

export interface BackfillOptions {
  connection: Connection;
  source: SourceModule;
  sinceMs: number;
  dataDir: string;
  publishers: Pick<PollPublishers, 'publish'>;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  fetch?: Omit<PollFetchOptions, 'secret' | 'signal'>;
  signal?: AbortSignal;
  onProgress?: (p: BackfillProgress) => void;
}

export interface BackfillResult {
  pages: number;
  items: number;
  resumed: boolean;
  file: string;
}

export async function runBackfill(opts: BackfillOptions): Promise<BackfillResult> {
  const now = opts.now ?? Date.now;
  const { connection, source } = opts;
  const poller = source.poller;
  if (!poller?.pages) throw new Error(`vendor "${connection.vendor}" has no audit log / event feed to backfill`);
  const key = apiKeyOf(connection, opts.env ?? process.env);
  if (!key.ok) throw new Error(key.error);

  const file = backfillFilePath(opts.dataDir, connection.id);
  const previous = readBackfillFile(file);
  const resumed = previous !== null && !previous.done && previous.since === opts.sinceMs && previous.checkpoint !== null;
  const state: BackfillFile = resumed
    ? { ...previous! }
    : {
        connection_id: connection.id,
        since: opts.sinceMs,
        checkpoint: null,
        summary: 'not started',
        pages: 0,
        items: 0,
        done: false,
        updated_at: new Date(now()).toISOString(),
      };
  if (!resumed) writeDurably(file, state);

  const started = now();
  const baseUrl = baseUrlOf(connection, poller);
  const signal = opts.signal ?? new AbortController().signal;
  const ctx = {
    connection,
    apiKey: key.key,
    baseUrl,
    checkpoint: state.checkpoint ?? null,
    since: opts.sinceMs,
    fetch: createPollFetch({ ...opts.fetch, secret: key.key, signal }),
    signal,
    now,
    log: opts.log,
  };
  let pages = 0;
  let items = 0;
  for await (const page of poller.pages(ctx)) {
    if (page.publish !== false) await opts.publishers.publish(pageEnvelope(connection, 'poll', page, baseUrl, now()));
    pages++;
    items += page.items;
    state.checkpoint = page.checkpoint;
    state.summary = describeCheckpoint(poller, page.checkpoint);
    state.pages += 1;
    state.items += page.items;
    state.updated_at = new Date(now()).toISOString();
    writeDurably(file, state);
    opts.onProgress?.({
      connectionId: connection.id,
      pages: state.pages,
      items: state.items,
      elapsedMs: now() - started,
      position: state.summary,
      resumed,
    });
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('backfill aborted');
  }
  state.done = true;
  state.updated_at = new Date(now()).toISOString();
  writeDurably(file, state);
  return { pages, items, resumed, file };
}
