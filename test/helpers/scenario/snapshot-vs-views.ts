// The evaluation snapshot (pw_eval_*, store/read-models/snapshot.ts) must hold exactly what the views
// it is built from return. Per table: its row count, the view's, and the rows found only on one side.
import type { ClickHouseClient } from '@clickhouse/client';
import type { BoundaryMap } from '../../../core/config/boundary-map.ts';
import { detectionParams, type DefaultPlaneOf } from '../../../store/detections/params.ts';

export interface SnapshotViewComparison {
  table: string;
  n: string;
  n_view: string;
  only_snapshot: string;
  only_view: string;
}

export async function compareSnapshotWithViews(
  client: ClickHouseClient,
  map: BoundaryMap,
  now: number,
  defaultPlaneOf: DefaultPlaneOf,
): Promise<SnapshotViewComparison[]> {
  const args =
    'link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)}, directory_sources = {directory_sources:Array(String)}';
  const params = detectionParams(map, now, defaultPlaneOf);
  const out: SnapshotViewComparison[] = [];
  for (const [table, view] of [
    ['pw_eval_accounts', 'pw_accounts'],
    ['pw_eval_person_accounts', `pw_person_accounts(${args})`],
    ['pw_eval_people', `pw_people(${args})`],
    ['pw_eval_credentials', 'pw_credentials'],
  ] as const) {
    const rs = await client.query({
      query: `SELECT (SELECT count() FROM ${table}) AS n, (SELECT count() FROM ${view}) AS n_view,
                     (SELECT count() FROM (SELECT * FROM ${table} EXCEPT SELECT * FROM ${view})) AS only_snapshot,
                     (SELECT count() FROM (SELECT * FROM ${view} EXCEPT SELECT * FROM ${table})) AS only_view`,
      query_params: params,
      format: 'JSONEachRow',
    });
    const [r] = await rs.json<Omit<SnapshotViewComparison, 'table'>>();
    out.push({ table, ...r! });
  }
  return out;
}
