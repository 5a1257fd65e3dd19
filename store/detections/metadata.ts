// Detections as code: one folder per detection holding detection.yaml (metadata, validated here)
// and detection.sql (the query). Built-in detections live in the repository's detections/; a
// user's own live in the folder named by `detections.custom_dir` in the boundary map, same format.
// The read models a query reads are placeholders (`{{people}}`, relations.ts) bound at load time to
// the evaluation snapshot tables.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ConfigError, zodProblems } from '../../core/config/errors.ts';
import { PLANES } from '../../core/events/identity-event.ts';
import { repoPath } from '../../core/repo-root.ts';
import { bindRelations, RELATIONS, unknownRelations } from './relations.ts';

/** The repository's built-in detections. */
export const BUILTIN_DETECTIONS_DIR = repoPath('detections') + path.sep;

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const mappingList = z.array(z.string().min(1)).default([]);

export const DetectionMetaSchema = z.strictObject({
  id: z.string().regex(/^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/, 'expected an id like PW-STALE-CREDENTIAL (upper case, dash-separated)'),
  title: z.string().min(1),
  severity: z.enum(SEVERITIES, { error: () => `expected one of ${SEVERITIES.join(', ')}` }),
  planes: z.array(z.enum(PLANES, { error: () => 'expected "platform" or "application"' })).min(1),
  kind: z.enum(['state', 'incident'], {
    error: () => 'expected "state" (resolves when the condition clears) or "incident" (stays open until acknowledged)',
  }),
  description: z.string().min(1),
  remediation: z.string().min(1),
  mappings: z
    .strictObject({
      owasp_nhi: mappingList,
      nist_csf: mappingList,
      mitre_attack: mappingList,
      soc2: mappingList,
    })
    .default({ owasp_nhi: [], nist_csf: [], mitre_attack: [], soc2: [] }),
  /**
   * 'person': every row is about the person in its subject_email, and a person's rows depend only on
   * that person's accounts, the credentials those own and their activity (pw_eval_person_accounts,
   * pw_eval_credentials, pw_activity_days). After a batch, such a detection (if it does not read the
   * clock) runs only for the people the batch may have changed; the SQL must restrict itself to
   * them when {scoped:UInt8} = 1 (person IN (SELECT person FROM {{scope}})).
   * 'credential': every row is about the credential (source, subject_id) and depends only on that
   * credential's pw_eval_credentials row and the clock, and a row, once matched, stays matched while
   * the credential is unchanged as the clock advances (e.g. stale after a threshold). After a batch
   * or with nothing new, such a detection runs only for the touched credentials and those whose
   * result the clock changed since the previous evaluation: with {scoped:UInt8} = 1 the SQL must
   * restrict itself to rows of credentials in {{touched_credentials}} or that would not have
   * matched at {since_ms:Int64}; the other credentials' findings stand as committed.
   */
  scope: z
    .enum(['all', 'person', 'credential'], {
      error: () =>
        'expected "all" (default), "person" or "credential" (see docs/DETECTIONS.md "Person-scoped detections" and "Credential-scoped detections")',
    })
    .default('all'),
  /**
   * Detail keys whose value follows the clock alone (how long something has been idle, pending or
   * silent). A change of any other detail key updates an open finding; these keep the value of the
   * finding's last opening or update, so that the passing of time alone writes nothing.
   */
  volatile_detail: z.array(z.string().min(1)).default([]),
  enabled: z.boolean().default(true),
});
export type DetectionMeta = z.infer<typeof DetectionMetaSchema>;

export interface Detection extends DetectionMeta {
  /** The query over the evaluation snapshot (its read-model placeholders bound: relations.ts). */
  sql: string;
  /** detection.sql as written, `{{people}}` and the like unbound (the report binds them to the live views). */
  template: string;
  /** Folder it was loaded from. */
  dir: string;
  origin: 'builtin' | 'custom';
}

/** Columns every detection query returns (see docs/DETECTIONS.md "Writing a detection"). */
export const DETECTION_COLUMNS = [
  'subject_kind',
  'subject_id',
  'subject_email',
  'plane',
  'tenant',
  'source',
  'key',
  'severity',
  'event_ids',
  'raw_ids',
  'detail',
] as const;

export const DetectionRowSchema = z.object({
  subject_kind: z.string().min(1),
  subject_id: z.string().min(1),
  subject_email: z
    .string()
    .nullable()
    .transform((v) => v ?? ''),
  plane: z.string(),
  tenant: z
    .string()
    .nullable()
    .transform((v) => v ?? ''),
  source: z.string(),
  /** Distinguishes several findings of one detection about one subject (e.g. an incident's period); '' when one per subject. */
  key: z.string(),
  /** '' = the detection's severity; else one of SEVERITIES (an escalation for this row). */
  severity: z.union([z.literal(''), z.enum(SEVERITIES)]),
  event_ids: z.array(z.string()),
  raw_ids: z.array(z.string()),
  detail: z.record(z.string(), z.string()),
});
export type DetectionRow = z.output<typeof DetectionRowSchema>;

const SEVERITY_SET: ReadonlySet<string> = new Set(['', ...SEVERITIES]);
const ROW_KEYS = DETECTION_COLUMNS.length;
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * DetectionRowSchema's fast path for the rows of an evaluation (tens of thousands per detection):
 * when a row has exactly the detection columns with the expected types it is taken as it is (nulls
 * of subject_email / tenant become '', in place), without zod's per-row copy (zod: 5 µs per row,
 * 0.3 s for the 54 k rows of PW-STALE-CREDENTIAL at 10 M events). Returns null when the row does
 * not fit; then DetectionRowSchema.safeParse decides and names the column. Equivalence with the
 * schema is tested (test/unit/store/findings/lifecycle.test.ts).
 */
export function asDetectionRow(r: Record<string, unknown>): DetectionRow | null {
  const detail = r.detail;
  if (
    typeof r.subject_kind !== 'string' ||
    r.subject_kind.length === 0 ||
    typeof r.subject_id !== 'string' ||
    r.subject_id.length === 0 ||
    (typeof r.subject_email !== 'string' && r.subject_email !== null) ||
    typeof r.plane !== 'string' ||
    (typeof r.tenant !== 'string' && r.tenant !== null) ||
    typeof r.source !== 'string' ||
    typeof r.key !== 'string' ||
    typeof r.severity !== 'string' ||
    !SEVERITY_SET.has(r.severity) ||
    !isStringArray(r.event_ids) ||
    !isStringArray(r.raw_ids) ||
    typeof detail !== 'object' ||
    detail === null ||
    Array.isArray(detail)
  )
    return null;
  let n = 0;
  for (const k in r) if (Object.hasOwn(r, k)) n++;
  if (n !== ROW_KEYS) return null;
  for (const k in detail) if (typeof (detail as Record<string, unknown>)[k] !== 'string') return null;
  if (Object.getPrototypeOf(detail) !== Object.prototype) return null;
  if (r.subject_email === null) r.subject_email = '';
  if (r.tenant === null) r.tenant = '';
  return r as unknown as DetectionRow;
}

/** Loads and validates one detection folder. Throws a ConfigError naming the file and field. */
export function loadDetectionDir(dir: string, origin: 'builtin' | 'custom'): Detection {
  const metaFile = path.join(dir, 'detection.yaml');
  const sqlFile = path.join(dir, 'detection.sql');
  if (!existsSync(metaFile))
    throw new ConfigError([`missing detection.yaml (expected metadata: id, title, severity, planes, kind, ...)`], dir);
  if (!existsSync(sqlFile)) throw new ConfigError([`missing detection.sql`], dir);
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(metaFile, 'utf8'), { uniqueKeys: true });
  } catch (err) {
    throw new ConfigError([`not valid YAML: ${(err as Error).message}`], metaFile);
  }
  const parsed = DetectionMetaSchema.safeParse(doc ?? {});
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error), metaFile);
  const template = readFileSync(sqlFile, 'utf8').trim().replace(/;\s*$/, '');
  if (template.length === 0) throw new ConfigError(['detection.sql is empty'], sqlFile);
  if (/;\s*\S/.test(stripSqlComments(template))) throw new ConfigError(['detection.sql must hold exactly one SELECT statement'], sqlFile);
  if (!/^\s*(WITH|SELECT)\b/i.test(stripSqlComments(template)))
    throw new ConfigError(['detection.sql must be a query (WITH ... / SELECT ...)'], sqlFile);
  if (parsed.data.scope === 'person' && !/\{scoped\s*:\s*UInt8\s*\}/.test(stripSqlComments(template))) {
    throw new ConfigError(
      [
        'scope: "person" needs detection.sql to restrict itself to the people in pw_eval_scope when {scoped:UInt8} = 1 (e.g. AND ({scoped:UInt8} = 0 OR person IN (SELECT person FROM {{scope}})))',
      ],
      sqlFile,
    );
  }
  if (
    parsed.data.scope === 'credential' &&
    ![/\{scoped\s*:\s*UInt8\s*\}/, /\{since_ms\s*:\s*Int64\s*\}/, /\{\{touched_credentials\}\}/].every((re) =>
      re.test(stripSqlComments(template)),
    )
  ) {
    throw new ConfigError(
      [
        'scope: "credential" needs detection.sql to restrict itself, when {scoped:UInt8} = 1, to the credentials in {{touched_credentials}} and those that would not have matched at {since_ms:Int64}',
      ],
      sqlFile,
    );
  }
  const unknown = unknownRelations(template);
  if (unknown.length)
    throw new ConfigError(
      [
        `detection.sql reads unknown read model(s) ${unknown.map((n) => `{{${n}}}`).join(', ')}; known: ${Object.keys(RELATIONS)
          .map((n) => `{{${n}}}`)
          .join(', ')}`,
      ],
      sqlFile,
    );
  const folder = path.basename(dir);
  if (folder !== parsed.data.id && folder.toUpperCase() !== parsed.data.id) {
    throw new ConfigError([`id: "${parsed.data.id}" does not match its folder name "${folder}"`], metaFile);
  }
  return { ...parsed.data, sql: bindRelations(parsed.data.id, template, 'snapshot'), template, dir, origin };
}

function stripSqlComments(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^'\\]|\\.)*'/g, "''");
}

function detectionFolders(root: string): string[] {
  return readdirSync(root)
    .filter((name) => !name.startsWith('.') && statSync(path.join(root, name)).isDirectory())
    .sort()
    .map((name) => path.join(root, name));
}

export interface LoadDetectionsOptions {
  builtinDir?: string;
  customDir?: string | undefined;
  /** Ids to skip (boundary map detections.disabled). */
  disabled?: readonly string[];
}

/**
 * Built-in detections plus the user's own. A custom detection with a built-in's id is an error
 * (disable the built-in and give yours another id), as is any duplicate id.
 */
export function loadDetections(opts: LoadDetectionsOptions = {}): Detection[] {
  const out: Detection[] = [];
  const seen = new Map<string, string>();
  const add = (d: Detection) => {
    const other = seen.get(d.id);
    if (other !== undefined) throw new ConfigError([`duplicate detection id ${d.id} (also in ${other})`], d.dir);
    seen.set(d.id, d.dir);
    out.push(d);
  };
  for (const dir of detectionFolders(opts.builtinDir ?? BUILTIN_DETECTIONS_DIR)) add(loadDetectionDir(dir, 'builtin'));
  if (opts.customDir) {
    if (!existsSync(opts.customDir) || !statSync(opts.customDir).isDirectory()) {
      throw new ConfigError([`detections.custom_dir: ${opts.customDir} is not a directory`], 'boundary map');
    }
    for (const dir of detectionFolders(opts.customDir)) add(loadDetectionDir(dir, 'custom'));
  }
  const disabled = new Set(opts.disabled ?? []);
  return out.filter((d) => d.enabled && !disabled.has(d.id));
}
