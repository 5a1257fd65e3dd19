// zod schemas for Okta event hook deliveries and System Log LogEvents (the same object in both:
// docs/vendors/okta.md, Okta's LogEvent reference).
//
// Policy (as for WorkOS): objects are loose; what the mapping keys on is required (uuid,
// eventType, published); everything else is lenient — a wrong type reads as null instead of
// rejecting the event, so a malformed display name never hides a deactivation.
import { z } from 'zod';
import { lenient } from '../../source-kit/lenient.ts';
import { describeValue, formatIssues } from '../../source-kit/issues.ts';

const id = z.string().min(1);
const str = lenient(z.string());
const obj = lenient(z.record(z.string(), z.unknown()));

/** The CloudEvents 0.1 envelope of an event hook delivery: `{eventType, eventId, source, data: {events: [...]}}`. */
export const OktaHookEnvelopeSchema = z.looseObject({
  eventType: str,
  eventId: str,
  eventTime: str,
  /** `https://{yourOktaDomain}/api/v1/eventHooks/{hookId}` — the org the events come from. */
  source: str,
  data: z.looseObject({ events: z.array(z.unknown()) }),
});
export type OktaHookEnvelope = z.infer<typeof OktaHookEnvelopeSchema>;

export const LogActorSchema = z.looseObject({ id: str, type: str, alternateId: str, displayName: str });
export const LogTargetSchema = z.looseObject({
  id: str,
  type: str,
  alternateId: str,
  displayName: str,
  detailEntry: obj,
  changeDetails: obj,
});
export type LogTarget = z.infer<typeof LogTargetSchema>;

export const LogEventSchema = z.looseObject({
  uuid: id,
  eventType: id,
  /** ISO 8601; its parse is checked by the mapping (a present but unreadable time rejects the event). */
  published: z.string(),
  version: str,
  severity: str,
  displayMessage: str,
  legacyEventType: str,
  actor: lenient(LogActorSchema),
  client: lenient(
    z.looseObject({
      ipAddress: str,
      userAgent: lenient(z.looseObject({ rawUserAgent: str, os: str, browser: str })),
      zone: str,
      device: str,
    }),
  ),
  outcome: lenient(z.looseObject({ result: str, reason: str })),
  /** Entries of the wrong shape are dropped one by one (see targets()); the array itself is lenient. */
  target: lenient(z.array(z.unknown())),
  authenticationContext: lenient(
    z.looseObject({
      authenticationProvider: str,
      credentialProvider: str,
      credentialType: str,
      externalSessionId: str,
      interface: str,
      issuer: lenient(z.looseObject({ id: str, type: str })),
    }),
  ),
  debugContext: lenient(z.looseObject({ debugData: obj })),
  transaction: lenient(z.looseObject({ type: str, id: str, detail: obj })),
  securityContext: obj,
});
export type LogEvent = z.infer<typeof LogEventSchema>;

/** The usable `target[]` entries (objects with at least a type). */
export function targets(ev: LogEvent): LogTarget[] {
  const out: LogTarget[] = [];
  for (const t of ev.target ?? []) {
    const parsed = LogTargetSchema.safeParse(t);
    if (parsed.success && typeof parsed.data.type === 'string' && parsed.data.type.length > 0) out.push(parsed.data);
  }
  return out;
}

export { describeValue, formatIssues };
