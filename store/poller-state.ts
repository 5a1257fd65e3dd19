// Where the poll runner keeps its state (migrations/0002_poller_state.sql): checkpoints, the object
// set of the last complete inventory snapshot, and per-stream status. One interface, two stores:
// ClickHouse (the running pipeline: durable, and readable by `planewatch status`) and in-memory
// (unit tests). The backfill keeps its own checkpoint in a file (backfill.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import type { InventoryObject } from '../source-kit/poller.ts';
import { fromDateTime64, toDateTime64 } from '../core/clickhouse/rows.ts';

export type { Stream } from '../source-kit/poll/targets.ts';
import type { Stream } from '../source-kit/poll/targets.ts';

/** The object set of a complete inventory snapshot. */
export interface StoredSnapshot {
  snapshotId: string;
  completedAt: number;
  objects: InventoryObject[];
}

/** What `planewatch status` shows for one stream of one connection. Times are epoch ms. */
export interface StreamStatus {
  connection_id: string;
  stream: Stream;
  vendor: string;
  last_attempt_at: number | null;
  last_success_at: number | null;
  checkpoint_summary: string | null;
  last_error: string | null;
  last_error_kind: 'auth' | 'page' | 'http' | 'config' | 'other' | null;
  last_error_at: number | null;
  consecutive_failures: number;
  pages_total: number;
  items_total: number;
  dlq_total: number;
}

export function emptyStatus(connectionId: string, stream: Stream, vendor: string): StreamStatus {
  return {
    connection_id: connectionId,
    stream,
    vendor,
    last_attempt_at: null,
    last_success_at: null,
    checkpoint_summary: null,
    last_error: null,
    last_error_kind: null,
    last_error_at: null,
    consecutive_failures: 0,
    pages_total: 0,
    items_total: 0,
    dlq_total: 0,
  };
}

export interface PollerStateStore {
  loadCheckpoint(connectionId: string, stream: Stream): Promise<unknown | null>;
  saveCheckpoint(connectionId: string, stream: Stream, checkpoint: unknown, summary: string): Promise<void>;
  loadSnapshot(connectionId: string): Promise<StoredSnapshot | null>;
  saveSnapshot(connectionId: string, snapshot: StoredSnapshot): Promise<void>;
  loadStatus(connectionId: string, stream: Stream): Promise<StreamStatus | null>;
  saveStatus(status: StreamStatus): Promise<void>;
}

/** Strictly increasing write versions (epoch µs), so the newest write wins in ReplacingMergeTree. */
function versionClock(now: () => number): () => string {
  let last = 0n;
  return () => {
    let v = BigInt(now()) * 1000n;
    if (v <= last) v = last + 1n;
    last = v;
    return v.toString();
  };
}

const InventoryObjectSchema = z.object({
  kind: z.string().min(1),
  id: z.string().min(1),
  scope: z.string().nullable(),
  subject_kind: z.string().optional(),
  email: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  credential_kind: z.string().nullable().optional(),
});
const ObjectsSchema = z.array(InventoryObjectSchema);

const nullableTime = (v: string | null): number | null => (v === null ? null : fromDateTime64(v));
const timeOrNull = (v: number | null): string | null => (v === null ? null : toDateTime64(v));

export class ClickHousePollerStore implements PollerStateStore {
  private readonly version: () => string;
  constructor(
    private readonly client: ClickHouseClient,
    private readonly now: () => number = Date.now,
  ) {
    this.version = versionClock(now);
  }

  async loadCheckpoint(connectionId: string, stream: Stream): Promise<unknown | null> {
    const rows = await this.select<{ checkpoint: string }>(
      'SELECT checkpoint FROM poller_checkpoints FINAL WHERE connection_id = {c:String} AND stream = {s:String}',
      { c: connectionId, s: stream },
    );
    if (rows.length === 0) return null;
    try {
      return JSON.parse(rows[0]!.checkpoint) as unknown;
    } catch (err) {
      throw new Error(`poller_checkpoints row of ${connectionId}/${stream} is not JSON: ${(err as Error).message}`, { cause: err });
    }
  }

  async saveCheckpoint(connectionId: string, stream: Stream, checkpoint: unknown, summary: string): Promise<void> {
    await this.client.insert({
      table: 'poller_checkpoints',
      format: 'JSONEachRow',
      values: [
        {
          connection_id: connectionId,
          stream,
          checkpoint: JSON.stringify(checkpoint ?? null),
          summary,
          updated_at: toDateTime64(this.now()),
          version: this.version(),
        },
      ],
    });
  }

  async loadSnapshot(connectionId: string): Promise<StoredSnapshot | null> {
    const rows = await this.select<{ snapshot_id: string; completed_at: string; objects: string }>(
      'SELECT snapshot_id, toString(completed_at) AS completed_at, objects FROM poller_inventory_sets FINAL WHERE connection_id = {c:String}',
      { c: connectionId },
    );
    if (rows.length === 0) return null;
    const r = rows[0]!;
    const objects = ObjectsSchema.parse(JSON.parse(r.objects));
    return { snapshotId: r.snapshot_id, completedAt: fromDateTime64(r.completed_at), objects };
  }

  async saveSnapshot(connectionId: string, snapshot: StoredSnapshot): Promise<void> {
    await this.client.insert({
      table: 'poller_inventory_sets',
      format: 'JSONEachRow',
      values: [
        {
          connection_id: connectionId,
          snapshot_id: snapshot.snapshotId,
          completed_at: toDateTime64(snapshot.completedAt),
          objects: JSON.stringify(snapshot.objects),
          object_count: snapshot.objects.length,
          version: this.version(),
        },
      ],
    });
  }

  async loadStatus(connectionId: string, stream: Stream): Promise<StreamStatus | null> {
    const rows = await this.select<StatusRow>(`${STATUS_SELECT} WHERE connection_id = {c:String} AND stream = {s:String}`, {
      c: connectionId,
      s: stream,
    });
    return rows.length ? statusFromRow(rows[0]!) : null;
  }

  async saveStatus(s: StreamStatus): Promise<void> {
    await this.client.insert({
      table: 'poller_status',
      format: 'JSONEachRow',
      values: [
        {
          ...s,
          last_attempt_at: timeOrNull(s.last_attempt_at),
          last_success_at: timeOrNull(s.last_success_at),
          last_error_at: timeOrNull(s.last_error_at),
          updated_at: toDateTime64(this.now()),
          version: this.version(),
        },
      ],
    });
  }

  private async select<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    const rs = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  }
}

export interface StatusRow {
  connection_id: string;
  stream: string;
  vendor: string;
  last_attempt_at: string | null;
  last_success_at: string | null;
  checkpoint_summary: string | null;
  last_error: string | null;
  last_error_kind: string | null;
  last_error_at: string | null;
  consecutive_failures: number | string;
  pages_total: number | string;
  items_total: number | string;
  dlq_total: number | string;
}

export const STATUS_SELECT = `
  SELECT connection_id, stream, vendor,
         if(isNull(last_attempt_at), NULL, toString(last_attempt_at)) AS last_attempt_at,
         if(isNull(last_success_at), NULL, toString(last_success_at)) AS last_success_at,
         checkpoint_summary, last_error, last_error_kind,
         if(isNull(last_error_at), NULL, toString(last_error_at)) AS last_error_at,
         consecutive_failures, pages_total, items_total, dlq_total
  FROM poller_status FINAL`;

export function statusFromRow(r: StatusRow): StreamStatus {
  return {
    connection_id: r.connection_id,
    stream: r.stream as Stream,
    vendor: r.vendor,
    last_attempt_at: nullableTime(r.last_attempt_at),
    last_success_at: nullableTime(r.last_success_at),
    checkpoint_summary: r.checkpoint_summary,
    last_error: r.last_error,
    last_error_kind: r.last_error_kind as StreamStatus['last_error_kind'],
    last_error_at: nullableTime(r.last_error_at),
    consecutive_failures: Number(r.consecutive_failures),
    pages_total: Number(r.pages_total),
    items_total: Number(r.items_total),
    dlq_total: Number(r.dlq_total),
  };
}

/** For unit tests and tools: the same contract, kept in memory. */
export class MemoryPollerStore implements PollerStateStore {
  readonly checkpoints = new Map<string, { checkpoint: unknown; summary: string }>();
  readonly snapshots = new Map<string, StoredSnapshot>();
  readonly statuses = new Map<string, StreamStatus>();
  async loadCheckpoint(c: string, s: Stream) {
    return structuredClone(this.checkpoints.get(`${c}/${s}`)?.checkpoint ?? null);
  }
  async saveCheckpoint(c: string, s: Stream, checkpoint: unknown, summary: string) {
    this.checkpoints.set(`${c}/${s}`, { checkpoint: structuredClone(checkpoint), summary });
  }
  async loadSnapshot(c: string) {
    const s = this.snapshots.get(c);
    return s ? structuredClone(s) : null;
  }
  async saveSnapshot(c: string, snap: StoredSnapshot) {
    this.snapshots.set(c, structuredClone(snap));
  }
  async loadStatus(c: string, s: Stream) {
    const st = this.statuses.get(`${c}/${s}`);
    return st ? { ...st } : null;
  }
  async saveStatus(st: StreamStatus) {
    this.statuses.set(`${st.connection_id}/${st.stream}`, { ...st });
  }
}
