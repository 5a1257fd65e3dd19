// Stage 3, merge: the compact runs' rows against the current findings. Rows that would make no
// transition stand as committed (sameAsCommitted); the others are read in full and join the
// matches (all of a detection's rows when most of them changed). The findings of the credentials a
// credential-scoped run did not cover stand as committed too.
import type { Detection } from '../../../store/detections/metadata.ts';
import type { FindingState } from '../../../store/findings/lifecycle.ts';
import { unchangedRows } from './compact.ts';
import { untouchedFindings } from './credential-scope.ts';
import { runDetection } from './run-detection.ts';
import { asMatch, recordFailure, type RunContext, type RunOutput } from './run.ts';

export interface Merged {
  /** Fingerprints whose compact row equals their committed finding: seen, neither updated nor resolved. */
  sameAsCommitted: Set<string>;
  /** Rows per compactly run detection. */
  compactCounts: Map<string, number>;
  /** Per credential-scoped detection, its findings carried over (matches besides its rows). */
  carriedCounts: Map<string, number>;
  /** Milliseconds spent (counted in each detection's time, not the diff's). */
  ms: number;
}

export async function mergeCompact(
  ctx: RunContext,
  out: RunOutput,
  detections: readonly Detection[],
  current: ReadonlyMap<string, FindingState>,
): Promise<Merged> {
  const merged: Merged = { sameAsCommitted: new Set(), compactCounts: new Map(), carriedCounts: new Map(), ms: 0 };
  const t = performance.now();
  for (const [id, rows] of out.compact) {
    const d = detections.find((x) => x.id === id)!;
    const t0 = performance.now();
    const split = unchangedRows(d, rows, current);
    try {
      const full =
        split.changed.length === 0
          ? []
          : await runDetection(ctx.client, d, ctx.params, ctx.settings, split.changed.length * 2 > rows.length ? undefined : split.changed);
      for (const row of full) out.matches.push(asMatch(d, row));
      for (const fp of split.unchanged) merged.sameAsCommitted.add(fp);
      merged.compactCounts.set(id, rows.length);
    } catch (err) {
      out.ran.delete(id);
      recordFailure(ctx, out, id, err);
    }
    ctx.timings[id] = (ctx.timings[id] ?? 0) + performance.now() - t0;
  }
  out.compact.clear();
  for (const [id, touched] of out.touchedCredentials) {
    const carried = untouchedFindings(id, touched, current);
    for (const fp of carried) merged.sameAsCommitted.add(fp);
    merged.carriedCounts.set(id, carried.size);
  }
  merged.ms = performance.now() - t;
  return merged;
}
