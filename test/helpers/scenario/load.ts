// Delivers scenario envelopes to ClickHouse the way the pipeline does, minus Kafka: the real
// normalizer (services/normalizer/normalize-envelope.ts with the registered vendor modules) maps
// each envelope, and the rows go in with the sink's row mapping (core/clickhouse/rows.ts).
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { BoundaryMap } from '../../../core/config/boundary-map.ts';
import type { RawEnvelope } from '../../../core/events/raw-envelope.ts';
import { identityEventToRow, insertRows, rawEnvelopeToRow, type IdentityEventRow } from '../../../core/clickhouse/rows.ts';
import { normalizeEnvelope } from '../../../services/normalizer/normalize-envelope.ts';
import { SOURCES } from '../../../sources/registry.ts';

export interface Normalized {
  envelope: RawEnvelope;
  rows: IdentityEventRow[];
}

/** Maps every envelope; throws on any dead letter (a scenario must be fully mappable). */
export function normalizeAll(envelopes: readonly RawEnvelope[], map: BoundaryMap): Normalized[] {
  return envelopes.map((envelope) => {
    const { events, deadLetters } = normalizeEnvelope(envelope, map, SOURCES, null, envelope.received_at);
    if (deadLetters.length)
      throw new Error(
        `scenario envelope ${envelope.id} (${envelope.source}/${envelope.content_type}) did not map: ${deadLetters.map((d) => d.reason).join('; ')}`,
      );
    return { envelope, rows: events.map(identityEventToRow) };
  });
}

/**
 * Inserts the envelopes' raw rows and event rows in batches of `batchSize` envelopes, in the
 * given order. Every insert gets a fresh deduplication token, so a duplicated delivery really
 * reaches the tables (and their materialized views) a second time.
 */
export async function deliver(client: ClickHouseClient, items: readonly Normalized[], batchSize = 50): Promise<void> {
  for (let i = 0; i < items.length; i += batchSize) {
    const batch = items.slice(i, i + batchSize);
    await insertRows(
      client,
      'raw_envelopes',
      batch.map((b) => rawEnvelopeToRow(b.envelope)),
      `scenario-raw-${randomUUID()}`,
    );
    await insertRows(
      client,
      'identity_events',
      batch.flatMap((b) => b.rows),
      `scenario-ev-${randomUUID()}`,
    );
  }
}

/** Empties every table planewatch writes (events, state, findings) between scenario variants. */
export async function resetStore(client: ClickHouseClient): Promise<void> {
  for (const table of [
    'identity_events',
    'raw_envelopes',
    'dead_letters',
    'pw_subject_state',
    'pw_credential_state',
    'pw_activity_days',
    'pw_nhi_actions',
    'pw_source_deliveries',
    'pw_findings',
    'pw_evaluations',
    'pw_connection_registry',
    'pw_state_builds',
    'pw_credential_use',
    'pw_touched',
    'pw_eval_snapshots',
  ]) {
    await client.command({ query: `TRUNCATE TABLE IF EXISTS ${table}` });
  }
}
