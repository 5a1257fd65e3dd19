// The findings store (migrations/0006_findings.sql): every version of every finding in
// pw_findings, made visible by its evaluation's pw_evaluations row. Reading the current findings
// (API, CLI, alerter, detector), committing a set of transitions atomically (the detector's
// evaluations, an acknowledgement) and the publication bookkeeping of the alerts they make.
import { randomUUID } from 'node:crypto';
import { collectEvery } from '../../core/collect-garbage.ts';
import type { ClickHouseClient } from '@clickhouse/client';
import { fromDateTime64, toDateTime64 } from '../../core/clickhouse/rows.ts';
import { acknowledge, type FindingChange, type FindingState } from './lifecycle.ts';

const FINDING_COLUMNS = `fingerprint, detection, kind, severity, status, resolution, plane, tenant, source, subject_kind, subject_id,
  subject_email, toString(first_seen) AS first_seen, toString(last_seen) AS last_seen, toString(opened_at) AS opened_at,
  if(resolved_at IS NULL, NULL, toString(resolved_at)) AS resolved_at, if(acknowledged_at IS NULL, NULL, toString(acknowledged_at)) AS acknowledged_at,
  acknowledged_by, reopen_count, evidence_event_ids, evidence_raw_ids, detail, version, evaluation_id, transition`;

interface FindingRow {
  fingerprint: string;
  detection: string;
  kind: string;
  severity: string;
  status: string;
  resolution: string;
  plane: string;
  tenant: string;
  source: string;
  subject_kind: string;
  subject_id: string;
  subject_email: string;
  first_seen: string;
  last_seen: string;
  opened_at: string;
  resolved_at: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string;
  reopen_count: number | string;
  evidence_event_ids: string[];
  evidence_raw_ids: string[];
  detail: Record<string, string>;
  version: string | number;
  evaluation_id: string;
  transition: string;
}

function rowToState(r: FindingRow): FindingState {
  return {
    fingerprint: r.fingerprint,
    detection: r.detection,
    kind: r.kind as FindingState['kind'],
    severity: r.severity as FindingState['severity'],
    status: r.status as FindingState['status'],
    resolution: r.resolution as FindingState['resolution'],
    plane: r.plane,
    tenant: r.tenant,
    source: r.source,
    subject_kind: r.subject_kind,
    subject_id: r.subject_id,
    subject_email: r.subject_email,
    first_seen: fromDateTime64(r.first_seen),
    last_seen: fromDateTime64(r.last_seen),
    opened_at: fromDateTime64(r.opened_at),
    resolved_at: r.resolved_at === null ? null : fromDateTime64(r.resolved_at),
    acknowledged_at: r.acknowledged_at === null ? null : fromDateTime64(r.acknowledged_at),
    acknowledged_by: r.acknowledged_by,
    reopen_count: Number(r.reopen_count),
    evidence_event_ids: r.evidence_event_ids,
    evidence_raw_ids: r.evidence_raw_ids,
    detail: r.detail,
  };
}

/**
 * Narrows readCurrentFindings. A fingerprint's detection and plane never change (both are part of
 * it), so those filters apply before the latest version is picked; `unresolved` after.
 */
export interface FindingsFilter {
  fingerprint?: string;
  fingerprints?: readonly string[];
  detection?: string;
  /** Detections whose id contains this text (e.g. 'CREDENTIAL'). */
  detectionContains?: string;
  plane?: string;
  /** Only findings whose latest version is not resolved. */
  unresolved?: boolean;
}

/**
 * The latest committed version of each finding (rows of an evaluation are visible once its
 * pw_evaluations row exists), as a subquery; `where` filters rows before the latest is picked.
 */
function latestCommitted(columns: string, where: readonly string[] = []): string {
  return `(SELECT ${columns} FROM pw_findings
           WHERE ${['evaluation_id IN (SELECT evaluation_id FROM pw_evaluations)', ...where].join(' AND ')}
           ORDER BY fingerprint, version DESC LIMIT 1 BY fingerprint)`;
}

/**
 * The committed latest version of every finding (or of those the filter selects: one fingerprint
 * reads one key range instead of every finding ever made).
 */
export async function readCurrentFindings(client: ClickHouseClient, filter: FindingsFilter = {}): Promise<Map<string, FindingState>> {
  const where: string[] = [];
  if (filter.fingerprint !== undefined) where.push('fingerprint = {fingerprint:String}');
  if (filter.fingerprints !== undefined) where.push('fingerprint IN {fingerprints:Array(String)}');
  if (filter.detection !== undefined) where.push('detection = {detection:String}');
  if (filter.detectionContains !== undefined) where.push('position(detection, {detection_contains:String}) > 0');
  if (filter.plane !== undefined) where.push('plane = {plane:String}');
  const rs = await client.query({
    query: `SELECT * FROM ${latestCommitted(FINDING_COLUMNS, where)} ${filter.unresolved ? "WHERE status != 'resolved'" : ''}`,
    query_params: Object.fromEntries(
      Object.entries({
        fingerprint: filter.fingerprint,
        fingerprints: filter.fingerprints,
        detection: filter.detection,
        detection_contains: filter.detectionContains,
        plane: filter.plane,
      }).filter(([, v]) => v !== undefined),
    ),
    format: 'JSONEachRow',
  });
  const out = new Map<string, FindingState>();
  for (const r of await rs.json<FindingRow>()) out.set(r.fingerprint, rowToState(r));
  return out;
}

/**
 * What the diff compares with: every finding whose latest committed version is not resolved, in
 * full, and the fingerprints of the resolved ones (read in full only when they match again, to be
 * reopened), so memory grows with the open findings, not with every finding ever made.
 */
export interface CurrentFindings {
  open: Map<string, FindingState>;
  resolved: Set<string>;
}

export async function readDiffState(client: ClickHouseClient): Promise<CurrentFindings> {
  const rs = await client.query({
    query: `SELECT fingerprint FROM ${latestCommitted('fingerprint, status')} WHERE status = 'resolved'`,
    format: 'JSONCompactEachRow',
  });
  const resolved = new Set((await rs.json<[string]>()).map((r) => r[0]));
  return { open: await readCurrentFindings(client, { unresolved: true }), resolved };
}

export async function lastEvaluation(client: ClickHouseClient): Promise<{ version: number; now: number | null; id: string }> {
  const rs = await client.query({
    query: `SELECT max(version) AS v, toString(maxIf(evaluated_now, kind = 'evaluation')) AS n, countIf(kind = 'evaluation') AS c,
                   argMax(evaluation_id, version) AS id FROM pw_evaluations FINAL`,
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ v: string; n: string; c: string; id: string }>();
  return { version: Number(r?.v ?? 0), now: r && Number(r.c) > 0 ? fromDateTime64(r.n) : null, id: r?.id ?? '' };
}

function findingToRow(c: FindingChange, evaluationId: string, version: number): Record<string, unknown> {
  const f = c.finding;
  const ts = (ms: number | null) => (ms === null ? null : toDateTime64(ms));
  return {
    fingerprint: f.fingerprint,
    version,
    evaluation_id: evaluationId,
    detection: f.detection,
    kind: f.kind,
    severity: f.severity,
    status: f.status,
    transition: c.transition,
    resolution: f.resolution,
    plane: f.plane,
    tenant: f.tenant,
    source: f.source,
    subject_kind: f.subject_kind,
    subject_id: f.subject_id,
    subject_email: f.subject_email,
    first_seen: ts(f.first_seen),
    last_seen: ts(f.last_seen),
    opened_at: ts(f.opened_at),
    resolved_at: ts(f.resolved_at),
    acknowledged_at: ts(f.acknowledged_at),
    acknowledged_by: f.acknowledged_by,
    reopen_count: f.reopen_count,
    evidence_event_ids: f.evidence_event_ids,
    evidence_raw_ids: f.evidence_raw_ids,
    detail: f.detail,
  };
}

/**
 * Finding rows per insert. Readers see an evaluation's rows only once its pw_evaluations row
 * exists, so several inserts commit as one; bounded inserts keep the serialised rows small (the
 * embedded client materialises an insert's whole body as one string: a first evaluation opening
 * 194 k findings made ~150 MB of it, several copies at once).
 */
export const FINDINGS_PER_INSERT = 10_000;

/**
 * Writes a set of changes as one unit: the finding rows (in inserts of FINDINGS_PER_INSERT, each
 * with its own deduplication token), then the evaluation row that commits them. A crash before the
 * last insert leaves the rows invisible to readers.
 */
export async function commit(
  client: ClickHouseClient,
  kind: 'evaluation' | 'ack',
  evaluationId: string,
  version: number,
  changes: readonly FindingChange[],
  meta: { now: number; started: number; finished: number; detections: number; matches: number; errors: string[] },
): Promise<void> {
  const collect = collectEvery();
  for (let at = 0; at < changes.length; at += FINDINGS_PER_INSERT) {
    const values = changes.slice(at, at + FINDINGS_PER_INSERT).map((c) => findingToRow(c, evaluationId, version));
    await client.insert({
      table: 'pw_findings',
      format: 'JSONEachRow',
      values,
      clickhouse_settings: { insert_deduplication_token: `findings:${evaluationId}:${at}` },
    });
    collect(values.length);
  }
  await client.insert({
    table: 'pw_evaluations',
    format: 'JSONEachRow',
    values: [
      {
        evaluation_id: evaluationId,
        version,
        kind,
        evaluated_now: toDateTime64(meta.now),
        started_at: toDateTime64(meta.started),
        finished_at: toDateTime64(meta.finished),
        detections: meta.detections,
        matches: meta.matches,
        transitions: changes.length,
        published: changes.length ? 0 : 1,
        errors: meta.errors,
      },
    ],
  });
}

/** Acknowledges an open finding (incidents stay acknowledged; state findings until they clear). */
export async function acknowledgeFinding(
  client: ClickHouseClient,
  fingerprint: string,
  by: string,
  now: number,
): Promise<FindingChange | null> {
  const cur = (await readCurrentFindings(client, { fingerprint })).get(fingerprint);
  if (!cur) throw new Error(`no finding with fingerprint ${fingerprint}`);
  const change = acknowledge(cur, by, now);
  if (!change) return null;
  const last = await lastEvaluation(client);
  const id = `ack-${randomUUID()}`;
  await commit(client, 'ack', id, last.version + 1, [change], { now, started: now, finished: now, detections: 0, matches: 0, errors: [] });
  return change;
}

/** Committed evaluations whose transitions were not yet published to planewatch.alerts.v1. */
export async function unpublishedEvaluations(client: ClickHouseClient): Promise<{ evaluationId: string; changes: FindingChange[] }[]> {
  const rs = await client.query({
    query: `SELECT evaluation_id FROM pw_evaluations FINAL WHERE published = 0 ORDER BY version`,
    format: 'JSONEachRow',
  });
  const out: { evaluationId: string; changes: FindingChange[] }[] = [];
  for (const { evaluation_id } of await rs.json<{ evaluation_id: string }>()) {
    const fr = await client.query({
      query: `SELECT ${FINDING_COLUMNS} FROM pw_findings WHERE evaluation_id = {id:String} ORDER BY fingerprint LIMIT 1 BY fingerprint`,
      query_params: { id: evaluation_id },
      format: 'JSONEachRow',
    });
    out.push({
      evaluationId: evaluation_id,
      changes: (await fr.json<FindingRow>()).map((r) => ({
        transition: r.transition as FindingChange['transition'],
        finding: rowToState(r),
      })),
    });
  }
  return out;
}

/** Marks an evaluation's transitions as published (a newer pw_evaluations row replaces the old). */
export async function markPublished(client: ClickHouseClient, evaluationId: string): Promise<void> {
  await client.command({
    query: `INSERT INTO pw_evaluations (evaluation_id, version, kind, evaluated_now, started_at, finished_at, detections, matches, transitions, published, errors)
            SELECT evaluation_id, version, kind, evaluated_now, started_at, finished_at, detections, matches, transitions, 1, errors
            FROM pw_evaluations FINAL WHERE evaluation_id = {id:String}`,
    query_params: { id: evaluationId },
  });
}
