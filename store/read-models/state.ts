// (Re)building the detection state from what identity_events and raw_envelopes hold. Materialized
// views only see inserts made after their creation, so a store that already held events when
// migration 0004 was applied needs one build; a replay that re-normalized events into different
// content needs a rebuild (the views' aggregates keep every version they saw).
// The SELECT of each materialized view is read back from system.tables, so the rebuild runs the
// exact same projection as the live views; the source is read with FINAL (one row per event).
import type { ClickHouseClient } from '@clickhouse/client';
import { toDateTime64 } from '../../core/clickhouse/rows.ts';
import { invalidateSnapshot } from './snapshot.ts';

/** Materialized view → its target table and source table. */
export const STATE_VIEWS: readonly { view: string; target: string; source: string }[] = [
  { view: 'pw_subject_state_mv', target: 'pw_subject_state', source: 'identity_events' },
  { view: 'pw_subject_state_actor_mv', target: 'pw_subject_state', source: 'identity_events' },
  { view: 'pw_credential_state_mv', target: 'pw_credential_state', source: 'identity_events' },
  { view: 'pw_activity_days_mv', target: 'pw_activity_days', source: 'identity_events' },
  { view: 'pw_nhi_actions_mv', target: 'pw_nhi_actions', source: 'identity_events' },
  { view: 'pw_source_deliveries_mv', target: 'pw_source_deliveries', source: 'raw_envelopes' },
  { view: 'pw_credential_use_mv', target: 'pw_credential_use', source: 'identity_events' },
];

async function scalar(client: ClickHouseClient, query: string, params: Record<string, unknown> = {}): Promise<string> {
  const rs = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  const [row] = await rs.json<Record<string, unknown>>();
  return row ? String(Object.values(row)[0]) : '';
}

/** Truncates the state tables and fills them again from the source tables. */
export async function rebuildDetectionState(client: ClickHouseClient, reason: string, now: number = Date.now()): Promise<void> {
  // Several views may fill one table (subjects and acting accounts): empty each table once, first.
  for (const target of new Set(STATE_VIEWS.map((v) => v.target))) await client.command({ query: `TRUNCATE TABLE ${target}` });
  for (const { view, target, source } of STATE_VIEWS) {
    const select = await scalar(client, `SELECT as_select FROM system.tables WHERE database = currentDatabase() AND name = {v:String}`, {
      v: view,
    });
    if (!select) throw new Error(`materialized view ${view} not found: apply the migrations first`);
    // The view reads `FROM <source>`; a rebuild reads the collapsed table (one row per key).
    const fromFinal = select.replace(new RegExp(`FROM\\s+(\`?\\w+\`?\\.)?\`?${source}\`?(?![\\w.])`), `FROM ${source} FINAL`);
    // A view may fill only some of the table's columns (the others take their empty defaults).
    const cols = await scalar(
      client,
      `SELECT arrayStringConcat(groupArray(concat('\`', name, '\`')), ', ') FROM (SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {v:String} ORDER BY position)`,
      { v: view },
    );
    await client.command({ query: `INSERT INTO ${target} (${cols}) ${fromFinal}` });
  }
  // The evaluation snapshot was derived from the old state: the next evaluation rebuilds it in full.
  await invalidateSnapshot(client);
  await client.insert({ table: 'pw_state_builds', format: 'JSONEachRow', values: [{ built_at: toDateTime64(now), reason }] });
}

/**
 * Builds the state once when the store already held events before the views existed (no build
 * recorded yet and identity_events is not empty). Returns whether it built.
 */
export async function ensureDetectionState(client: ClickHouseClient, now: number = Date.now()): Promise<boolean> {
  const builds = Number(await scalar(client, 'SELECT count() FROM pw_state_builds'));
  if (builds > 0) return false;
  const events = Number(await scalar(client, 'SELECT count() FROM (SELECT 1 FROM identity_events LIMIT 1)'));
  const state = Number(await scalar(client, 'SELECT count() FROM (SELECT 1 FROM pw_subject_state LIMIT 1)'));
  if (events > 0 && state === 0) {
    await rebuildDetectionState(client, 'initial build: events predate the detection state', now);
    return true;
  }
  await client.insert({
    table: 'pw_state_builds',
    format: 'JSONEachRow',
    values: [{ built_at: toDateTime64(now), reason: 'live from the start' }],
  });
  return false;
}
