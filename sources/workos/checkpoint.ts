// The WorkOS Events API checkpoint: the `after` cursor = id of the last event of the last page Kafka
// acknowledged, plus that event's created_at (to restart from should the cursor be refused, e.g.
// once it fell out of the 30-day retention) and the range_start used until a first event arrives.
// Pure functions, so restart behaviour is unit-tested.
//
// Walk: `GET /events?events=…&order=asc&limit=100` with `range_start=<ISO>` while there is no
// cursor, `after=<cursor>` once there is one. Pages come oldest first, so the cursor only moves
// forward; a restart resumes after the last acknowledged page and re-fetches at most the page that
// was in flight (its events collapse downstream on the WorkOS event id).
import { z } from 'zod';
import { clampToRetention as sharedClampToRetention, retentionFloor as sharedRetentionFloor } from '../../source-kit/retention.ts';

/** WorkOS keeps events for 30 days. */
export const RETENTION_MS = 30 * 24 * 3_600_000;
/** A start this close to the retention edge is moved forward by this much, so the request is not refused for racing the edge. */
export const RETENTION_MARGIN_MS = 5 * 60_000;

export const EventsCheckpointSchema = z.object({
  v: z.literal(1),
  /** Id of the last event delivered; null until the first event. */
  after: z.string().min(1).nullable(),
  /** created_at (ISO) of that event, as WorkOS sent it. */
  last_created_at: z.string().nullable(),
  /** Lower bound (ISO) of the first walk, used while `after` is null. */
  range_start: z.string().min(1),
});
export type EventsCheckpoint = z.infer<typeof EventsCheckpointSchema>;

const WINDOW = { retentionMs: RETENTION_MS, marginMs: RETENTION_MARGIN_MS };

/** The earliest start WorkOS still has events for (with the margin). */
export const retentionFloor = (nowMs: number): number => sharedRetentionFloor(nowMs, WINDOW);

/** Clamps a start (ms) into the retention window; says so when it moved. */
export const clampToRetention = (startMs: number, nowMs: number): { startMs: number; clamped: boolean } =>
  sharedClampToRetention(startMs, nowMs, WINDOW);

export function initialEventsCheckpoint(sinceMs: number | null, nowMs: number): EventsCheckpoint {
  const { startMs } = clampToRetention(sinceMs ?? 0, nowMs);
  return { v: 1, after: null, last_created_at: null, range_start: new Date(startMs).toISOString() };
}

/** The stored checkpoint, or a fresh one from `since` when there is none (or it is unreadable). */
export function resumeEventsCheckpoint(
  stored: unknown,
  sinceMs: number | null,
  nowMs: number,
): { checkpoint: EventsCheckpoint; problem: string | null } {
  if (stored === null || stored === undefined) {
    const clamped = sinceMs !== null && clampToRetention(sinceMs, nowMs).clamped;
    return {
      checkpoint: initialEventsCheckpoint(sinceMs, nowMs),
      problem: clamped
        ? `start ${new Date(sinceMs).toISOString()} is beyond WorkOS's 30-day event retention; starting at the oldest events WorkOS keeps`
        : null,
    };
  }
  const parsed = EventsCheckpointSchema.safeParse(stored);
  if (parsed.success) return { checkpoint: parsed.data, problem: null };
  return {
    checkpoint: initialEventsCheckpoint(sinceMs, nowMs),
    problem: `stored checkpoint unreadable (${parsed.error.issues[0]?.message ?? 'invalid'}); starting from since`,
  };
}

export interface EventKey {
  id: string;
  created_at: string | null;
}

/** The checkpoint after a page was delivered: the cursor moves to its last event. Pure. */
export function advanceEventsCheckpoint(cp: EventsCheckpoint, items: readonly EventKey[]): EventsCheckpoint {
  const last = items[items.length - 1];
  if (!last) return cp;
  return { v: 1, after: last.id, last_created_at: last.created_at ?? cp.last_created_at, range_start: cp.range_start };
}

/**
 * Where to start again when WorkOS refuses the cursor (expired or unknown event id): from the last
 * delivered event's time (re-delivered events collapse downstream), clamped into retention.
 */
export function restartWithoutCursor(cp: EventsCheckpoint, nowMs: number): EventsCheckpoint {
  const lastMs = cp.last_created_at ? Date.parse(cp.last_created_at) : NaN;
  const fromMs = Number.isFinite(lastMs) ? lastMs : Date.parse(cp.range_start);
  const { startMs } = clampToRetention(Number.isFinite(fromMs) ? fromMs : 0, nowMs);
  return { v: 1, after: null, last_created_at: cp.last_created_at, range_start: new Date(startMs).toISOString() };
}

/** The query parameters of the next request (besides events, order and limit). */
export function cursorQuery(cp: EventsCheckpoint): Record<string, string> {
  return cp.after ? { after: cp.after } : { range_start: cp.range_start };
}

export function describeEventsCheckpoint(checkpoint: unknown): string {
  const parsed = EventsCheckpointSchema.safeParse(checkpoint);
  if (!parsed.success) return JSON.stringify(checkpoint);
  const cp = parsed.data;
  if (!cp.after) return `range_start ${cp.range_start} (no event delivered yet)`;
  return `after ${cp.after}${cp.last_created_at ? ` (created ${cp.last_created_at})` : ''}`;
}
