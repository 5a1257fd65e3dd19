// How long a lease holder may act on its last proof of liveness (core/kafka/lease.ts), as pure
// arithmetic on a monotonic clock. The group coordinator can give the lease partition to another
// member only after this member's session expired, i.e. at least sessionTimeout after it last
// RECEIVED a request from the member; the member only knows when it SENT that request, which is
// earlier, so counting from the send time errs on the safe side. The margin absorbs the two
// clocks running at slightly different rates and the timer that notices expiry firing late.

export const DEFAULT_LEASE_SESSION_TIMEOUT_MS = 10_000;

/** The end of the holder's validity: proof sent at `proofSentAt`, plus the session timeout, minus the margin. */
export function validUntil(proofSentAt: number, sessionTimeoutMs: number, marginMs: number): number {
  return proofSentAt + sessionTimeoutMs - marginMs;
}

/** The default safety margin: 15 % of the session timeout, at least 500 ms (1.5 s for 10 s). */
export function defaultMargin(sessionTimeoutMs: number): number {
  return Math.max(500, Math.round(sessionTimeoutMs * 0.15));
}

/** The default heartbeat interval: a sixth of the session timeout, at most 1 s (several heartbeats per validity). */
export function defaultHeartbeatInterval(sessionTimeoutMs: number): number {
  return Math.min(1000, Math.floor(sessionTimeoutMs / 6));
}

/**
 * A wall-clock instant (kafkajs reports a request's sentAt from Date.now()) on the monotonic clock:
 * as long ago as it is on the wall clock, never in the future, so a wall clock stepped back cannot
 * lengthen a validity.
 */
export function toMonotonic(wallAt: number, wallNow: number, monotonicNow: number): number {
  return monotonicNow - Math.max(0, wallNow - wallAt);
}
