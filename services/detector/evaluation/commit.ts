// Stage 5, commit: writes the evaluation's transitions as one unit (findings-store.ts), then
// brings the detector's cache to what was committed: the findings (updated in place) and, per
// reusable detection that ran cleanly or was reused, its key and match counts.
import type { ClickHouseClient } from '@clickhouse/client';
import { commit, type CurrentFindings } from '../../../store/findings/findings-store.ts';
import type { FindingChange } from '../../../store/findings/lifecycle.ts';
import type { DetectionRun, EvaluationCache } from './cache.ts';
import type { Merged } from './merge.ts';
import type { RunOutput } from './run.ts';

/** Matches per detection that ran (compact: its rows; person-scoped: every person's; credential-scoped: its rows and the carried findings). */
export function matchCounts(out: RunOutput, merged: Merged): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of out.matches) counts.set(m.detection.id, (counts.get(m.detection.id) ?? 0) + 1);
  for (const [id, perPerson] of out.byPerson)
    counts.set(
      id,
      [...perPerson.values()].reduce((n, c) => n + c, 0),
    );
  for (const [id, n] of merged.compactCounts) counts.set(id, n);
  for (const [id, n] of merged.carriedCounts) counts.set(id, (counts.get(id) ?? 0) + n);
  return counts;
}

/** Per reusable detection, what the next evaluation needs to reuse it. */
function detectionRuns(out: RunOutput, counts: ReadonlyMap<string, number>, keys: ReadonlyMap<string, string>): Map<string, DetectionRun> {
  const runs = new Map(out.reused);
  for (const id of out.ran) {
    const key = keys.get(id);
    if (key) runs.set(id, { key, matches: counts.get(id) ?? 0, ...(out.byPerson.has(id) ? { byPerson: out.byPerson.get(id)! } : {}) });
  }
  return runs;
}

/** The findings as committed now (the map is this detector's own: updated in place). */
function applyChanges(findings: CurrentFindings, changes: readonly FindingChange[]): void {
  for (const c of changes) {
    const fp = c.finding.fingerprint;
    if (c.finding.status === 'resolved') {
      findings.open.delete(fp);
      findings.resolved.add(fp);
    } else {
      findings.open.set(fp, c.finding);
      findings.resolved.delete(fp);
    }
  }
}

export interface CommitInput {
  evaluationId: string;
  version: number;
  now: number;
  started: number;
  finished: () => number;
  snapshotMs: number;
  changes: FindingChange[];
  findings: CurrentFindings;
  keys: ReadonlyMap<string, string>;
}

/** Commits and updates the cache; returns the total matches recorded. */
export async function commitStage(
  client: ClickHouseClient,
  cache: EvaluationCache,
  out: RunOutput,
  counts: ReadonlyMap<string, number>,
  c: CommitInput,
): Promise<number> {
  const total = [...out.ran].reduce((n, id) => n + (counts.get(id) ?? 0), 0) + [...out.reused.values()].reduce((n, r) => n + r.matches, 0);
  await commit(client, 'evaluation', c.evaluationId, c.version, c.changes, {
    now: c.now,
    started: c.started,
    finished: c.finished(),
    detections: out.ran.size + out.reused.size,
    matches: total,
    errors: out.errors.map((e) => e.message),
  });
  applyChanges(c.findings, c.changes);
  cache.last = {
    evaluationId: c.evaluationId,
    now: c.now,
    snapshotMs: c.snapshotMs,
    findings: c.findings,
    detections: detectionRuns(out, counts, c.keys),
  };
  return total;
}
