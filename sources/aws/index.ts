// AWS CloudTrail (IAM users, access keys, console sign-in) — the cloud account whose keys reach
// Bedrock and other AI services, so the platform plane by default; a connection `plane:` or a
// plane rule on the account id (plane_keys.organization_id) overrides it.
import type { NormalizeInput, NormalizeOutcome, RejectedItem, SourceModule } from '../../source-kit/source-module.ts';
import type { MappedEvent } from '../../core/events/identity-event.ts';
import { parseJsonBody } from '../../source-kit/json-body.ts';
import { mapCloudTrailRecord } from './map.ts';
import { deliveryShapeOf } from './payloads.ts';
import { awsWebhook } from './webhook.ts';
import { webhookSamples } from './samples.ts';

/**
 * A CloudTrail log file (each record mapped or rejected on its own) or one EventBridge event.
 * Throws only for a body that is not JSON or neither shape.
 */
export function normalizeAws(input: NormalizeInput): NormalizeOutcome {
  const parsed = parseJsonBody(input.body);
  if (!parsed.ok) throw new Error(`AWS ${parsed.error}`);
  const shape = deliveryShapeOf(parsed.value);
  if (shape.kind === 'invalid') throw new Error(`AWS CloudTrail delivery is invalid: ${shape.error}`);
  const events: MappedEvent[] = [];
  const rejected: RejectedItem[] = [];
  const one = (item: unknown, where: string, account: string | null) => {
    const result = mapCloudTrailRecord(item, { account });
    if (result.ok) events.push(...result.events);
    else rejected.push({ reason: `${where}: ${result.reason}`, item });
  };
  if (shape.kind === 'logfile') shape.records.forEach((r, i) => one(r, `Records[${i}]`, null));
  else one(shape.record, 'detail', shape.account);
  return { events, rejected };
}

export const aws: SourceModule = {
  name: 'aws',
  defaultPlane: 'platform',
  webhook: awsWebhook,
  samples: webhookSamples,
  normalize: normalizeAws,
};

export { mapCloudTrailRecord, MAPPED_EVENT_NAMES } from './map.ts';
export { parseCloudTrailDate, parseJavaDate } from './dates.ts';
export { verifyAwsRequest } from './webhook.ts';
