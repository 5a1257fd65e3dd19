// Reading findings for the CLI and the API: the JSON shape DESIGN.md defines (detection,
// fingerprint, status, severity, plane, subject{kind,id,email}, first_seen, last_seen,
// evidence{event_ids, raw_ids}) plus what else a finding knows.
import type { ClickHouseClient } from '@clickhouse/client';
import { fromDateTime64 } from '../../core/clickhouse/rows.ts';
import { readCurrentFindings } from './findings-store.ts';
import type { FindingState } from './lifecycle.ts';
import type { FindingJson, FindingsQuery } from './findings-query.ts';

export { FindingsQuery, type FindingJson } from './findings-query.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A finding as JSON. An open finding's last_seen is the latest evaluation's time (it was seen
 * again by every evaluation since it was opened); a resolved one keeps the last evaluation that
 * still saw it.
 */
export function findingJson(f: FindingState, latestEvaluation: number | null): FindingJson {
  const live = f.status !== 'resolved';
  return {
    detection: f.detection,
    fingerprint: f.fingerprint,
    status: f.status,
    severity: f.severity,
    kind: f.kind,
    plane: f.plane,
    tenant: f.tenant || null,
    source: f.source || null,
    subject: { kind: f.subject_kind, id: f.subject_id, email: f.subject_email || null },
    first_seen: iso(f.first_seen),
    last_seen: iso(live && latestEvaluation !== null ? Math.max(latestEvaluation, f.last_seen) : f.last_seen),
    opened_at: iso(f.opened_at),
    resolved_at: f.resolved_at === null ? null : iso(f.resolved_at),
    resolution: f.resolution || null,
    acknowledged_at: f.acknowledged_at === null ? null : iso(f.acknowledged_at),
    acknowledged_by: f.acknowledged_by || null,
    reopen_count: f.reopen_count,
    evidence: { event_ids: f.evidence_event_ids, raw_ids: f.evidence_raw_ids },
    detail: f.detail,
  };
}

export async function latestEvaluationTime(client: ClickHouseClient): Promise<number | null> {
  const rs = await client.query({
    query: `SELECT toString(max(evaluated_now)) AS n, count() AS c FROM pw_evaluations FINAL WHERE kind = 'evaluation'`,
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ n: string; c: string }>();
  return r && Number(r.c) > 0 ? fromDateTime64(r.n) : null;
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

export async function listFindings(client: ClickHouseClient, q: FindingsQuery): Promise<FindingJson[]> {
  const [current, latest] = await Promise.all([
    readCurrentFindings(client, { detection: q.detection, plane: q.plane, unresolved: q.status !== 'all' && q.status !== 'resolved' }),
    latestEvaluationTime(client),
  ]);
  return [...current.values()]
    .filter((f) => q.status === 'all' || f.status === q.status || (q.status === 'open' && f.status === 'reopened'))
    .sort(
      (a, b) =>
        SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
        a.detection.localeCompare(b.detection) ||
        a.subject_id.localeCompare(b.subject_id) ||
        a.fingerprint.localeCompare(b.fingerprint),
    )
    .map((f) => findingJson(f, latest));
}
