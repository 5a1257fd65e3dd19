// The evaluation engine: runs every detection's SQL against the derived state with the standard
// parameters, turns rows into findings (stable fingerprints), diffs them with the current
// findings and writes one evaluation's transitions atomically (see migrations/0006_findings.sql:
// one insert tagged with the evaluation id, then the pw_evaluations row that makes it visible).
import { createHash, randomUUID } from 'node:crypto';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { fromDateTime64, toDateTime64 } from '../../core/clickhouse/rows.ts';
import { asDetectionRow, DetectionRowSchema, type Detection, type DetectionRow } from './metadata.ts';
import { detectionParams, paramsUsed, PARAM_TYPES, type DefaultPlaneOf, type DetectionParams } from './params.ts';
import { acknowledge, diffFindings, fingerprintOf, type FindingChange, type FindingState, type Match } from '../findings/lifecycle.ts';
import { refreshSnapshot, type SnapshotInfo } from '../read-models/snapshot.ts';
import { badCompactColumn, changedRowsQuery, compactQuery, unchangedRows, type CompactRow } from './unchanged.ts';

/**
 * Memory bounds for every evaluation query (chDB runs inside the process, so its memory is the
 * process's): a per-query limit; GROUP BY and ORDER BY spill to disk at half of it (explicitly:
 * ClickHouse's default ratio did not stop the snapshot build's aggregation from hitting the limit
 * at 10 M events); joins above 256 MiB switch to a spilling algorithm.
 */
export const EVALUATION_SETTINGS: ClickHouseSettings = {
  max_memory_usage: String(768 * 1024 ** 2),
  max_bytes_before_external_group_by: String(384 * 1024 ** 2),
  max_bytes_before_external_sort: String(384 * 1024 ** 2),
  max_bytes_in_join: String(256 * 1024 ** 2),
  join_algorithm: 'auto',
};

export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export class DetectionError extends Error {
  constructor(readonly detection: string, message: string, options?: { cause?: unknown }) {
    super(`${detection}: ${message}`, options);
    this.name = 'DetectionError';
  }
}

/**
 * Runs one detection and validates its rows against the common shape; with `only`, just the rows
 * of those fingerprints (unchanged.ts).
 */
export async function runDetection(client: ClickHouseClient, d: Detection, params: DetectionParams, settings?: ClickHouseSettings,
  only?: readonly string[]): Promise<DetectionRow[]> {
  const raw = await queryDetection(client, d, only ? changedRowsQuery(d.sql) : d.sql,
    only ? { ...params, pw_detection: d.id, pw_fingerprints: only } : params, settings);
  const rows = raw.map((r, i) => {
    const fast = asDetectionRow(r);
    if (fast) return fast;
    const parsed = DetectionRowSchema.safeParse(r);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new DetectionError(d.id, `row ${i}: column ${issue.path.join('.') || '?'}: ${issue.message} (columns: subject_kind, subject_id, subject_email, plane, tenant, source, key, severity, event_ids, raw_ids, detail)`);
    }
    return parsed.data;
  });
  if (rows.length) validatedSql.add(d.sql);
  return rows;
}

/** Runs a detection's query (its SQL, or a wrapper of it) after checking the parameters its SQL uses. */
async function queryDetection(client: ClickHouseClient, d: Detection, query: string, params: Record<string, unknown>,
  settings?: ClickHouseSettings): Promise<Record<string, unknown>[]> {
  const unknown = paramsUsed(d.sql).filter((p) => !(p in PARAM_TYPES));
  if (unknown.length) throw new DetectionError(d.id, `uses unknown parameter(s) ${unknown.join(', ')}; available: ${Object.keys(PARAM_TYPES).join(', ')}`);
  try {
    const rs = await client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: settings });
    return await rs.json<Record<string, unknown>>();
  } catch (err) {
    throw new DetectionError(d.id, `query failed: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Detection SQL whose full rows passed validation in this process: its output columns have the
 * right types (a query's types do not vary between runs), so its compact rows can stand for rows.
 */
const validatedSql = new Set<string>();

/**
 * A detection with at least this many open findings, not person-scoped, is run compactly once its
 * SQL is validated (unchanged.ts). Below it the full rows cost little, and a compact run followed
 * by reading the changed rows runs the query twice.
 */
export const COMPACT_MIN_OPEN = 2_000;

/** Runs a detection compactly: per row its fingerprint and what the diff compares. */
async function runCompact(client: ClickHouseClient, d: Detection, params: DetectionParams, settings?: ClickHouseSettings): Promise<CompactRow[]> {
  const raw = await queryDetection(client, d, compactQuery(d.sql), { ...params, pw_detection: d.id }, settings);
  for (const [i, r] of raw.entries()) {
    const bad = badCompactColumn(r);
    if (bad) throw new DetectionError(d.id, `row ${i}: column ${bad}: expected ${bad === 'event_ids' || bad === 'raw_ids' ? 'an array of strings' : 'a string'}`);
  }
  return raw as unknown as CompactRow[];
}

export interface EvaluateOptions {
  detections: readonly Detection[];
  map: BoundaryMap;
  /** The evaluation's clock (epoch ms): detections compare against it, never against the wall clock. */
  now: number;
  defaultPlaneOf: DefaultPlaneOf;
  log?: EngineLogger;
  /** Wall clock for bookkeeping only (started/finished); default Date.now. */
  wallClock?: () => number;
  /**
   * 'auto' (default): recompute only what inserts touched since the last snapshot (a full rebuild
   * when most keys were touched); 'full': rebuild it; 'incremental': recompute touched keys only
   * whenever the previous snapshot is valid.
   */
  snapshot?: 'auto' | 'full' | 'incremental';
  /** Settings for every evaluation query; default EVALUATION_SETTINGS. */
  settings?: ClickHouseSettings;
  /** Open findings from which a detection is run compactly; default COMPACT_MIN_OPEN (Infinity: never; the benchmark's baseline). */
  compactMinOpen?: number;
}

export interface EvaluationResult {
  evaluationId: string;
  version: number;
  now: number;
  matches: number;
  /**
   * Detections not re-run because nothing they read changed since the previous evaluation and they
   * do not read the clock (their findings stand as committed; see `reusable`).
   */
  reused: string[];
  /**
   * Person-scoped detections run for the people the batch may have changed only (pw_eval_scope),
   * their other people's findings standing as committed (see DetectionMeta.scope).
   */
  scoped: string[];
  changes: FindingChange[];
  /** Detections whose query failed (their findings are left untouched). */
  errors: { detection: string; message: string }[];
  /** How the snapshot was refreshed, and milliseconds spent per phase / detection. */
  snapshot: SnapshotInfo;
  timings: Record<string, number>;
}

const FINDING_COLUMNS = `fingerprint, detection, kind, severity, status, resolution, plane, tenant, source, subject_kind, subject_id,
  subject_email, toString(first_seen) AS first_seen, toString(last_seen) AS last_seen, toString(opened_at) AS opened_at,
  if(resolved_at IS NULL, NULL, toString(resolved_at)) AS resolved_at, if(acknowledged_at IS NULL, NULL, toString(acknowledged_at)) AS acknowledged_at,
  acknowledged_by, reopen_count, evidence_event_ids, evidence_raw_ids, detail, version, evaluation_id, transition`;

interface FindingRow {
  fingerprint: string; detection: string; kind: string; severity: string; status: string; resolution: string; plane: string; tenant: string;
  source: string; subject_kind: string; subject_id: string; subject_email: string; first_seen: string; last_seen: string; opened_at: string;
  resolved_at: string | null; acknowledged_at: string | null; acknowledged_by: string; reopen_count: number | string;
  evidence_event_ids: string[]; evidence_raw_ids: string[]; detail: Record<string, string>; version: string | number; evaluation_id: string;
  transition: string;
}

function rowToState(r: FindingRow): FindingState {
  return {
    fingerprint: r.fingerprint, detection: r.detection, kind: r.kind as FindingState['kind'], severity: r.severity as FindingState['severity'],
    status: r.status as FindingState['status'], resolution: r.resolution as FindingState['resolution'], plane: r.plane, tenant: r.tenant,
    source: r.source, subject_kind: r.subject_kind, subject_id: r.subject_id, subject_email: r.subject_email,
    first_seen: fromDateTime64(r.first_seen), last_seen: fromDateTime64(r.last_seen), opened_at: fromDateTime64(r.opened_at),
    resolved_at: r.resolved_at === null ? null : fromDateTime64(r.resolved_at),
    acknowledged_at: r.acknowledged_at === null ? null : fromDateTime64(r.acknowledged_at),
    acknowledged_by: r.acknowledged_by, reopen_count: Number(r.reopen_count), evidence_event_ids: r.evidence_event_ids,
    evidence_raw_ids: r.evidence_raw_ids, detail: r.detail,
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
    query_params: Object.fromEntries(Object.entries({
      fingerprint: filter.fingerprint, fingerprints: filter.fingerprints, detection: filter.detection, detection_contains: filter.detectionContains, plane: filter.plane,
    }).filter(([, v]) => v !== undefined)),
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
interface CurrentFindings { open: Map<string, FindingState>; resolved: Set<string> }

async function readDiffState(client: ClickHouseClient): Promise<CurrentFindings> {
  const rs = await client.query({
    query: `SELECT fingerprint FROM ${latestCommitted('fingerprint, status')} WHERE status = 'resolved'`,
    format: 'JSONCompactEachRow',
  });
  const resolved = new Set((await rs.json<[string]>()).map((r) => r[0]));
  return { open: await readCurrentFindings(client, { unresolved: true }), resolved };
}

async function lastEvaluation(client: ClickHouseClient): Promise<{ version: number; now: number | null; id: string }> {
  const rs = await client.query({
    query: `SELECT max(version) AS v, toString(maxIf(evaluated_now, kind = 'evaluation')) AS n, countIf(kind = 'evaluation') AS c,
                   argMax(evaluation_id, version) AS id FROM pw_evaluations FINAL`,
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ v: string; n: string; c: string; id: string }>();
  return { version: Number(r?.v ?? 0), now: r && Number(r.c) > 0 ? fromDateTime64(r.n) : null, id: r?.id ?? '' };
}

/**
 * Tables every change of which comes from an identity_events insert (materialized views) or from a
 * snapshot refresh: an insert always leaves pw_touched rows (every event has a subject id), so an
 * incremental snapshot refresh that found nothing touched proves none of them changed.
 */
const EVENT_FED_TABLES = /^(pw_eval_[a-z_]+|pw_activity_days|pw_nhi_actions|pw_credential_use|identity_events)$/;

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

/** What a detection's rows depend on besides the tables: its SQL, kind, severity and the parameter values it uses. */
function detectionKey(d: Detection, params: DetectionParams): string {
  const used = paramsUsed(d.sql).sort().map((k) => [k, params[k]]);
  return createHash('sha256').update(JSON.stringify([d.sql, d.kind, d.severity, used])).digest('hex');
}

/**
 * Per ClickHouse client: the last evaluation this process committed, the findings as committed by it
 * (CurrentFindings), and per reusable detection that ran cleanly in it, its key and match count. Valid only while that evaluation is still the latest committed version (an
 * acknowledgement or another writer in between invalidates it: the findings are then read again).
 */
const lastRun = new WeakMap<ClickHouseClient, {
  evaluationId: string;
  /** Watermark of the snapshot that evaluation used (a refresh outside evaluations in between moves it). */
  snapshotMs: number;
  findings: CurrentFindings;
  detections: Map<string, DetectionRun>;
}>();

/** A reusable detection's last clean run: its key, match count and, if person-scoped, the count per person. */
interface DetectionRun { key: string; matches: number; byPerson?: Map<string, number> }

function findingToRow(c: FindingChange, evaluationId: string, version: number): Record<string, unknown> {
  const f = c.finding;
  const ts = (ms: number | null) => (ms === null ? null : toDateTime64(ms));
  return {
    fingerprint: f.fingerprint, version, evaluation_id: evaluationId, detection: f.detection, kind: f.kind, severity: f.severity,
    status: f.status, transition: c.transition, resolution: f.resolution, plane: f.plane, tenant: f.tenant, source: f.source,
    subject_kind: f.subject_kind, subject_id: f.subject_id, subject_email: f.subject_email, first_seen: ts(f.first_seen),
    last_seen: ts(f.last_seen), opened_at: ts(f.opened_at), resolved_at: ts(f.resolved_at), acknowledged_at: ts(f.acknowledged_at),
    acknowledged_by: f.acknowledged_by, reopen_count: f.reopen_count, evidence_event_ids: f.evidence_event_ids,
    evidence_raw_ids: f.evidence_raw_ids, detail: f.detail,
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
async function commit(
  client: ClickHouseClient,
  kind: 'evaluation' | 'ack',
  evaluationId: string,
  version: number,
  changes: readonly FindingChange[],
  meta: { now: number; started: number; finished: number; detections: number; matches: number; errors: string[] },
): Promise<void> {
  for (let at = 0; at < changes.length; at += FINDINGS_PER_INSERT) {
    await client.insert({
      table: 'pw_findings',
      format: 'JSONEachRow',
      values: changes.slice(at, at + FINDINGS_PER_INSERT).map((c) => findingToRow(c, evaluationId, version)),
      clickhouse_settings: { insert_deduplication_token: `findings:${evaluationId}:${at}` },
    });
  }
  await client.insert({
    table: 'pw_evaluations',
    format: 'JSONEachRow',
    values: [{
      evaluation_id: evaluationId, version, kind, evaluated_now: toDateTime64(meta.now), started_at: toDateTime64(meta.started),
      finished_at: toDateTime64(meta.finished), detections: meta.detections, matches: meta.matches, transitions: changes.length,
      published: changes.length ? 0 : 1, errors: meta.errors,
    }],
  });
}

/** Records when each configured connection was first seen (for never-delivering sources). */
async function registerConnections(client: ClickHouseClient, map: BoundaryMap, now: number): Promise<void> {
  const rows = map.connections.filter((c) => c.enabled).map((c) => ({ connection_id: c.id, first_configured: toDateTime64(now) }));
  if (rows.length) await client.insert({ table: 'pw_connection_registry', format: 'JSONEachRow', values: rows });
}

/** The people the last incremental snapshot refresh may have changed (snapshot.ts SCOPE_SQL). */
async function readScope(client: ClickHouseClient): Promise<Set<string>> {
  const rs = await client.query({ query: 'SELECT DISTINCT person FROM pw_eval_scope', format: 'JSONEachRow' });
  return new Set((await rs.json<{ person: string }>()).map((r) => r.person));
}

const asMatch = (d: Detection, row: DetectionRow): Match => ({ detection: { id: d.id, kind: d.kind, severity: d.severity }, row, fingerprint: fingerprintOf(d.id, row) });

/** Runs every detection once at `now` and commits the resulting finding transitions. */
export async function evaluate(client: ClickHouseClient, opts: EvaluateOptions): Promise<EvaluationResult> {
  const wall = opts.wallClock ?? Date.now;
  const started = wall();
  const evaluationId = `eval-${toDateTime64(started).replace(/[^0-9]/g, '')}-${randomUUID().slice(0, 8)}`;
  const settings = opts.settings ?? EVALUATION_SETTINGS;
  const timings: Record<string, number> = {};
  await registerConnections(client, opts.map, opts.now);
  const params = detectionParams(opts.map, opts.now, opts.defaultPlaneOf);
  const before = await lastEvaluation(client);
  const snapshot = await refreshSnapshot(client, params, { mode: opts.snapshot ?? 'auto', settings });
  timings.snapshot = snapshot.ms;
  // Nothing inserted since the previous evaluation (an incremental refresh with no key touched):
  // a detection that does not read the clock would return the same rows, which the diff would turn
  // into no transition; it is skipped and its findings stand as committed.
  const prev = lastRun.get(client);
  // This snapshot was refreshed incrementally from the one this process's previous evaluation used,
  // and that evaluation is still the latest committed version: what a clock-independent detection
  // returned then still holds for every key (and person) the refresh did not touch.
  const continues = snapshot.mode === 'incremental' && prev !== undefined && prev.evaluationId === before.id
    && snapshot.previousWatermarkMs === prev.snapshotMs;
  const unchanged = continues && snapshot.touched === 0;
  const keys = new Map(opts.detections.map((d) => [d.id, reusable(d.sql) ? detectionKey(d, params) : '']));
  const reused = new Map<string, DetectionRun>();
  const scopes = new Map<string, ReadonlySet<string>>();
  const byPerson = new Map<string, Map<string, number>>();
  let scopePeople: Set<string> | undefined;
  // Open findings per detection as this process's previous evaluation left them: which detections
  // are run compactly (unchanged.ts).
  const open = new Map<string, number>();
  if (prev) for (const f of prev.findings.open.values()) if (f.status !== 'resolved') open.set(f.detection, (open.get(f.detection) ?? 0) + 1);
  const compact = new Map<string, CompactRow[]>();
  const matches: Match[] = [];
  const ran = new Set<string>();
  const errors: { detection: string; message: string }[] = [];
  for (const d of opts.detections) {
    const cached = continues ? prev!.detections.get(d.id) : undefined;
    const sameQuery = cached !== undefined && cached.key === keys.get(d.id);
    if (unchanged && sameQuery) {
      reused.set(d.id, cached!);
      continue;
    }
    const scoped = sameQuery && d.scope === 'person' && cached!.byPerson !== undefined;
    const t0 = performance.now();
    try {
      if (d.scope !== 'person' && validatedSql.has(d.sql) && (open.get(d.id) ?? 0) >= (opts.compactMinOpen ?? COMPACT_MIN_OPEN)) {
        compact.set(d.id, await runCompact(client, d, params, settings));
        timings[d.id] = performance.now() - t0;
        ran.add(d.id);
        continue;
      }
      if (scoped) scopePeople ??= await readScope(client);
      const rows = await runDetection(client, d, scoped ? { ...params, scoped: 1 } : params, settings);
      timings[d.id] = performance.now() - t0;
      if (d.scope === 'person') {
        const counts = new Map(scoped ? cached!.byPerson : []);
        if (scoped) for (const p of scopePeople!) counts.delete(p);
        for (const [i, row] of rows.entries()) {
          if (scoped && !scopePeople!.has(row.subject_email)) {
            throw new DetectionError(d.id, `row ${i}: subject_email "${row.subject_email}" is not in pw_eval_scope, but the detection is person-scoped (scope: person) and ran with {scoped:UInt8} = 1`);
          }
          counts.set(row.subject_email, (counts.get(row.subject_email) ?? 0) + 1);
        }
        byPerson.set(d.id, counts);
        if (scoped) scopes.set(d.id, scopePeople!);
      }
      for (const row of rows) matches.push(asMatch(d, row));
      ran.add(d.id);
    } catch (err) {
      errors.push({ detection: d.id, message: (err as Error).message });
      opts.log?.warn({ detection: d.id, err: (err as Error).message }, 'detection failed; its findings are left as they were');
    }
  }
  const tDiff = performance.now();
  // The current findings: as this process's previous evaluation left them when that is still the
  // latest committed version, else read.
  const last = await lastEvaluation(client);
  const base = prev && prev.evaluationId === last.id ? prev.findings : await readDiffState(client);
  const current = base.open;
  // Compact runs: the rows that would make a transition, read in full (all of them when most did).
  const sameAsCommitted = new Set<string>();
  const compactCounts = new Map<string, number>();
  const tCompact = performance.now();
  for (const [id, rows] of compact) {
    const d = opts.detections.find((x) => x.id === id)!;
    const t0 = performance.now();
    const split = unchangedRows(d.severity, rows, current);
    try {
      const full = split.changed.length === 0 ? []
        : await runDetection(client, d, params, settings, split.changed.length * 2 > rows.length ? undefined : split.changed);
      for (const row of full) matches.push(asMatch(d, row));
      for (const fp of split.unchanged) sameAsCommitted.add(fp);
      compactCounts.set(id, rows.length);
    } catch (err) {
      ran.delete(id);
      errors.push({ detection: id, message: (err as Error).message });
      opts.log?.warn({ detection: id, err: (err as Error).message }, 'detection failed; its findings are left as they were');
    }
    timings[id] = (timings[id] ?? 0) + performance.now() - t0;
  }
  compact.clear();
  const compactMs = performance.now() - tCompact; // counted in each detection's time, not the diff's
  // Resolved findings matched again: their committed state, to be reopened (first seen, reopen count).
  const again = [...new Set(matches.filter((m) => base.resolved.has(m.fingerprint)).map((m) => m.fingerprint))];
  if (again.length) for (const [fp, f] of await readCurrentFindings(client, { fingerprints: again })) current.set(fp, f);
  const changes = diffFindings(current, matches, ran, opts.now, last.now, scopes, sameAsCommitted);
  const version = last.version + 1;
  timings.diff = performance.now() - tDiff - compactMs;
  const counts = new Map<string, number>();
  for (const m of matches) counts.set(m.detection.id, (counts.get(m.detection.id) ?? 0) + 1);
  // The rows are not needed past the diff (findings copy what they keep): let them go before the commit.
  matches.length = 0;
  const perDetection = new Map(reused);
  for (const [id, perPerson] of byPerson) counts.set(id, [...perPerson.values()].reduce((n, c) => n + c, 0));
  for (const [id, n] of compactCounts) counts.set(id, n);
  for (const id of ran) {
    const key = keys.get(id);
    if (key) perDetection.set(id, { key, matches: counts.get(id) ?? 0, ...(byPerson.has(id) ? { byPerson: byPerson.get(id)! } : {}) });
  }
  const totalMatches = [...ran].reduce((n, id) => n + (counts.get(id) ?? 0), 0) + [...reused.values()].reduce((n, r) => n + r.matches, 0);
  await commit(client, 'evaluation', evaluationId, version, changes, {
    now: opts.now, started, finished: wall(), detections: ran.size + reused.size, matches: totalMatches, errors: errors.map((e) => e.message),
  });
  // The findings as committed now (the map is this process's own: updated in place).
  for (const c of changes) {
    const fp = c.finding.fingerprint;
    if (c.finding.status === 'resolved') {
      current.delete(fp);
      base.resolved.add(fp);
    } else {
      current.set(fp, c.finding);
      base.resolved.delete(fp);
    }
  }
  lastRun.set(client, { evaluationId, snapshotMs: snapshot.watermarkMs, findings: base, detections: perDetection });
  opts.log?.info({ evaluationId, now: toDateTime64(opts.now), matches: totalMatches, transitions: changes.length, errors: errors.length, snapshot: snapshot.mode, touched: snapshot.touched, reused: reused.size, scoped: scopes.size, ...(snapshot.spilled.length ? { snapshotSpilled: snapshot.spilled } : {}) }, 'detections evaluated');
  return { evaluationId, version, now: opts.now, matches: totalMatches, reused: [...reused.keys()], scoped: [...scopes.keys()], changes, errors, snapshot, timings };
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
    out.push({ evaluationId: evaluation_id, changes: (await fr.json<FindingRow>()).map((r) => ({ transition: r.transition as FindingChange['transition'], finding: rowToState(r) })) });
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
