// Pure mapping from the Avro records to the rows of migrations/0001_events.sql, and the one insert
// helper the sink uses. Rows are plain JSON objects for `JSONEachRow`; column names match the
// tables exactly (nested Avro records flattened to prefix_field). `ingested_at` is left out: the
// table fills it with now64(3), which is what makes a later re-insert (replay) the winning version.
import type { ClickHouseClient } from '@clickhouse/client';
import type { IdentityEvent } from '../events/identity-event.ts';
import type { RawEnvelope } from '../events/raw-envelope.ts';
import type { DeadLetter } from '../events/dead-letter.ts';

/**
 * Epoch milliseconds → `'YYYY-MM-DD HH:MM:SS.mmm'` in UTC, the DateTime64(3, 'UTC') text form.
 * Accepted over chDB and by any server whatever its date_time_input_format (basic or best_effort),
 * exact to the millisecond. (Integers of ms also work; fractional seconds do not.)
 * Throws RangeError for a value that is not a finite integer.
 */
export function toDateTime64(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new RangeError(`not an epoch-millisecond integer: ${ms}`);
  const iso = new Date(ms).toISOString();
  // 'YYYY-MM-DDTHH:MM:SS.mmmZ' for years 0000-9999 (two slices instead of two replaces: this runs
  // 2-4 times per stored event); extended years (±YYYYYY-…) keep the general form.
  if (iso.length === 24) return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  return iso.replace('T', ' ').replace('Z', '');
}

/** The reverse of toDateTime64, for values read back as `'YYYY-MM-DD HH:MM:SS[.fff]'` (UTC). */
export function fromDateTime64(text: string): number {
  return Date.parse(text.replace(' ', 'T') + 'Z');
}

export type IdentityEventRow = {
  event_id: string;
  source: string;
  connection_id: string;
  plane: string;
  tenant_id: string | null;
  authoritative_for: string | null;
  category: string;
  action: string;
  outcome: string | null;
  subject_kind: string;
  subject_id: string;
  subject_email: string | null;
  subject_name: string | null;
  actor_kind: string | null;
  actor_id: string | null;
  actor_email: string | null;
  actor_ip: string | null;
  actor_user_agent: string | null;
  actor_credential_id: string | null;
  credential_id: string | null;
  credential_kind: string | null;
  credential_owner_id: string | null;
  credential_owner_kind: string | null;
  credential_scopes: string[];
  credential_created_at: string | null;
  credential_last_used_at: string | null;
  occurred_at: string;
  received_at: string;
  raw_id: string;
  vendor_type: string;
  ocsf_class_uid: number | null;
  ocsf_activity_id: number | null;
  attributes: Record<string, string>;
};

export type RawEnvelopeRow = {
  id: string;
  source: string;
  connection_id: string;
  received_at: string;
  transport: string;
  content_type: string | null;
  headers: Record<string, string>;
  body: string;
  body_encoding: 'utf8' | 'base64';
  verification_scheme: string;
  verified: 0 | 1;
  verification_detail: string | null;
};

export type DeadLetterRow = {
  id: string;
  stage: string;
  reason: string;
  source: string | null;
  connection_id: string | null;
  raw_id: string | null;
  origin_topic: string | null;
  origin_partition: number | null;
  origin_offset: string | null;
  payload: string;
  failed_at: string;
};

const msOrNull = (ms: number | null | undefined): string | null => (ms == null ? null : toDateTime64(ms));

export function identityEventToRow(ev: IdentityEvent): IdentityEventRow {
  const a = ev.actor;
  const c = ev.credential;
  return {
    event_id: ev.event_id,
    source: ev.source,
    connection_id: ev.connection_id,
    plane: ev.plane,
    tenant_id: ev.tenant_id ?? null,
    authoritative_for: ev.authoritative_for ?? null,
    category: ev.category,
    action: ev.action,
    outcome: ev.outcome ?? null,
    subject_kind: ev.subject.kind,
    subject_id: ev.subject.id,
    subject_email: ev.subject.email ?? null,
    subject_name: ev.subject.name ?? null,
    actor_kind: a?.kind ?? null,
    actor_id: a?.id ?? null,
    actor_email: a?.email ?? null,
    actor_ip: a?.ip ?? null,
    actor_user_agent: a?.user_agent ?? null,
    actor_credential_id: a?.credential_id ?? null,
    credential_id: c?.id ?? null,
    credential_kind: c?.kind ?? null,
    credential_owner_id: c?.owner_id ?? null,
    credential_owner_kind: c?.owner_kind ?? null,
    credential_scopes: c ? [...c.scopes] : [],
    credential_created_at: msOrNull(c?.created_at),
    credential_last_used_at: msOrNull(c?.last_used_at),
    occurred_at: toDateTime64(ev.occurred_at),
    received_at: toDateTime64(ev.received_at),
    raw_id: ev.raw_id,
    vendor_type: ev.vendor_type,
    ocsf_class_uid: ev.ocsf_class_uid ?? null,
    ocsf_activity_id: ev.ocsf_activity_id ?? null,
    attributes: { ...ev.attributes },
  };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as UTF-8 text when its bytes are valid UTF-8, else base64 of the bytes. */
export function encodeBody(body: Uint8Array): { body: string; body_encoding: 'utf8' | 'base64' } {
  try {
    return { body: strictUtf8.decode(body), body_encoding: 'utf8' };
  } catch {
    return { body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('base64'), body_encoding: 'base64' };
  }
}

/** The original bytes of a raw_envelopes row's body. */
export function decodeBody(row: { body: string; body_encoding: string }): Buffer {
  return row.body_encoding === 'base64' ? Buffer.from(row.body, 'base64') : Buffer.from(row.body, 'utf8');
}

export function rawEnvelopeToRow(env: RawEnvelope): RawEnvelopeRow {
  return {
    id: env.id,
    source: env.source,
    connection_id: env.connection_id,
    received_at: toDateTime64(env.received_at),
    transport: env.transport,
    content_type: env.content_type ?? null,
    headers: { ...env.headers },
    ...encodeBody(env.body),
    verification_scheme: env.verification.scheme,
    verified: env.verification.verified ? 1 : 0,
    verification_detail: env.verification.detail ?? null,
  };
}

export function deadLetterToRow(dl: DeadLetter): DeadLetterRow {
  return {
    id: dl.id,
    stage: dl.stage,
    reason: dl.reason,
    source: dl.source ?? null,
    connection_id: dl.connection_id ?? null,
    raw_id: dl.raw_id ?? null,
    origin_topic: dl.origin_topic ?? null,
    origin_partition: dl.origin_partition ?? null,
    origin_offset: dl.origin_offset ?? null,
    payload: Buffer.from(dl.payload).toString('base64'),
    failed_at: toDateTime64(dl.failed_at),
  };
}

export type TableName = 'identity_events' | 'raw_envelopes' | 'dead_letters';

/**
 * Inserts rows as JSONEachRow with `insert_deduplication_token = dedupToken`: a retry of the same
 * batch (same token, e.g. `topic:partition:firstOffset-lastOffset`) within the table's
 * non_replicated_deduplication_window is dropped by ClickHouse instead of doubling rows.
 * A token must identify the batch's content: a different batch with a reused token is dropped too.
 * No rows → nothing is sent.
 */
export async function insertRows(
  client: ClickHouseClient,
  table: TableName | (string & {}),
  rows: ReadonlyArray<Record<string, unknown>>,
  dedupToken: string,
): Promise<void> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(table))
    throw new Error(`insertRows: not a table name: ${JSON.stringify(table)}`);
  if (rows.length === 0) return;
  if (dedupToken.length === 0) throw new Error(`insertRows(${table}): an empty deduplication token would disable deduplication`);
  await client.insert({
    table,
    format: 'JSONEachRow',
    values: rows as Record<string, unknown>[],
    clickhouse_settings: { insert_deduplication_token: dedupToken },
  });
}
