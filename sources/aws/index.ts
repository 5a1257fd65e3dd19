// AWS CloudTrail (IAM users, access keys, console sign-in) — the cloud account whose keys reach
// Bedrock and other AI services, so the platform plane by default; a connection `plane:` or a
// plane rule on the account id (plane_keys.organization_id) overrides it.
import type { NormalizeInput, NormalizeOutcome, RejectedItem, SourceModule, WebhookHandler } from '../../core/sources/source-module.ts';
import type { MappedEvent } from '../../core/events/identity-event.ts';
import { parseJsonBody } from '../../core/sources/json-body.ts';
import { mapCloudTrailRecord } from './map.ts';
import { describeValue, EventBridgeSchema, formatIssues, isCloudTrailDetailType, LogFileSchema } from './payloads.ts';
import { verifyAwsRequest } from './webhook.ts';
import { awsSamples } from './samples.ts';

type Shape =
  | { kind: 'logfile'; records: unknown[] }
  | { kind: 'eventbridge'; record: Record<string, unknown>; account: string | null }
  | { kind: 'invalid'; error: string };

/** Which of the two accepted shapes a parsed body is, or why it is neither. */
function shapeOf(body: unknown): Shape {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'invalid', error: `body: expected a JSON object (a CloudTrail log file {"Records":[…]} or an EventBridge event), received ${describeValue(body)}` };
  }
  const b = body as Record<string, unknown>;
  if ('Records' in b) {
    const file = LogFileSchema.safeParse(b);
    return file.success ? { kind: 'logfile', records: file.data.Records } : { kind: 'invalid', error: `CloudTrail log file: ${formatIssues(file.error)}` };
  }
  if ('detail-type' in b || 'detail' in b) {
    const ev = EventBridgeSchema.safeParse(b);
    if (!ev.success) return { kind: 'invalid', error: `EventBridge event: ${formatIssues(ev.error)}` };
    if (!isCloudTrailDetailType(ev.data['detail-type'])) {
      return { kind: 'invalid', error: `detail-type: expected a CloudTrail detail-type ("AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"), received ${JSON.stringify(ev.data['detail-type'].slice(0, 100))}` };
    }
    return { kind: 'eventbridge', record: ev.data.detail, account: ev.data.account ?? null };
  }
  return { kind: 'invalid', error: 'body: expected "Records" (a CloudTrail log file) or "detail-type" and "detail" (an EventBridge event), found neither' };
}

/** The 400 check before a delivery is acknowledged. */
export function checkAwsBody(rawBody: Buffer): string | null {
  const parsed = parseJsonBody(rawBody);
  if (!parsed.ok) return parsed.error;
  const shape = shapeOf(parsed.value);
  return shape.kind === 'invalid' ? shape.error : null;
}

export const awsWebhook: WebhookHandler = {
  verify: verifyAwsRequest,
  keepHeaders: ['content-type', 'user-agent'],
  checkBody: checkAwsBody,
};

/**
 * A CloudTrail log file (each record mapped or rejected on its own) or one EventBridge event.
 * Throws only for a body that is not JSON or neither shape.
 */
export function normalizeAws(input: NormalizeInput): NormalizeOutcome {
  const parsed = parseJsonBody(input.body);
  if (!parsed.ok) throw new Error(`AWS ${parsed.error}`);
  const shape = shapeOf(parsed.value);
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
  samples: awsSamples,
  normalize: normalizeAws,
};

export { mapCloudTrailRecord, MAPPED_EVENT_NAMES } from './map.ts';
export { parseCloudTrailDate, parseJavaDate } from './dates.ts';
export { verifyAwsRequest } from './webhook.ts';
