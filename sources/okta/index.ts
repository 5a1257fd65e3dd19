// Okta (event hooks, and System Log polling: poller.ts; both map through mapOktaLogEvent) —
// the usual workforce directory, so the platform plane by default. A boundary-map connection `plane:` (or a plane rule
// on the Okta org host, plane_keys.organization_id) moves a customer's Okta to the application plane.
import type { NormalizeInput, NormalizeOutcome, RejectedItem, SourceModule } from '../../source-kit/source-module.ts';
import type { MappedEvent } from '../../core/events/identity-event.ts';
import { parseJsonBody } from '../../source-kit/json-body.ts';
import { mapOktaLogEvent, oktaOrgHost } from './map.ts';
import { describeValue, formatIssues, OktaHookEnvelopeSchema } from './payloads.ts';
import { oktaWebhook } from './webhook.ts';
import { webhookSamples } from './samples.ts';
import { oktaSystemLogPoller, orgFromContentType } from './poller.ts';

function mapItems(items: readonly unknown[], where: string, ctx: { org: string | null; deliveryId: string | null }): NormalizeOutcome {
  const events: MappedEvent[] = [];
  const rejected: RejectedItem[] = [];
  items.forEach((item, i) => {
    const result = mapOktaLogEvent(item, ctx);
    if (result.ok) events.push(...result.events);
    else rejected.push({ reason: `${where}[${i}]: ${result.reason}`, item });
  });
  return { events, rejected };
}

/**
 * An event hook delivery (`{…, source, data: {events: [LogEvent…]}}`) or a System Log API page
 * (a JSON array of LogEvents): each event is mapped or rejected on its own.
 * Throws only for a body that is not JSON or neither of those shapes.
 */
export function normalizeOkta(input: NormalizeInput): NormalizeOutcome {
  const parsed = parseJsonBody(input.body);
  if (!parsed.ok) throw new Error(`Okta ${parsed.error}`);
  const body = parsed.value;
  // A System Log page: the poller names the org (its base_url host) in the content type.
  if (Array.isArray(body)) return mapItems(body, '(page)', { org: orgFromContentType(input.contentType), deliveryId: null });
  const env = OktaHookEnvelopeSchema.safeParse(body);
  if (!env.success) {
    const what = typeof body === 'object' && body !== null ? '' : ` (received ${describeValue(body)})`;
    throw new Error(`Okta event hook delivery is invalid${what}: ${formatIssues(env.error)}`);
  }
  return mapItems(env.data.data.events, 'data.events', { org: oktaOrgHost(env.data.source), deliveryId: env.data.eventId ?? null });
}

export const okta: SourceModule = {
  name: 'okta',
  defaultPlane: 'platform',
  webhook: oktaWebhook,
  samples: webhookSamples,
  poller: oktaSystemLogPoller,
  normalize: normalizeOkta,
};

export { mapOktaLogEvent, oktaOrgHost, MAPPED_EVENT_TYPES } from './map.ts';
export { oktaHandshake, verifyOktaRequest } from './webhook.ts';
export { oktaSystemLogPoller, createOktaSystemLogPoller, systemLogPages, orgFromContentType, systemLogContentType } from './poller.ts';
