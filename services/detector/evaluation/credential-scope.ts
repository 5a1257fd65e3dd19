// Clock-scoped detections (docs/DETECTIONS.md "Credential-scoped detections"): every row is about one
// key — a credential (detection.yaml `scope: credential`) or a person (`scope: person` with a SQL that
// reads the clock and {since_ms}) — and depends only on what the snapshot refresh recomputes for that
// key and on the clock, and once matched it stays matched while the key is unchanged as the clock
// advances (a threshold or deadline passed). After an incremental snapshot refresh such a detection
// runs only for the keys the refresh may have changed and those the clock changed since the previous
// evaluation ({scoped} = 1, {since_ms}); the findings of every other key stand as committed.
//
// The keys the refresh may have changed:
//   person                      the people of pw_eval_scope (snapshot.ts SCOPE_SQL);
//   credential, {{touched_credentials}}  the credentials the refresh recomputed;
//   credential, {{scope_credentials}}    those, and the credentials owned by a touched subject or by
//                               an account of a person of pw_eval_scope (for a row that also reads
//                               its owner's accounts and person: relations.ts).
import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Detection } from '../../../store/detections/metadata.ts';
import { RELATIONS } from '../../../store/detections/relations.ts';
import { paramsUsed, type DetectionParams } from '../../../store/detections/params.ts';
import type { FindingState } from '../../../store/findings/lifecycle.ts';

/** The parameters that move with every evaluation (the clock) or are set by the engine. */
const PER_EVALUATION = new Set(['now', 'now_ms', 'scoped', 'since_ms']);

export type ScopeBy = 'credential' | 'person';

/** How a detection is run for some keys and the clock only, or undefined when it is not. */
export function clockScope(d: Pick<Detection, 'scope' | 'sql'>): ScopeBy | undefined {
  if (d.scope === 'credential') return 'credential';
  if (d.scope === 'person' && /\{since_ms\s*:\s*Int64\s*\}/.test(d.sql.replace(/--[^\n]*/g, ''))) return 'person';
  return undefined;
}

/** What a clock-scoped detection's rows depend on besides the tables and the clock. */
export function credentialScopeKey(d: Detection, params: DetectionParams): string {
  const used = paramsUsed(d.sql)
    .filter((k) => !PER_EVALUATION.has(k))
    .sort()
    .map((k) => [k, params[k]]);
  return createHash('sha256')
    .update(JSON.stringify([clockScope(d) ?? 'credential', d.sql, d.kind, d.severity, used]))
    .digest('hex');
}

/** A credential's identity in a finding and in pw_snapshot_touched. */
export const credentialKey = (source: string, id: string) => `${source}\u0000${id}`;

/** The relation a credential-scoped detection's SQL restricts itself to ({{scope_credentials}} or {{touched_credentials}}). */
export function credentialSet(d: Pick<Detection, 'template'>): 'scope_credentials' | 'touched_credentials' {
  return /\{\{scope_credentials\}\}/.test(d.template.replace(/--[^\n]*/g, '')) ? 'scope_credentials' : 'touched_credentials';
}

/** The credentials of one of the credential-set relations, as the detection's SQL reads them. */
export async function readCredentialSet(
  client: ClickHouseClient,
  relation: 'scope_credentials' | 'touched_credentials',
): Promise<Set<string>> {
  const rs = await client.query({ query: `SELECT source, key FROM ${RELATIONS[relation]!.snapshot}`, format: 'JSONEachRow' });
  return new Set((await rs.json<{ source: string; key: string }>()).map((r) => credentialKey(r.source, r.key)));
}

/** A finding's key in a scope. */
const keyOf = (by: ScopeBy, f: FindingState) => (by === 'person' ? f.subject_email : credentialKey(f.source, f.subject_id));

/**
 * The detection's findings that stand as committed: not resolved, of a key outside the run's scope
 * (the run returned only the scope's rows and the newly matched ones).
 */
export function untouchedFindings(
  detection: string,
  touched: ReadonlySet<string>,
  current: ReadonlyMap<string, FindingState>,
  by: ScopeBy = 'credential',
): Set<string> {
  const carried = new Set<string>();
  for (const [fp, f] of current) if (f.detection === detection && f.status !== 'resolved' && !touched.has(keyOf(by, f))) carried.add(fp);
  return carried;
}
