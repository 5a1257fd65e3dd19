// What one detector keeps between its evaluations. Valid only while its last evaluation is still
// the latest committed version: an acknowledgement or another writer in between makes the engine
// read the findings again and re-run every detection.
import type { CurrentFindings } from '../../../store/findings/findings-store.ts';

/** A reusable detection's last clean run: its key, match count and, if person-scoped, the count per person. */
export interface DetectionRun {
  key: string;
  matches: number;
  byPerson?: Map<string, number>;
}

/** The last evaluation this detector committed. */
export interface LastRun {
  evaluationId: string;
  /** Its clock (epoch ms): credential-scoped detections re-run the credentials it changed since. */
  now: number;
  /** Watermark of the snapshot that evaluation used (a refresh outside evaluations in between moves it). */
  snapshotMs: number;
  /** The findings as committed by it (updated in place by the next commit). */
  findings: CurrentFindings;
  /** Per reusable detection that ran cleanly in it. */
  detections: Map<string, DetectionRun>;
}

export class EvaluationCache {
  last: LastRun | undefined;
  /**
   * Detection SQL whose full rows passed validation: its output columns have the right types (a
   * query's types do not vary between runs), so its compact rows can stand for rows.
   */
  readonly validatedSql = new Set<string>();

  /** Open findings per detection as the last evaluation left them (which detections run compactly). */
  openPerDetection(): Map<string, number> {
    const open = new Map<string, number>();
    if (this.last)
      for (const f of this.last.findings.open.values())
        if (f.status !== 'resolved') open.set(f.detection, (open.get(f.detection) ?? 0) + 1);
    return open;
  }
}
