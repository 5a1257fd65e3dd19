// A replay's checkpoint: one FILE, <dataDir>/replay/checkpoint.json (like backfill's, not in
// ClickHouse, so no migration and no extra table; one replay runs at a time per data dir).
// Rewritten durably (temp file + fsync + rename) after each wave the sink has fully stored, so a
// crash or Ctrl-C repeats at most one wave (idempotent: same envelope ids, same event ids).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ReplayFilterSchema } from './filter.ts';
import { writeJsonDurably } from '../../core/durable-json.ts';

export const ReplayTotalsSchema = z.object({
  envelopes_replayed: z.number().int().nonnegative(),
  events_written: z.number().int().nonnegative(),
  events_changed: z.number().int().nonnegative(),
  events_new: z.number().int().nonnegative(),
  events_unchanged: z.number().int().nonnegative(),
  events_removed: z.number().int().nonnegative(),
  dead_lettered: z.number().int().nonnegative(),
  waves: z.number().int().nonnegative(),
});
export type ReplayTotals = z.infer<typeof ReplayTotalsSchema>;

export const ReplayCheckpointSchema = z.object({
  replay_id: z.string().min(1),
  /** The options as given (replaySpec): the same command resumes, another one starts over. */
  spec: z.string(),
  /** The filter with relative times resolved at the first start (a resumed `--since 7d` keeps its window). */
  filter: ReplayFilterSchema,
  started_at: z.string(),
  /** Total matching envelopes when the replay started (for progress). */
  matched: z.number().int().nonnegative(),
  /** Last key whose wave is fully stored; null before the first wave. */
  cursor: z.object({ source: z.string(), connection_id: z.string(), id: z.string() }).nullable(),
  phase: z.enum(['replaying', 'rebuilding', 'done']),
  totals: ReplayTotalsSchema,
  updated_at: z.string(),
});
export type ReplayCheckpoint = z.infer<typeof ReplayCheckpointSchema>;

export function replayCheckpointPath(dataDir: string): string {
  return path.join(dataDir, 'replay', 'checkpoint.json');
}

export function readReplayCheckpoint(file: string): ReplayCheckpoint | null {
  if (!existsSync(file)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not a replay checkpoint file: ${(err as Error).message}`, { cause: err });
  }
  const parsed = ReplayCheckpointSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `${file} is not a replay checkpoint file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export function writeReplayCheckpoint(file: string, value: ReplayCheckpoint): void {
  writeJsonDurably(file, value);
}

export const ZERO_TOTALS: ReplayTotals = {
  envelopes_replayed: 0,
  events_written: 0,
  events_changed: 0,
  events_new: 0,
  events_unchanged: 0,
  events_removed: 0,
  dead_lettered: 0,
  waves: 0,
};
