// Event feeds keep their events for a limited time (the vendor's retention, a vendor fact kept in
// sources/<vendor>/): a poller's first walk, or a backfill's --since, must not ask for a start
// older than that. The margin keeps a start that was just inside the window from falling out of
// it before the request arrives.

export interface RetentionWindow {
  retentionMs: number;
  marginMs: number;
}

/** The earliest start the vendor still has events for (with the margin). */
export function retentionFloor(nowMs: number, window: RetentionWindow): number {
  return nowMs - window.retentionMs + window.marginMs;
}

/** Clamps a start (ms) into the retention window; says so when it moved. */
export function clampToRetention(startMs: number, nowMs: number, window: RetentionWindow): { startMs: number; clamped: boolean } {
  const floor = retentionFloor(nowMs, window);
  return startMs < floor ? { startMs: floor, clamped: true } : { startMs, clamped: false };
}
