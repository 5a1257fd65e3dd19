// WorkOS (Directory Sync, SSO, AuthKit) — application plane by default. A boundary-map plane rule
// on plane_keys.organization_id / directory_id can move one organisation (e.g. the company's own
// workforce directory) to the platform plane.
import type { NormalizeInput, NormalizeOutcome, RejectedItem, SourceModule } from '../../source-kit/source-module.ts';
import type { MappedEvent } from '../../core/events/identity-event.ts';
import { parseJsonBody } from '../../source-kit/json-body.ts';
import { mapWorkosEvent } from './map.ts';
import { describeValue, formatIssues, WorkosEnvelopeSchema, WorkosEventListSchema } from './payloads.ts';
import { workosWebhook } from './webhook.ts';
import { webhookSamples } from './samples.ts';
import { workosEventsPoller } from './poller.ts';

function normalizeOne(item: unknown, receivedAt: number, events: MappedEvent[], rejected: RejectedItem[], where: string): void {
  const env = WorkosEnvelopeSchema.safeParse(item);
  if (!env.success) {
    rejected.push({ reason: `${where}: ${formatIssues(env.error)}`, item });
    return;
  }
  const result = mapWorkosEvent(env.data, { receivedAt });
  if (result.ok) events.push(...result.events);
  else rejected.push({ reason: result.reason, item });
}

/**
 * One webhook delivery = one WorkOS event. An Events API page (`{object:"list", data:[…]}`) is
 * also accepted, each item mapped or rejected on its own.
 * Throws for a body that is not JSON or not a WorkOS event envelope.
 */
export function normalizeWorkos(input: NormalizeInput): NormalizeOutcome {
  const parsed = parseJsonBody(input.body);
  if (!parsed.ok) throw new Error(`WorkOS ${parsed.error}`);
  const body = parsed.value;
  const events: MappedEvent[] = [];
  const rejected: RejectedItem[] = [];

  // Only an Events API page says `object: "list"`; checking that first spares every webhook delivery
  // a failing zod parse (its error objects were ~5 % of the normalizer's CPU).
  const page = isListShaped(body) ? WorkosEventListSchema.safeParse(body) : null;
  if (page?.success) {
    page.data.data.forEach((item, i) => normalizeOne(item, input.receivedAt, events, rejected, `data[${i}]`));
    return { events, rejected };
  }

  const env = WorkosEnvelopeSchema.safeParse(body);
  if (!env.success) {
    const what = typeof body === 'object' && body !== null && !Array.isArray(body) ? '' : ` (received ${describeValue(body)})`;
    throw new Error(`WorkOS event envelope is invalid${what}: ${formatIssues(env.error)}`);
  }
  const result = mapWorkosEvent(env.data, { receivedAt: input.receivedAt });
  if (result.ok) return { events: result.events, rejected };
  return { events: [], rejected: [{ reason: result.reason, item: body }] };
}

function isListShaped(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { object?: unknown }).object === 'list';
}

export const workos: SourceModule = {
  name: 'workos',
  defaultPlane: 'application',
  webhook: workosWebhook,
  samples: webhookSamples,
  /** Events API (`GET /events`, transport 'poll'): see poller.ts. */
  poller: workosEventsPoller,
  normalize: normalizeWorkos,
};

export { signWorkosPayload, verifyWorkosSignature } from './webhook.ts';
export { mapWorkosEvent } from './map.ts';
