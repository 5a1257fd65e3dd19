// The lease validity arithmetic (core/kafka/lease-validity.ts), with expected values by hand.
import { describe, expect, it } from 'vitest';
import { defaultHeartbeatInterval, defaultMargin, toMonotonic, validUntil } from '../../../../core/kafka/lease-validity.ts';

describe('lease validity', () => {
  it('runs from the send time of the last proof, plus the session timeout, minus the margin', () => {
    // Heartbeat sent at 1000, session 10 s, margin 1.5 s: valid until 9500.
    expect(validUntil(1000, 10_000, 1500)).toBe(9500);
    // The 6 s test session with its default margin of 900 ms: sent at 0, valid until 5100.
    expect(validUntil(0, 6000, defaultMargin(6000))).toBe(5100);
  });

  it('has a margin of 15 % of the session, at least 500 ms', () => {
    expect(defaultMargin(10_000)).toBe(1500);
    expect(defaultMargin(6000)).toBe(900);
    expect(defaultMargin(2000)).toBe(500);
  });

  it('heartbeats every sixth of the session, at most every second', () => {
    expect(defaultHeartbeatInterval(10_000)).toBe(1000);
    expect(defaultHeartbeatInterval(6000)).toBe(1000);
    expect(defaultHeartbeatInterval(3000)).toBe(500);
  });

  it('maps a wall-clock send time onto the monotonic clock, never into the future', () => {
    // Sent 250 ms ago on the wall clock; monotonic now 40 000: sent at 39 750.
    expect(toMonotonic(1_700_000_000_000, 1_700_000_000_250, 40_000)).toBe(39_750);
    // A wall clock stepped back makes the send look later than now: taken as now.
    expect(toMonotonic(1_700_000_000_500, 1_700_000_000_000, 40_000)).toBe(40_000);
  });
});
