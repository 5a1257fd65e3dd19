// Stage 4, diff: the current findings (as the detector's last evaluation committed them while
// that is still the latest committed version, else read again) against this evaluation's matches.
import type { ClickHouseClient } from '@clickhouse/client';
import { lastEvaluation, readCurrentFindings, readDiffState, type CurrentFindings } from '../../../store/findings/findings-store.ts';
import { diffFindings, type FindingChange } from '../../../store/findings/lifecycle.ts';
import type { EvaluationCache } from './cache.ts';
import type { Merged } from './merge.ts';
import type { RunOutput } from './run.ts';

export interface Base {
  findings: CurrentFindings;
  /** The latest committed evaluation's version and clock. */
  version: number;
  now: number | null;
}

/** What the diff compares with. */
export async function currentFindings(client: ClickHouseClient, cache: EvaluationCache): Promise<Base> {
  const last = await lastEvaluation(client);
  const findings = cache.last && cache.last.evaluationId === last.id ? cache.last.findings : await readDiffState(client);
  return { findings, version: last.version, now: last.now };
}

/** The transitions; resolved findings matched again are read in full first (to be reopened). */
export async function diffStage(
  client: ClickHouseClient,
  out: RunOutput,
  merged: Merged,
  base: Base,
  now: number,
): Promise<FindingChange[]> {
  const current = base.findings.open;
  const again = [...new Set(out.matches.filter((m) => base.findings.resolved.has(m.fingerprint)).map((m) => m.fingerprint))];
  if (again.length) for (const [fp, f] of await readCurrentFindings(client, { fingerprints: again })) current.set(fp, f);
  return diffFindings(current, out.matches, out.ran, now, base.now, out.scopes, merged.sameAsCommitted);
}
