// `planewatch status` / GET /api/v1/status: one row per configured source stream, from ClickHouse
// only (poller_status written by the runner after each cycle, plus the event tables), so the CLI
// shows the same thing through the running process's API or directly on the store.
// - poll/inventory connections: one row per stream ('pages', 'inventory') the runner drives.
// - webhook (and scim) connections: one row, stream 'webhook'; last delivery = max(received_at)
//   of their raw envelopes.
// - every row: last event time = max(occurred_at) in identity_events for the connection, and the
//   number of dead letters recorded for it (any stage).
import type { ClickHouseClient } from '@clickhouse/client';
import type { BoundaryMap } from '../core/config/boundary-map.ts';
import type { SourceModule } from '../source-kit/source-module.ts';
import { fromDateTime64 } from '../core/clickhouse/rows.ts';
import { STATUS_SELECT, statusFromRow, type StatusRow, type StreamStatus } from './poller-state.ts';
import { pollTargets } from '../source-kit/poll/targets.ts';

export interface SourceStatus {
  connection_id: string;
  vendor: string;
  transport: string;
  enabled: boolean;
  /** 'pages' | 'inventory' for pollers, 'webhook' for pushed sources. */
  stream: string;
  /** ISO 8601 UTC, or null. */
  last_success_at: string | null;
  last_attempt_at: string | null;
  /** Pollers: checkpoint summary; webhooks: null. */
  checkpoint: string | null;
  last_delivery_at: string | null;
  last_event_at: string | null;
  last_error: string | null;
  last_error_kind: string | null;
  last_error_at: string | null;
  consecutive_failures: number;
  pages: number;
  items: number;
  dead_letters: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const isoText = (text: string | null | undefined): string | null => (text ? new Date(fromDateTime64(text)).toISOString() : null);

export async function sourceStatus(
  client: ClickHouseClient,
  map: BoundaryMap,
  sources: Readonly<Record<string, SourceModule>>,
): Promise<SourceStatus[]> {
  const q = async <T>(query: string): Promise<T[]> => (await client.query({ query, format: 'JSONEachRow' })).json<T>();
  const [statusRows, lastEvents, lastDeliveries, dead] = await Promise.all([
    q<StatusRow>(STATUS_SELECT),
    q<{ connection_id: string; t: string }>(
      'SELECT connection_id, toString(max(occurred_at)) AS t FROM identity_events GROUP BY connection_id',
    ),
    q<{ connection_id: string; t: string }>(
      "SELECT connection_id, toString(max(received_at)) AS t FROM raw_envelopes WHERE transport IN ('webhook', 'scim') GROUP BY connection_id",
    ),
    q<{ connection_id: string; n: string }>(
      'SELECT connection_id, count() AS n FROM dead_letters FINAL WHERE connection_id IS NOT NULL GROUP BY connection_id',
    ),
  ]);
  const statuses = new Map<string, StreamStatus>(statusRows.map((r) => [`${r.connection_id}/${r.stream}`, statusFromRow(r)]));
  const lastEvent = new Map(lastEvents.map((r) => [r.connection_id, r.t]));
  const lastDelivery = new Map(lastDeliveries.map((r) => [r.connection_id, r.t]));
  const deadCount = new Map(dead.map((r) => [r.connection_id, Number(r.n)]));
  const targets = pollTargets(map, sources);

  const out: SourceStatus[] = [];
  for (const c of map.connections) {
    const common = {
      connection_id: c.id,
      vendor: c.vendor,
      transport: c.transport,
      enabled: c.enabled,
      last_event_at: isoText(lastEvent.get(c.id)),
      dead_letters: deadCount.get(c.id) ?? 0,
    };
    if (c.transport === 'poll' || c.transport === 'inventory') {
      const streams = targets.filter((t) => t.connection.id === c.id).map((t) => t.stream as string);
      if (streams.length === 0) streams.push(c.transport === 'poll' ? 'pages' : 'inventory');
      for (const stream of streams) {
        const s = statuses.get(`${c.id}/${stream}`);
        out.push({
          ...common,
          stream,
          last_success_at: iso(s?.last_success_at ?? null),
          last_attempt_at: iso(s?.last_attempt_at ?? null),
          checkpoint: s?.checkpoint_summary ?? null,
          last_delivery_at: null,
          last_error: s?.last_error ?? (sources[c.vendor]?.poller ? null : `vendor "${c.vendor}" has no API poller`),
          last_error_kind: s?.last_error_kind ?? null,
          last_error_at: iso(s?.last_error_at ?? null),
          consecutive_failures: s?.consecutive_failures ?? 0,
          pages: s?.pages_total ?? 0,
          items: s?.items_total ?? 0,
        });
      }
    } else {
      const delivery = isoText(lastDelivery.get(c.id));
      out.push({
        ...common,
        stream: c.transport,
        last_success_at: delivery,
        last_attempt_at: null,
        checkpoint: null,
        last_delivery_at: delivery,
        last_error: null,
        last_error_kind: null,
        last_error_at: null,
        consecutive_failures: 0,
        pages: 0,
        items: 0,
      });
    }
  }
  return out;
}
