// The audit-log checkpoint: a watermark on `effective_at` plus the ids already delivered at that
// second, and the cursor of a walk in progress. Pure functions, so restart behaviour is unit-tested.
//
// A walk = `GET /organization/audit_logs?effective_at[gte]=<watermark>&limit=100` followed by
// `after=<cursor>` pages until has_more is false. The sort order of the endpoint is unconfirmed,
// so the watermark is NOT moved while a walk is in progress: with newest-first pages, moving it to
// the newest time seen would skip the older pages still to come. It moves when the walk ends, to
// the highest effective_at delivered; the ids at that second go into `seen`, so the next walk (which
// asks for effective_at >= watermark again) recognises them. A restart mid-walk resumes with the
// same watermark and the stored cursor: nothing before it is skipped, nothing before it is fetched
// again except the page being processed at the crash (its events collapse downstream by id).
import { z } from 'zod';

export const AuditCheckpointSchema = z.object({
  v: z.literal(1),
  /** Lower bound (Unix seconds) of the walk in progress, or of the next walk. */
  watermark: z.number().int().nonnegative(),
  /** Ids already delivered whose effective_at equals the watermark. */
  seen: z.array(z.string()),
  /** `after` cursor of the walk in progress; null between walks. */
  after: z.string().nullable(),
  /** Highest effective_at delivered so far in the walk in progress, and the ids at it. */
  high: z.number().int().nonnegative().nullable(),
  high_ids: z.array(z.string()),
});
export type AuditCheckpoint = z.infer<typeof AuditCheckpointSchema>;

export function initialCheckpoint(sinceMs: number | null): AuditCheckpoint {
  return { v: 1, watermark: Math.max(0, Math.floor((sinceMs ?? 0) / 1000)), seen: [], after: null, high: null, high_ids: [] };
}

/** The stored checkpoint, or a fresh one from `since` when there is none (or it is unreadable). */
export function resumeCheckpoint(stored: unknown, sinceMs: number | null): { checkpoint: AuditCheckpoint; problem: string | null } {
  if (stored === null || stored === undefined) return { checkpoint: initialCheckpoint(sinceMs), problem: null };
  const parsed = AuditCheckpointSchema.safeParse(stored);
  if (parsed.success) return { checkpoint: parsed.data, problem: null };
  return {
    checkpoint: initialCheckpoint(sinceMs),
    problem: `stored checkpoint unreadable (${parsed.error.issues[0]?.message ?? 'invalid'}); starting from since`,
  };
}

export interface PageItemKey {
  id: string;
  effective_at: number;
}

/** Items of a page that an earlier walk already delivered (at the watermark second). */
export function alreadySeen(cp: AuditCheckpoint, items: readonly PageItemKey[]): Set<string> {
  const seen = new Set(cp.seen);
  return new Set(items.filter((e) => e.effective_at === cp.watermark && seen.has(e.id)).map((e) => e.id));
}

/**
 * The checkpoint after a page was delivered. `nextCursor` is the `after` value for the next page
 * (null when there is none); the walk ends when `hasMore` is false or there is no cursor.
 */
export function advanceCheckpoint(
  cp: AuditCheckpoint,
  items: readonly PageItemKey[],
  nextCursor: string | null,
  hasMore: boolean,
): AuditCheckpoint {
  let high = cp.high;
  let highIds = new Set(cp.high_ids);
  for (const e of items) {
    if (high === null || e.effective_at > high) {
      high = e.effective_at;
      highIds = new Set([e.id]);
    } else if (e.effective_at === high) highIds.add(e.id);
  }
  if (hasMore && nextCursor) return { ...cp, after: nextCursor, high, high_ids: [...highIds].sort() };
  // Walk complete: move the watermark.
  if (high === null || high < cp.watermark) return { v: 1, watermark: cp.watermark, seen: cp.seen, after: null, high: null, high_ids: [] };
  if (high === cp.watermark) {
    return { v: 1, watermark: cp.watermark, seen: [...new Set([...cp.seen, ...highIds])].sort(), after: null, high: null, high_ids: [] };
  }
  return { v: 1, watermark: high, seen: [...highIds].sort(), after: null, high: null, high_ids: [] };
}

export function describeAuditCheckpoint(checkpoint: unknown): string {
  const parsed = AuditCheckpointSchema.safeParse(checkpoint);
  if (!parsed.success) return JSON.stringify(checkpoint);
  const cp = parsed.data;
  const at = new Date(cp.watermark * 1000).toISOString().replace('.000Z', 'Z');
  const base = `effective_at >= ${at} (${cp.seen.length} id${cp.seen.length === 1 ? '' : 's'} seen at that second)`;
  return cp.after ? `${base}, walk in progress after ${cp.after}` : base;
}
