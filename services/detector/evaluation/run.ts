// Stage 2, run: executes the plan's queries. Full and scoped runs give rows (matches); compact
// runs give fingerprints, merged into matches once the current findings are known (merge.ts).
// A detection whose query fails is recorded as an error and its findings are left as they were.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { Detection, DetectionRow } from '../../../store/detections/metadata.ts';
import type { DetectionParams } from '../../../store/detections/params.ts';
import { fingerprintOf, type Match } from '../../../store/findings/lifecycle.ts';
import type { DetectionRun, EvaluationCache } from './cache.ts';
import type { CompactRow } from './compact.ts';
import { readTouchedCredentials } from './credential-scope.ts';
import type { Plan, Step } from './plan.ts';
import { DetectionError, runCompact, runDetection } from './run-detection.ts';

export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface RunContext {
  client: ClickHouseClient;
  params: DetectionParams;
  settings: ClickHouseSettings;
  cache: EvaluationCache;
  /** Milliseconds per detection (and per phase), in the order they ran. */
  timings: Record<string, number>;
  log?: EngineLogger;
}

export interface RunOutput {
  matches: Match[];
  /** Compact rows per detection, to be merged (merge.ts). */
  compact: Map<string, CompactRow[]>;
  /** Detections not re-run, with their last run. */
  reused: Map<string, DetectionRun>;
  /** Person-scoped detections: matches per person (the untouched people's carried from the last run). */
  byPerson: Map<string, Map<string, number>>;
  /** Person-scoped detections run for these people only. */
  scopes: Map<string, ReadonlySet<string>>;
  /** Credential-scoped detections run for the touched (and clock-changed) credentials: the touched ones. */
  touchedCredentials: Map<string, ReadonlySet<string>>;
  /** Detections that ran cleanly (their findings are diffed). */
  ran: Set<string>;
  errors: { detection: string; message: string }[];
}

export const asMatch = (d: Detection, row: DetectionRow): Match => ({
  detection: { id: d.id, kind: d.kind, severity: d.severity, volatileDetail: d.volatile_detail },
  row,
  fingerprint: fingerprintOf(d.id, row),
});

export function recordFailure(ctx: RunContext, out: RunOutput, detection: string, err: unknown): void {
  out.errors.push({ detection, message: (err as Error).message });
  ctx.log?.warn({ detection, err: (err as Error).message }, 'detection failed; its findings are left as they were');
}

/** The people the last incremental snapshot refresh may have changed (snapshot.ts SCOPE_SQL). */
async function readScope(client: ClickHouseClient): Promise<Set<string>> {
  const rs = await client.query({ query: 'SELECT DISTINCT person FROM pw_eval_scope', format: 'JSONEachRow' });
  return new Set((await rs.json<{ person: string }>()).map((r) => r.person));
}

/** Full rows of a detection; its SQL's output is then known to validate (compact runs may stand for it). */
async function runRows(ctx: RunContext, d: Detection, params: DetectionParams): Promise<DetectionRow[]> {
  const rows = await runDetection(ctx.client, d, params, ctx.settings);
  if (rows.length) ctx.cache.validatedSql.add(d.sql);
  return rows;
}

/**
 * A person-scoped detection's matches per person: the last run's counts with the scope's people
 * replaced by this run's. With a scope, a row outside it fails the detection.
 */
function countPerPerson(
  d: Detection,
  rows: readonly DetectionRow[],
  last: DetectionRun | undefined,
  scope: ReadonlySet<string> | undefined,
): Map<string, number> {
  const counts = new Map(scope ? last!.byPerson : []);
  if (scope) for (const p of scope) counts.delete(p);
  for (const [i, row] of rows.entries()) {
    if (scope && !scope.has(row.subject_email)) {
      throw new DetectionError(
        d.id,
        `row ${i}: subject_email "${row.subject_email}" is not in pw_eval_scope, but the detection is person-scoped (scope: person) and ran with {scoped:UInt8} = 1`,
      );
    }
    counts.set(row.subject_email, (counts.get(row.subject_email) ?? 0) + 1);
  }
  return counts;
}

/** What the steps of one plan read once and share. */
interface Shared {
  scopePeople: () => Promise<Set<string>>;
  touchedCredentials: () => Promise<Set<string>>;
}

async function runStep(ctx: RunContext, out: RunOutput, step: Exclude<Step, { kind: 'reuse' }>, shared: Shared): Promise<void> {
  const { d } = step;
  const t0 = performance.now();
  if (step.kind === 'compact') {
    out.compact.set(d.id, await runCompact(ctx.client, d, ctx.params, ctx.settings));
    ctx.timings[d.id] = performance.now() - t0;
    out.ran.add(d.id);
    return;
  }
  if (step.kind === 'credentials') {
    const touched = await shared.touchedCredentials();
    const rows = await runRows(ctx, d, { ...ctx.params, scoped: 1, since_ms: step.since });
    ctx.timings[d.id] = performance.now() - t0;
    out.touchedCredentials.set(d.id, touched);
    for (const row of rows) out.matches.push(asMatch(d, row));
    out.ran.add(d.id);
    return;
  }
  const { scopePeople } = shared;
  const scope = step.kind === 'scoped' ? await scopePeople() : undefined;
  const rows = await runRows(ctx, d, scope ? { ...ctx.params, scoped: 1 } : ctx.params);
  ctx.timings[d.id] = performance.now() - t0;
  if (d.scope === 'person') {
    out.byPerson.set(d.id, countPerPerson(d, rows, step.kind === 'scoped' ? step.last : undefined, scope));
    if (scope) out.scopes.set(d.id, scope);
  }
  for (const row of rows) out.matches.push(asMatch(d, row));
  out.ran.add(d.id);
}

export async function runPlan(ctx: RunContext, plan: Plan): Promise<RunOutput> {
  const out: RunOutput = {
    matches: [],
    compact: new Map(),
    reused: new Map(),
    byPerson: new Map(),
    scopes: new Map(),
    touchedCredentials: new Map(),
    ran: new Set(),
    errors: [],
  };
  let scope: Promise<Set<string>> | undefined;
  let touched: Promise<Set<string>> | undefined;
  const shared: Shared = {
    scopePeople: () => (scope ??= readScope(ctx.client)),
    touchedCredentials: () => (touched ??= readTouchedCredentials(ctx.client)),
  };
  for (const step of plan.steps) {
    if (step.kind === 'reuse') {
      out.reused.set(step.d.id, step.last);
      continue;
    }
    try {
      await runStep(ctx, out, step, shared);
    } catch (err) {
      recordFailure(ctx, out, step.d.id, err);
    }
  }
  return out;
}
