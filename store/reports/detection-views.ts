// The detections' own SQL (detections/<ID>/detection.sql, loaded with the engine's loader) run
// by the report over the live read views instead of the detector's per-evaluation snapshot.
//
// A detection names the read models it reads as placeholders (`{{people}}`); the detector binds
// them to its snapshot tables (pw_eval_*, built from the views of migrations/views/ for ITS
// evaluation time), the report to the views themselves (store/detections/relations.ts), since it
// has its own as-of time and must not touch the detector's tables. A read model with no live view
// (pw_eval_credential_gaps) fails the report naming the detection. Any other pw_* relation the SQL
// reads directly must be one the report knows to be live (LIVE_RELATIONS: the views and the tables
// materialized views keep current on insert); anything else — a snapshot table named directly, or
// a helper table added later — is an error naming the detection and the table, never a silent read
// of another evaluation's state. That check only reads the SQL; nothing in it is rewritten.
import path from 'node:path';
import { BUILTIN_DETECTIONS_DIR, loadDetectionDir } from '../detections/metadata.ts';
import { bindRelations, RelationError } from '../detections/relations.ts';

/** pw_* relations that are current whenever they are read (views, or tables kept by materialized views). */
export const LIVE_RELATIONS: readonly string[] = [
  'pw_accounts',
  'pw_person_accounts',
  'pw_people',
  'pw_credentials', // views (migrations/views/)
  'pw_subject_state',
  'pw_credential_state',
  'pw_activity_days',
  'pw_nhi_actions',
  'pw_source_deliveries',
  'pw_credential_use', // kept on insert
  'pw_connection_registry', // first time each connection was seen configured (only ever grows)
];

/** The relation names in a SQL text's code (comments and string literals left out). */
function relationsRead(sql: string): string[] {
  const code = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^'\\]|\\.)*'/g, ' ');
  return [...new Set(code.match(/\bpw_[A-Za-z0-9_]+\b/g) ?? [])];
}

function reportError(detectionId: string, problems: readonly string[]): Error {
  return new Error(
    `boundary report: ${detectionId} cannot run at the report's as-of time: ${problems.join('; ')}. ` +
      'Give the read model a live view in store/detections/relations.ts, add a live table to LIVE_RELATIONS (store/reports/detection-views.ts), or stop using this detection in the report',
  );
}

/**
 * A detection's SQL (as written, with placeholders) over the live views. Throws, naming the
 * detection and the relation, on a read model with no live view and on any pw_* relation read
 * directly that is not known to be live.
 */
export function overLiveViews(detectionId: string, template: string): string {
  const direct = relationsRead(template)
    .filter((name) => !LIVE_RELATIONS.includes(name))
    .map((name) => `${name} is not known to be live data (known: ${LIVE_RELATIONS.join(', ')})`);
  let sql: string;
  try {
    sql = bindRelations(detectionId, template, 'live');
  } catch (err) {
    if (!(err instanceof RelationError)) throw err;
    throw reportError(detectionId, [...err.problems, ...direct]);
  }
  if (direct.length) throw reportError(detectionId, direct);
  return sql;
}

/** The built-in detection's SQL (read with the engine's loader, so validated the same way) over the live views. */
export function reportDetectionSql(detectionId: string, builtinDir: string = BUILTIN_DETECTIONS_DIR): string {
  return overLiveViews(detectionId, loadDetectionDir(path.join(builtinDir, detectionId), 'builtin').template);
}
