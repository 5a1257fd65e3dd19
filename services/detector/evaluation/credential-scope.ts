// Credential-scoped detections (detection.yaml `scope: credential`, docs/DETECTIONS.md
// "Credential-scoped detections"): a row is about one credential and depends only on that
// credential's snapshot row and the clock, and once matched it stays matched while the credential is
// unchanged. After an incremental snapshot refresh such a detection runs only for the touched
// credentials and those the clock changed since the previous evaluation ({scoped} = 1,
// {since_ms}); the findings of every other credential stand as committed.
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Detection } from '../../../store/detections/metadata.ts';
import { paramsUsed, type DetectionParams } from '../../../store/detections/params.ts';
import type { FindingState } from '../../../store/findings/lifecycle.ts';

/** The parameters that move with every evaluation (the clock) or are set by the engine. */
const PER_EVALUATION = new Set(['now', 'now_ms', 'scoped', 'since_ms']);

/** What a credential-scoped detection's rows depend on besides the tables and the clock. */
export function credentialScopeKey(d: Detection, params: DetectionParams): string {
  const used = paramsUsed(d.sql)
    .filter((k) => !PER_EVALUATION.has(k))
    .sort()
    .map((k) => [k, params[k]]);
  return createHash('sha256')
    .update(JSON.stringify(['credential', d.sql, d.kind, d.severity, used]))
    .digest('hex');
}

/** A credential's identity in a finding and in pw_snapshot_touched. */
export const credentialKey = (source: string, id: string) => `${source}\u0000${id}`;

/** The credentials the last incremental snapshot refresh recomputed. */
export async function readTouchedCredentials(client: ClickHouseClient): Promise<Set<string>> {
  const rs = await client.query({
    query: "SELECT source, key FROM pw_snapshot_touched WHERE kind = 'credential'",
    format: 'JSONEachRow',
  });
  return new Set((await rs.json<{ source: string; key: string }>()).map((r) => credentialKey(r.source, r.key)));
}

/**
 * The detection's findings that stand as committed: not resolved, of a credential the refresh did
 * not touch (the run returned only the touched credentials' rows and the newly matched ones).
 */
export function untouchedFindings(
  detection: string,
  touched: ReadonlySet<string>,
  current: ReadonlyMap<string, FindingState>,
): Set<string> {
  const carried = new Set<string>();
  for (const [fp, f] of current)
    if (f.detection === detection && f.status !== 'resolved' && !touched.has(credentialKey(f.source, f.subject_id))) carried.add(fp);
  return carried;
}
