// Auth0 log streams (custom webhook) — the product's customer identity platform, so the
// application plane by default; a connection `plane:` or a plane rule on the Auth0 Organization
// (plane_keys.organization_id) overrides it.
import type { NormalizeInput, NormalizeOutcome, RejectedItem, SourceModule } from '../../source-kit/source-module.ts';
import type { MappedEvent } from '../../core/events/identity-event.ts';
import { mapAuth0Log } from './map.ts';
import { Auth0RecordSchema, describeValue, formatIssues, parseAuth0Body } from './payloads.ts';
import { auth0Webhook } from './webhook.ts';
import { webhookSamples } from './samples.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * One stream record -> its events, or a rejection naming the field. A record is `{log_id, data}`;
 * a bare log (Management API /logs item: `type` at the top level, no `data`) is accepted as well.
 */
function mapRecord(item: unknown, where: string, receivedAt: number, events: MappedEvent[], rejected: RejectedItem[]): void {
  if (!isObject(item)) {
    rejected.push({ reason: `${where}: expected a log record object ({log_id, data}), received ${describeValue(item)}`, item });
    return;
  }
  let logId: string | null = null;
  let data: unknown;
  if (!('data' in item) && typeof item.type === 'string') {
    data = item;
  } else {
    const rec = Auth0RecordSchema.safeParse(item);
    if (!rec.success) {
      rejected.push({ reason: `${where}: ${formatIssues(rec.error)}`, item });
      return;
    }
    logId = rec.data.log_id ?? null;
    data = rec.data.data;
  }
  const result = mapAuth0Log(data, { logId, receivedAt });
  if (result.ok) events.push(...result.events);
  else rejected.push({ reason: `${where}: ${result.reason}`, item });
}

/**
 * A log stream delivery in any of the three content formats; each record is mapped or rejected on
 * its own (a JSONLINES line that is not JSON is rejected, the others flow).
 * Throws only for a body in which nothing is JSON.
 */
export function normalizeAuth0(input: NormalizeInput): NormalizeOutcome {
  const parsed = parseAuth0Body(input.body);
  if (!parsed.ok) throw new Error(`Auth0 ${parsed.error}`);
  const events: MappedEvent[] = [];
  const rejected: RejectedItem[] = [];
  for (const item of parsed.items) {
    if (!item.ok) rejected.push({ reason: `${item.where}: ${item.error}`, item: item.text });
    else mapRecord(item.value, item.where, input.receivedAt, events, rejected);
  }
  return { events, rejected };
}

export const auth0: SourceModule = {
  name: 'auth0',
  defaultPlane: 'application',
  webhook: auth0Webhook,
  samples: webhookSamples,
  normalize: normalizeAuth0,
};

export { mapAuth0Log, MAPPED_LOG_TYPES } from './map.ts';
export { parseAuth0Body } from './payloads.ts';
export { verifyAuth0Request } from './webhook.ts';
