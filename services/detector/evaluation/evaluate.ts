// The evaluation: brings the snapshot up to date, then plan → run → merge → diff → commit
// (docs/DETECTIONS.md "Evaluation"). What one evaluation learns for the next (the findings it
// committed, which detections may be reused, which SQL validated) lives in the EvaluationCache
// its caller owns: the detector keeps one for its lifetime.
import { randomUUID } from 'node:crypto';
import { COLLECT_EVERY, collectGarbage } from '../../../core/collect-garbage.ts';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { BoundaryMap } from '../../../core/config/boundary-map.ts';
import { toDateTime64 } from '../../../core/clickhouse/rows.ts';
import type { Detection } from '../../../store/detections/metadata.ts';
import { detectionParams, type DefaultPlaneOf } from '../../../store/detections/params.ts';
import { lastEvaluation } from '../../../store/findings/findings-store.ts';
import type { FindingChange } from '../../../store/findings/lifecycle.ts';
import { refreshSnapshot, type SnapshotInfo } from '../../../store/read-models/snapshot.ts';
import { EvaluationCache } from './cache.ts';
import { commitStage, matchCounts } from './commit.ts';
import { currentFindings, diffStage } from './diff.ts';
import { mergeCompact } from './merge.ts';
import { COMPACT_MIN_OPEN, planEvaluation } from './plan.ts';
import { EVALUATION_SETTINGS } from './run-detection.ts';
import { runPlan, type EngineLogger, type RunContext } from './run.ts';

export interface EvaluateOptions {
  detections: readonly Detection[];
  map: BoundaryMap;
  /** The evaluation's clock (epoch ms): detections compare against it, never against the wall clock. */
  now: number;
  defaultPlaneOf: DefaultPlaneOf;
  /** What the previous evaluations of this caller left (default: a new one, so nothing is reused). */
  cache?: EvaluationCache;
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
  /**
   * Runs right before the evaluation's first write (connection registry, snapshot refresh) and
   * right before the commit stage; throwing ends the evaluation there (at the commit: nothing is
   * committed). The detector fences its lease here, so a process that lost it never commits.
   */
  fence?: (before: 'first write' | 'commit') => Promise<void>;
}

export interface EvaluationResult {
  evaluationId: string;
  version: number;
  now: number;
  matches: number;
  /**
   * Detections not re-run because nothing they read changed since the previous evaluation and they
   * do not read the clock (their findings stand as committed; see reuse.ts).
   */
  reused: string[];
  /**
   * Person-scoped detections run for the people the batch may have changed only (pw_eval_scope),
   * their other people's findings standing as committed (see DetectionMeta.scope).
   */
  scoped: string[];
  /**
   * Credential-scoped detections run for the touched credentials and those the clock changed since
   * the previous evaluation only, the other credentials' findings standing as committed.
   */
  credentialScoped: string[];
  changes: FindingChange[];
  /** Detections whose query failed (their findings are left untouched). */
  errors: { detection: string; message: string }[];
  /** How the snapshot was refreshed, and milliseconds spent per phase / detection. */
  snapshot: SnapshotInfo;
  timings: Record<string, number>;
}

/** Records when each configured connection was first seen (for never-delivering sources). */
async function registerConnections(client: ClickHouseClient, map: BoundaryMap, now: number): Promise<void> {
  const rows = map.connections.filter((c) => c.enabled).map((c) => ({ connection_id: c.id, first_configured: toDateTime64(now) }));
  if (rows.length) await client.insert({ table: 'pw_connection_registry', format: 'JSONEachRow', values: rows });
}

/** Runs every detection once at `now` and commits the resulting finding transitions. */
export async function evaluate(client: ClickHouseClient, opts: EvaluateOptions): Promise<EvaluationResult> {
  const wall = opts.wallClock ?? Date.now;
  const started = wall();
  const evaluationId = `eval-${toDateTime64(started).replace(/[^0-9]/g, '')}-${randomUUID().slice(0, 8)}`;
  const cache = opts.cache ?? new EvaluationCache();
  const settings = opts.settings ?? EVALUATION_SETTINGS;
  const ctx: RunContext = {
    client,
    params: detectionParams(opts.map, opts.now, opts.defaultPlaneOf),
    settings,
    cache,
    timings: {},
    log: opts.log,
  };
  await opts.fence?.('first write');
  await registerConnections(client, opts.map, opts.now);
  const before = await lastEvaluation(client);
  const snapshot = await refreshSnapshot(client, ctx.params, { mode: opts.snapshot ?? 'auto', settings });
  ctx.timings.snapshot = snapshot.ms;

  const plan = planEvaluation(opts.detections, ctx.params, snapshot, before.id, cache, opts.compactMinOpen ?? COMPACT_MIN_OPEN);
  const out = await runPlan(ctx, plan);
  const tDiff = performance.now();
  const base = await currentFindings(client, cache);
  const merged = await mergeCompact(ctx, out, opts.detections, base.findings.open);
  const changes = await diffStage(client, out, merged, base, opts.now);
  ctx.timings.diff = performance.now() - tDiff - merged.ms;
  const counts = matchCounts(out, merged);
  // The rows are not needed past the diff (findings copy what they keep): let them go before the
  // commit, and after a large read collect them (collect-garbage.ts).
  const rowsRead = out.matches.length;
  out.matches.length = 0;
  if (rowsRead >= COLLECT_EVERY) collectGarbage();
  const version = base.version + 1;
  await opts.fence?.('commit');
  const matches = await commitStage(client, cache, out, counts, {
    evaluationId,
    version,
    now: opts.now,
    started,
    finished: wall,
    snapshotMs: snapshot.watermarkMs,
    changes,
    findings: base.findings,
    keys: plan.keys,
  });
  opts.log?.info(
    {
      evaluationId,
      now: toDateTime64(opts.now),
      matches,
      transitions: changes.length,
      errors: out.errors.length,
      snapshot: snapshot.mode,
      touched: snapshot.touched,
      reused: out.reused.size,
      scoped: out.scopes.size,
      credentialScoped: out.touchedCredentials.size,
      ...(snapshot.spilled.length ? { snapshotSpilled: snapshot.spilled } : {}),
    },
    'detections evaluated',
  );
  return {
    evaluationId,
    version,
    now: opts.now,
    matches,
    reused: [...out.reused.keys()],
    scoped: [...out.scopes.keys()],
    credentialScoped: [...out.touchedCredentials.keys()],
    changes,
    errors: out.errors,
    snapshot,
    timings: ctx.timings,
  };
}
