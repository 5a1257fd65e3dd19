// A vendor whose clock runs ahead stamps events in the future. Such an event is kept, but its
// time is not trusted: detections compare event times with each other and with `now`, so a sign-in
// stamped three days ahead would look like activity three days after a deprovisioning that in
// truth happened minutes before it, and open PW-ACTIVITY-AFTER-DEPROVISION early. An event more
// than CLOCK_AHEAD_TOLERANCE_MS after its receipt is therefore placed at its receipt time (nothing
// we received can have happened later than that), and flagged: attributes.clock_ahead_ms (how far
// ahead) and attributes.vendor_occurred_at (the vendor's own time, ISO 8601).
export const CLOCK_AHEAD_TOLERANCE_MS = 5 * 60_000;

export function placeAtReceiptWhenAhead<E extends { occurred_at: number; attributes: Record<string, string> }>(
  event: E,
  receivedAt: number,
): E {
  const ahead = event.occurred_at - receivedAt;
  if (!(ahead > CLOCK_AHEAD_TOLERANCE_MS)) return event;
  return {
    ...event,
    occurred_at: receivedAt,
    attributes: { ...event.attributes, clock_ahead_ms: String(ahead), vendor_occurred_at: new Date(event.occurred_at).toISOString() },
  };
}
