// When a detection's last rows still hold: it does not read the clock and reads only tables whose
// every change comes from an identity_events insert, with the same SQL, kind, severity and
// parameter values as when it last ran (docs/DETECTIONS.md "Nothing new", "Person-scoped").
import { createHash } from 'node:crypto';
import type { Detection } from '../../../store/detections/metadata.ts';
import { paramsUsed, type DetectionParams } from '../../../store/detections/params.ts';

/**
 * Tables every change of which comes from an identity_events insert (materialized views) or from a
 * snapshot refresh: an insert always leaves pw_touched rows (every event has a subject id), so an
 * incremental snapshot refresh that found nothing touched proves none of them changed. Also
 * pw_exposures: a view over identity_events (FINAL) and views of event-fed state, reading no clock.
 */
const EVENT_FED_TABLES = /^(pw_eval_[a-z_]+|pw_activity_days|pw_nhi_actions|pw_credential_use|identity_events|pw_exposures)$/;

/**
 * Whether a detection's rows can only change when the events change: it does not read the clock
 * ({now}, {now_ms}, now()/today()) and reads only event-fed tables (CTE names aside). Clock-dependent
 * ones (PW-DEPROV-OVERDUE, PW-STALE-CREDENTIAL, PW-SOURCE-SILENT, PW-ORPHANED-*) always run.
 */
export function reusable(sql: string): boolean {
  const code = sql.replace(/--[^\n]*/g, '');
  if (/\{now(_ms)?:/.test(code) || /\b(now|now64|today|yesterday)\s*\(/i.test(code)) return false;
  const ctes = new Set([...code.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)\s+AS\s*\(/gi)].map((m) => m[1]!.toLowerCase()));
  const tables = [...code.matchAll(/\b(?<!ARRAY\s+)(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_.]*)(\s*\()?/gi)];
  return tables.every((m) => !m[2] && (ctes.has(m[1]!.toLowerCase()) || EVENT_FED_TABLES.test(m[1]!)));
}

/** What a reusable detection's rows depend on besides the tables ('' for one that is not reusable). */
export function detectionKey(d: Detection, params: DetectionParams): string {
  if (!reusable(d.sql)) return '';
  const used = paramsUsed(d.sql)
    .sort()
    .map((k) => [k, params[k]]);
  return createHash('sha256')
    .update(JSON.stringify([d.sql, d.kind, d.severity, used]))
    .digest('hex');
}
