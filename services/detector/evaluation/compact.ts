// Re-running a detection whose rows mostly stand as committed. A clock-dependent state detection
// runs at every evaluation and returns nearly the same rows each time (PW-STALE-CREDENTIAL: 54 k
// rows at 10 M stored events, a handful new per evaluation); parsing and diffing every full row
// cost 0.3–0.5 s per evaluation. Instead ClickHouse returns each row's fingerprint and the fields
// the diff compares, the detail as a digest (compactQuery); unchangedRows picks the fingerprints that make no transition,
// and only the others are read in full (changedRowsQuery). The diff (lifecycle.ts) counts the
// unchanged ones as seen, so they are neither updated nor resolved: the result equals a full run.
import { createHash } from 'node:crypto';
import { materialDetail, type FindingState } from '../../../store/findings/lifecycle.ts';

/**
 * fingerprintOf (lifecycle.ts) as a ClickHouse expression over a detection's output columns:
 * SHA-256 of the same parts joined by U+001F, hex, first 32 characters. A NULL tenant counts as ''
 * as the row schema reads it. Should the two ever disagree for a row, that row is only read in
 * full every time (its fingerprint is not among the current findings), never diffed wrongly.
 */
const FINGERPRINT_SQL = `substring(lower(hex(SHA256(arrayStringConcat([{pw_detection:String}, toString(plane), toString(source),
  ifNull(toString(tenant), ''), toString(subject_kind), toString(subject_id), toString(key)], char(31))))), 1, 32)`;

/** A detection's SQL as a subquery (a trailing `;` dropped; the newline ends a trailing comment). */
const inner = (sql: string) => `(\n${sql.replace(/;\s*$/, '')}\n)`;

/**
 * materialDetail (lifecycle.ts) as a ClickHouse expression, hashed: SHA-256 hex of the detail's
 * entries other than the volatile keys (parameter pw_volatile), sorted by key, each `key U+001F
 * value`, joined by U+001E. Should it ever disagree with detailDigest for a row, that row is only
 * read in full, never diffed wrongly.
 */
const DETAIL_DIGEST_SQL = `lower(hex(SHA256(arrayStringConcat(arrayMap(x -> concat(x.1, char(31), x.2),
  arraySort(x -> x.1, arrayFilter(x -> NOT has({pw_volatile:Array(String)}, x.1), arrayZip(mapKeys(detail), mapValues(detail))))), char(30)))))`;

/**
 * Per row: its fingerprint and what the diff compares (severity, person, evidence, detail digest).
 * Parameters pw_detection = the detection id, pw_volatile = its volatile detail keys.
 */
export function compactQuery(sql: string): string {
  return `SELECT ${FINGERPRINT_SQL} AS fp, severity, ifNull(subject_email, '') AS subject_email, event_ids, raw_ids,
  ${DETAIL_DIGEST_SQL} AS detail_digest FROM ${inner(sql)}`;
}

/** A committed detail's digest, as DETAIL_DIGEST_SQL computes it; kept per detail object (a finding's detail is replaced, never changed in place). */
const digests = new WeakMap<Readonly<Record<string, string>>, { volatile: readonly string[]; digest: string }>();
export function detailDigest(detail: Readonly<Record<string, string>>, volatile: readonly string[]): string {
  const known = digests.get(detail);
  if (known && known.volatile === volatile) return known.digest;
  const digest = createHash('sha256').update(materialDetail(detail, volatile)).digest('hex');
  digests.set(detail, { volatile, digest });
  return digest;
}

/** The full rows of the given fingerprints. Parameters pw_detection and pw_fingerprints (Array(String)). */
export function changedRowsQuery(sql: string): string {
  return `SELECT * FROM ${inner(sql)} WHERE ${FINGERPRINT_SQL} IN {pw_fingerprints:Array(String)}`;
}

export interface CompactRow {
  fp: string;
  severity: string;
  subject_email: string;
  event_ids: string[];
  raw_ids: string[];
  detail_digest: string;
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Checks a compact row's shape; returns the name of the first bad column, or null. */
export function badCompactColumn(r: Record<string, unknown>): string | null {
  if (typeof r.fp !== 'string') return 'fp';
  if (typeof r.severity !== 'string') return 'severity';
  if (typeof r.subject_email !== 'string') return 'subject_email';
  if (!isStrings(r.event_ids)) return 'event_ids';
  if (!isStrings(r.raw_ids)) return 'raw_ids';
  if (typeof r.detail_digest !== 'string') return 'detail_digest';
  return null;
}

const sameSorted = (cur: readonly string[], ids: readonly string[]) => {
  if (cur.length !== ids.length) return false;
  const sorted = ids.length > 1 ? [...ids].sort() : ids;
  return sorted.every((x, i) => x === cur[i]);
};

/**
 * Splits a detection's compact rows: `unchanged` — fingerprints with exactly one row that matches
 * an open (not resolved) finding in severity, person, evidence and detail (but its volatile keys),
 * which the diff would leave as it is — and `changed`, every other fingerprint (new, resolved and
 * matching again, different, or several rows to merge), to be read in full.
 */
export function unchangedRows(
  detection: { severity: string; volatile_detail: readonly string[] },
  rows: readonly CompactRow[],
  current: ReadonlyMap<string, FindingState>,
): { unchanged: Set<string>; changed: string[] } {
  const detectionSeverity = detection.severity;
  const once = new Map<string, CompactRow | null>();
  for (const r of rows) once.set(r.fp, once.has(r.fp) ? null : r);
  const unchanged = new Set<string>();
  const changed: string[] = [];
  for (const [fp, r] of once) {
    const cur = current.get(fp);
    const same =
      r !== null &&
      cur !== undefined &&
      cur.status !== 'resolved' &&
      cur.severity === (r.severity || detectionSeverity) &&
      cur.subject_email === r.subject_email &&
      sameSorted(cur.evidence_event_ids, r.event_ids) &&
      sameSorted(cur.evidence_raw_ids, r.raw_ids) &&
      detailDigest(cur.detail, detection.volatile_detail) === r.detail_digest;
    if (same) unchanged.add(fp);
    else changed.push(fp);
  }
  return { unchanged, changed };
}
