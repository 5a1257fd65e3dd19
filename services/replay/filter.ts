// Which stored raw envelopes a replay re-normalizes, as SQL over raw_envelopes FINAL, and how the
// replay walks them: keyset pages in the table's sort order (source, connection_id, id), each cut to
// a byte budget so a page of large fetched pages never becomes one huge read or Kafka send.
// Pure: no I/O (tested in test/unit/services/replay/filter.test.ts).
import { z } from 'zod';
import { toDateTime64 } from '../../core/clickhouse/rows.ts';

export const ReplayFilterSchema = z
  .object({
    /** Every stored envelope. Exclusive with the other fields (a replay of everything must be asked for explicitly). */
    all: z.boolean().default(false),
    /** Vendor (raw_envelopes.source). */
    source: z.string().min(1).nullable().default(null),
    connection: z.string().min(1).nullable().default(null),
    /** received_at >= since (epoch ms). */
    since: z.number().int().nullable().default(null),
    /** received_at < until (epoch ms). */
    until: z.number().int().nullable().default(null),
  })
  .strict()
  .superRefine((f, ctx) => {
    const narrowed = f.source !== null || f.connection !== null || f.since !== null || f.until !== null;
    if (f.all && narrowed)
      ctx.addIssue({ code: 'custom', path: ['all'], message: 'expected either all=true or source/connection/since/until, not both' });
    if (!f.all && !narrowed)
      ctx.addIssue({ code: 'custom', path: ['all'], message: 'expected all=true or at least one of source, connection, since, until' });
    if (f.since !== null && f.until !== null && f.since >= f.until)
      ctx.addIssue({ code: 'custom', path: ['until'], message: `expected until (${f.until}) after since (${f.since})` });
  });
export type ReplayFilter = z.infer<typeof ReplayFilterSchema>;

export interface EnvelopeKey {
  source: string;
  connection_id: string;
  id: string;
}

export interface Sql {
  where: string;
  params: Record<string, unknown>;
}

/** The WHERE of a filter over raw_envelopes (parameters prefixed f_). */
export function filterWhere(f: ReplayFilter): Sql {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.source !== null) {
    parts.push('source = {f_source:String}');
    params.f_source = f.source;
  }
  if (f.connection !== null) {
    parts.push('connection_id = {f_connection:String}');
    params.f_connection = f.connection;
  }
  if (f.since !== null) {
    parts.push("received_at >= {f_since:DateTime64(3, 'UTC')}");
    params.f_since = toDateTime64(f.since);
  }
  if (f.until !== null) {
    parts.push("received_at < {f_until:DateTime64(3, 'UTC')}");
    params.f_until = toDateTime64(f.until);
  }
  return { where: parts.length ? parts.join(' AND ') : '1', params };
}

/** Keys and body sizes of the next page after `cursor` (exclusive), in (source, connection_id, id) order. */
export function pageKeysQuery(
  f: ReplayFilter,
  cursor: EnvelopeKey | null,
  limit: number,
): { query: string; params: Record<string, unknown> } {
  const { where, params } = filterWhere(f);
  const after = cursor === null ? '' : ' AND (source, connection_id, id) > ({c_source:String}, {c_connection:String}, {c_id:String})';
  const p: Record<string, unknown> = { ...params, limit };
  if (cursor !== null) Object.assign(p, { c_source: cursor.source, c_connection: cursor.connection_id, c_id: cursor.id });
  return {
    query: `SELECT source, connection_id, id, length(body) AS size FROM raw_envelopes FINAL WHERE ${where}${after} ORDER BY source, connection_id, id LIMIT {limit:UInt32}`,
    params: p,
  };
}

/** How many envelopes (and body bytes) the filter selects, per source and connection. */
export function countQuery(f: ReplayFilter): { query: string; params: Record<string, unknown> } {
  const { where, params } = filterWhere(f);
  return {
    query: `SELECT source, connection_id, count() AS envelopes, sum(length(body)) AS bytes FROM raw_envelopes FINAL WHERE ${where} GROUP BY source, connection_id ORDER BY source, connection_id`,
    params,
  };
}

/**
 * The leading keys of a page whose bodies fit `maxBytes` together; always at least one (an
 * envelope larger than the budget is replayed alone: it was stored, so it fits Kafka).
 */
export function cutPage<K extends { size: number }>(keys: readonly K[], maxBytes: number): K[] {
  const out: K[] = [];
  let bytes = 0;
  for (const k of keys) {
    if (out.length > 0 && bytes + k.size > maxBytes) break;
    out.push(k);
    bytes += k.size;
  }
  return out;
}

/** What identifies "the same replay" for resuming: the options as the user gave them (relative times unresolved). */
export function replaySpec(opts: {
  all?: boolean;
  source?: string | null;
  connection?: string | null;
  since?: string | null;
  until?: string | null;
}): string {
  return JSON.stringify({
    all: opts.all === true,
    source: opts.source ?? null,
    connection: opts.connection ?? null,
    since: opts.since ?? null,
    until: opts.until ?? null,
  });
}
