// Findings lifecycle, pure: the current findings + this evaluation's matches → the transitions to
// write. No I/O, no clock (the evaluation's `now` is a parameter).
//
//   state findings     open → resolved (condition cleared) → reopened → resolved ...
//   incident findings  open until acknowledged. An incident's condition is monotone in time (it
//                      records something that happened), so it only stops matching when the
//                      facts themselves changed (late backfill contradicted it, or a replay
//                      re-normalized events): it is then resolved with resolution 'retracted'.
//   acknowledged       an incident stays acknowledged; a state finding stays acknowledged while
//                      its condition holds and resolves (then may reopen) like any other.
// Only detections that ran successfully in this evaluation can resolve their findings: a failed
// query never clears anything; a person-scoped run (services/detector/evaluation/run.ts) only those of the people it covered.
import { createHash } from 'node:crypto';
import type { DetectionRow, Severity } from '../detections/metadata.ts';

export type FindingStatus = 'open' | 'reopened' | 'resolved' | 'acknowledged';
export type Transition = 'opened' | 'updated' | 'resolved' | 'reopened' | 'acknowledged';

export interface FindingState {
  fingerprint: string;
  detection: string;
  kind: 'state' | 'incident';
  severity: Severity;
  status: FindingStatus;
  resolution: '' | 'cleared' | 'retracted';
  plane: string;
  tenant: string;
  source: string;
  subject_kind: string;
  subject_id: string;
  subject_email: string;
  first_seen: number;
  last_seen: number;
  opened_at: number;
  resolved_at: number | null;
  acknowledged_at: number | null;
  acknowledged_by: string;
  reopen_count: number;
  evidence_event_ids: string[];
  evidence_raw_ids: string[];
  detail: Record<string, string>;
}

export interface FindingChange {
  transition: Transition;
  finding: FindingState;
}

export interface Match {
  /** volatileDetail: the detection's detail keys that follow the clock alone (detection.yaml `volatile_detail`). */
  detection: { id: string; kind: 'state' | 'incident'; severity: Severity; volatileDetail?: readonly string[] };
  row: DetectionRow;
  fingerprint: string;
}

/**
 * Stable identity of a finding: detection + where + who (+ the row's key for several findings
 * about one subject). Never includes evidence or anything time-varying.
 */
export function fingerprintOf(
  detectionId: string,
  row: Pick<DetectionRow, 'plane' | 'tenant' | 'source' | 'subject_kind' | 'subject_id' | 'key'>,
): string {
  const parts = [detectionId, row.plane, row.source, row.tenant, row.subject_kind, row.subject_id, row.key];
  return createHash('sha256').update(parts.join('\u001f')).digest('hex').slice(0, 32);
}

const sameArray = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * A finding's detail without its volatile keys, as one canonical string: the keys sorted, each
 * `key U+001F value`, joined by U+001E. Two details are materially the same when these are equal.
 * compact.ts computes the same string in ClickHouse (ASCII keys sort alike in both).
 */
export function materialDetail(detail: Readonly<Record<string, string>>, volatile: readonly string[] = []): string {
  return Object.keys(detail)
    .filter((k) => !volatile.includes(k))
    .sort()
    .map((k) => `${k}\u001f${detail[k]}`)
    .join('\u001e');
}

/**
 * Several rows of one detection can land on one fingerprint (a subject reached by two joins): merge
 * them deterministically, in the order of their content whatever order they came in. Only such
 * groups are sorted, each row serialised once: sorting every match with a comparator that
 * serialised both rows took 17 s of the event loop for 194 k matches (bench, 10 M stored events).
 */
export function mergeMatches(matches: readonly Match[]): Match[] {
  const groups = new Map<string, Match[]>();
  for (const m of matches) {
    const g = groups.get(m.fingerprint);
    if (g) g.push(m);
    else groups.set(m.fingerprint, [m]);
  }
  const severityRank = (s: string) => ['', 'info', 'low', 'medium', 'high', 'critical'].indexOf(s);
  const out: Match[] = [];
  for (const group of groups.values()) {
    // Most fingerprints have one row: taken as it is (diffFindings copies what it keeps).
    if (group.length === 1) {
      out.push(group[0]!);
      continue;
    }
    const ordered = group
      .map((m) => ({ key: JSON.stringify(m.row), m }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((x) => x.m);
    const first = ordered[0]!;
    const r = { ...first.row, event_ids: [...first.row.event_ids], raw_ids: [...first.row.raw_ids] };
    for (const m of ordered.slice(1)) {
      r.event_ids = [...new Set([...r.event_ids, ...m.row.event_ids])];
      r.raw_ids = [...new Set([...r.raw_ids, ...m.row.raw_ids])];
      if (severityRank(m.row.severity) > severityRank(r.severity)) r.severity = m.row.severity;
    }
    out.push({ ...first, row: r });
  }
  return out;
}

export function diffFindings(
  current: ReadonlyMap<string, FindingState>,
  matches: readonly Match[],
  ranDetections: ReadonlySet<string>,
  now: number,
  previousNow: number | null,
  /** Detections that ran for some people only (person-scoped): the people (subject_email) covered. */
  scopes: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
  /**
   * Fingerprints a detection matched again with no material change, their rows not read in full
   * (services/detector/evaluation/compact.ts): seen, so neither updated nor resolved.
   */
  unchanged: ReadonlySet<string> = new Set(),
): FindingChange[] {
  const out: FindingChange[] = [];
  const seen = new Set<string>();
  for (const m of mergeMatches(matches)) {
    seen.add(m.fingerprint);
    const row = m.row;
    const severity = (row.severity || m.detection.severity) as Severity;
    const evidence = { evidence_event_ids: [...row.event_ids].sort(), evidence_raw_ids: [...row.raw_ids].sort() };
    const cur = current.get(m.fingerprint);
    if (!cur) {
      out.push({
        transition: 'opened',
        finding: {
          fingerprint: m.fingerprint,
          detection: m.detection.id,
          kind: m.detection.kind,
          severity,
          status: 'open',
          resolution: '',
          plane: row.plane,
          tenant: row.tenant,
          source: row.source,
          subject_kind: row.subject_kind,
          subject_id: row.subject_id,
          subject_email: row.subject_email,
          first_seen: now,
          last_seen: now,
          opened_at: now,
          resolved_at: null,
          acknowledged_at: null,
          acknowledged_by: '',
          reopen_count: 0,
          ...evidence,
          detail: { ...row.detail },
        },
      });
      continue;
    }
    if (cur.status === 'resolved') {
      out.push({
        transition: 'reopened',
        finding: {
          ...cur,
          severity,
          status: 'reopened',
          resolution: '',
          subject_email: row.subject_email,
          last_seen: now,
          opened_at: now,
          resolved_at: null,
          reopen_count: cur.reopen_count + 1,
          ...evidence,
          detail: { ...row.detail },
        },
      });
      continue;
    }
    // The detail is what the finding tells its reader (e.g. an exposure's match turning from none
    // to ambiguous): a change of it is material, except for keys that follow the clock alone
    // (idle_ms), which would otherwise update every open finding at every evaluation.
    const volatile = m.detection.volatileDetail ?? [];
    const material =
      cur.severity !== severity ||
      cur.subject_email !== row.subject_email ||
      !sameArray(cur.evidence_event_ids, evidence.evidence_event_ids) ||
      !sameArray(cur.evidence_raw_ids, evidence.evidence_raw_ids) ||
      materialDetail(cur.detail, volatile) !== materialDetail(row.detail, volatile);
    if (material) {
      out.push({
        transition: 'updated',
        finding: { ...cur, severity, subject_email: row.subject_email, last_seen: now, ...evidence, detail: { ...row.detail } },
      });
    }
  }
  for (const cur of current.values()) {
    if (seen.has(cur.fingerprint) || unchanged.has(cur.fingerprint) || !ranDetections.has(cur.detection) || cur.status === 'resolved')
      continue;
    if (cur.kind === 'incident' && cur.status === 'acknowledged') continue;
    const scope = scopes.get(cur.detection);
    if (scope && !scope.has(cur.subject_email)) continue;
    out.push({
      transition: 'resolved',
      finding: {
        ...cur,
        status: 'resolved',
        resolution: cur.kind === 'incident' ? 'retracted' : 'cleared',
        last_seen: previousNow ?? cur.last_seen,
        resolved_at: now,
      },
    });
  }
  return out.sort((a, b) => (a.finding.fingerprint < b.finding.fingerprint ? -1 : a.finding.fingerprint > b.finding.fingerprint ? 1 : 0));
}

/** An acknowledgement as a change (resolved findings cannot be acknowledged). */
export function acknowledge(cur: FindingState, by: string, now: number): FindingChange | null {
  if (cur.status === 'resolved' || cur.status === 'acknowledged') return null;
  return { transition: 'acknowledged', finding: { ...cur, status: 'acknowledged', acknowledged_at: now, acknowledged_by: by } };
}
