// The detections' own SQL (detections/<ID>/detection.sql, loaded with the engine's loader) run
// by the report over the live read views instead of the detector's per-evaluation snapshot.
//
// The detector fills the pw_eval_* tables for ITS evaluation time (store/read-models/snapshot.ts,
// migrations/0008_detection_snapshots.sql); they hold exactly what the views of 0005 (redefined by
// 0009) return, same columns and meaning, and test/integration/detections-scenario.test.ts checks
// each table against its view row for row. The report has its own as-of time and must not touch
// the detector's tables, so each snapshot table is read through its view (SNAPSHOT_VIEWS). Any
// other pw_* relation must be one the report knows to be live (LIVE_RELATIONS: the views and the
// tables materialized views keep current on insert); anything else — a pw_eval_* table without a
// view, such as pw_eval_credential_gaps, or a helper table added later — is an error naming the
// detection and the table, never a silent read of another evaluation's state.
import path from 'node:path';
import { BUILTIN_DETECTIONS_DIR, loadDetectionDir } from '../detections/metadata.ts';

const LINK_ARGS = 'link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)}, directory_sources = {directory_sources:Array(String)}';

/** Snapshot table → the view it equals (the pairs of test/integration/detections-scenario.test.ts). */
export const SNAPSHOT_VIEWS: Readonly<Record<string, string>> = {
  pw_eval_accounts: 'pw_accounts',
  pw_eval_person_accounts: `pw_person_accounts(${LINK_ARGS})`,
  pw_eval_people: `pw_people(${LINK_ARGS})`,
  pw_eval_credentials: 'pw_credentials',
};

/**
 * Snapshot tables a report reads as empty: the person scope of the detector's last incremental
 * evaluation (pw_eval_scope). The report binds {scoped:UInt8} = 0 (detectionParams), so a
 * person-scoped detection runs over everyone and its scope filter never applies.
 */
export const EMPTY_FOR_REPORT: Readonly<Record<string, string>> = {
  pw_eval_scope: "(SELECT '' AS person LIMIT 0)",
};

/** pw_* relations that are current whenever they are read (views, or tables kept by materialized views). */
export const LIVE_RELATIONS: readonly string[] = [
  'pw_accounts', 'pw_person_accounts', 'pw_people', 'pw_credentials', // views (0005, 0009)
  'pw_subject_state', 'pw_credential_state', 'pw_activity_days', 'pw_nhi_actions', 'pw_source_deliveries', 'pw_credential_use', // kept on insert
  'pw_connection_registry', // first time each connection was seen configured (only ever grows)
];

/** Splits SQL into code and non-code (comments, string literals) so names are only looked for in code. */
function segments(sql: string): { code: boolean; text: string }[] {
  const out: { code: boolean; text: string }[] = [];
  const re = /--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^'\\]|\\.)*'/g;
  let at = 0;
  for (const m of sql.matchAll(re)) {
    if (m.index > at) out.push({ code: true, text: sql.slice(at, m.index) });
    out.push({ code: false, text: m[0] });
    at = m.index + m[0].length;
  }
  if (at < sql.length) out.push({ code: true, text: sql.slice(at) });
  return out;
}

/**
 * A detection's SQL with every snapshot table replaced by its live view. Throws, naming the
 * detection and the relation, on a pw_eval_* table with no view and on any other pw_* relation
 * not known to be live. Comments and string literals are left as they are.
 */
export function overLiveViews(detectionId: string, sql: string): string {
  const problems: string[] = [];
  const text = segments(sql).map((s) => (!s.code ? s.text : s.text.replace(/\bpw_[A-Za-z0-9_]+\b/g, (name) => {
    const view = SNAPSHOT_VIEWS[name] ?? EMPTY_FOR_REPORT[name];
    if (view !== undefined) return view;
    if (name.startsWith('pw_eval_')) {
      problems.push(`${name} is a per-evaluation snapshot table with no live view (known: ${Object.keys(SNAPSHOT_VIEWS).join(', ')})`);
    } else if (!LIVE_RELATIONS.includes(name)) {
      problems.push(`${name} is not known to be live data (known: ${LIVE_RELATIONS.join(', ')})`);
    }
    return name;
  }))).join('');
  if (problems.length > 0) {
    throw new Error(`boundary report: ${detectionId} cannot run at the report's as-of time: ${[...new Set(problems)].join('; ')}. `
      + 'Map the table to a view in store/reports/detection-views.ts (SNAPSHOT_VIEWS / LIVE_RELATIONS) or stop using this detection in the report');
  }
  return text;
}

/** The built-in detection's SQL (read with the engine's loader, so validated the same way) over the live views. */
export function reportDetectionSql(detectionId: string, builtinDir: string = BUILTIN_DETECTIONS_DIR): string {
  return overLiveViews(detectionId, loadDetectionDir(path.join(builtinDir, detectionId), 'builtin').sql);
}
