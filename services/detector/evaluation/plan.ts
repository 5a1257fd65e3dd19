// Stage 1, plan: what each detection does in this evaluation, decided from the snapshot refresh
// and what the detector's cache says about its previous evaluation (docs/DETECTIONS.md
// "Evaluation"): reuse its last rows, re-run it compactly, run it for the touched people or
// credentials only, or run it in full.
import type { Detection } from '../../../store/detections/metadata.ts';
import type { DetectionParams } from '../../../store/detections/params.ts';
import type { SnapshotInfo } from '../../../store/read-models/snapshot.ts';
import type { DetectionRun, EvaluationCache } from './cache.ts';
import { credentialScopeKey } from './credential-scope.ts';
import { detectionKey } from './reuse.ts';

/**
 * A detection with at least this many open findings, not person-scoped, is run compactly once its
 * SQL is validated (compact.ts). Below it the full rows cost little, and a compact run followed
 * by reading the changed rows runs the query twice.
 */
export const COMPACT_MIN_OPEN = 2_000;

export type Step =
  /** Nothing it reads changed: its findings stand as committed. */
  | { kind: 'reuse'; d: Detection; last: DetectionRun }
  /** Fingerprints and compared fields only; the rows that make a transition are read in full later. */
  | { kind: 'compact'; d: Detection }
  /** Person-scoped, for the people of pw_eval_scope only; the others' counts carried from the last run. */
  | { kind: 'scoped'; d: Detection; last: DetectionRun }
  /** Credential-scoped: the touched credentials and those the clock changed since `since`; the others' findings stand. */
  | { kind: 'credentials'; d: Detection; since: number }
  | { kind: 'full'; d: Detection };

export interface Plan {
  steps: Step[];
  /** Per detection, what its rows depend on besides the tables ('' when not reusable). */
  keys: Map<string, string>;
}

/**
 * The snapshot was refreshed incrementally from the one the cache's evaluation used, and that
 * evaluation is still the latest committed version (`latestId`): what a clock-independent
 * detection returned then still holds for every key (and person) the refresh did not touch.
 */
function continuesLast(cache: EvaluationCache, snapshot: SnapshotInfo, latestId: string): boolean {
  const last = cache.last;
  return (
    snapshot.mode === 'incremental' &&
    last !== undefined &&
    last.evaluationId === latestId &&
    snapshot.previousWatermarkMs === last.snapshotMs
  );
}

export function planEvaluation(
  detections: readonly Detection[],
  params: DetectionParams,
  snapshot: SnapshotInfo,
  latestId: string,
  cache: EvaluationCache,
  compactMinOpen: number,
): Plan {
  const continues = continuesLast(cache, snapshot, latestId);
  // Nothing inserted since (an incremental refresh with no key touched): a detection that does not
  // read the clock would return the same rows, which the diff would turn into no transition.
  const unchanged = continues && snapshot.touched === 0;
  const keys = new Map(detections.map((d) => [d.id, d.scope === 'credential' ? credentialScopeKey(d, params) : detectionKey(d, params)]));
  // A credential-scoped detection's findings only grow as the clock advances: never when it goes back.
  const since = continues && Number(params.now_ms) >= cache.last!.now ? cache.last!.now : undefined;
  const open = cache.openPerDetection();
  const steps = detections.map((d): Step => {
    const last = continues ? cache.last!.detections.get(d.id) : undefined;
    const sameQuery = last !== undefined && last.key === keys.get(d.id);
    if (sameQuery && d.scope === 'credential' && since !== undefined) return { kind: 'credentials', d, since };
    // A credential-scoped detection reads the clock: never reused.
    if (unchanged && sameQuery && d.scope !== 'credential') return { kind: 'reuse', d, last };
    if (d.scope !== 'person' && cache.validatedSql.has(d.sql) && (open.get(d.id) ?? 0) >= compactMinOpen) return { kind: 'compact', d };
    if (sameQuery && d.scope === 'person' && last.byPerson !== undefined) return { kind: 'scoped', d, last };
    return { kind: 'full', d };
  });
  return { steps, keys };
}
