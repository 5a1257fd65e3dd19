// zod schemas for the two CloudTrail shapes the AWS webhook accepts (docs/vendors/aws.md):
// - an EventBridge event: `{"version":"0","id","detail-type":"AWS API Call via CloudTrail" (or
//   "AWS Console Sign In via CloudTrail" for ConsoleLogin), "source","account","time","region",
//   "detail": {…one CloudTrail record…}}`;
// - a CloudTrail log file as written to S3 (after gunzip): `{"Records": [record, …]}`.
// Records are loose; eventID, eventName and eventTime are what the mapping keys on.
import { z } from 'zod';
import { lenient } from '../../source-kit/lenient.ts';
import { describeValue, formatIssues } from '../../source-kit/issues.ts';

const str = lenient(z.string());
const obj = lenient(z.record(z.string(), z.unknown()));

export const EventBridgeSchema = z.looseObject({
  'detail-type': z.string().min(1),
  detail: z.record(z.string(), z.unknown()),
  id: str,
  source: str,
  account: str,
  time: str,
  region: str,
});
export type EventBridgeEvent = z.infer<typeof EventBridgeSchema>;

export const LogFileSchema = z.looseObject({ Records: z.array(z.unknown()) });

/** EventBridge detail-types that carry a CloudTrail record. */
export function isCloudTrailDetailType(detailType: string): boolean {
  return /via CloudTrail$/i.test(detailType.trim());
}

export const UserIdentitySchema = z.looseObject({
  type: str,
  principalId: str,
  arn: str,
  accountId: str,
  accessKeyId: str,
  userName: str,
  invokedBy: str,
  sessionContext: obj,
});
export type UserIdentity = z.infer<typeof UserIdentitySchema>;

export const CloudTrailRecordSchema = z.looseObject({
  eventID: z.string().min(1),
  eventName: z.string().min(1),
  eventTime: z.string(),
  eventVersion: str,
  eventSource: str,
  eventType: str,
  awsRegion: str,
  sourceIPAddress: str,
  userAgent: str,
  userIdentity: lenient(UserIdentitySchema),
  /** Null when the call failed before AWS parsed it (and always for some calls). */
  requestParameters: obj,
  responseElements: obj,
  additionalEventData: obj,
  errorCode: str,
  errorMessage: str,
  requestID: str,
  recipientAccountId: str,
  managementEvent: lenient(z.boolean()),
  readOnly: lenient(z.boolean()),
});
export type CloudTrailRecord = z.infer<typeof CloudTrailRecordSchema>;

export type DeliveryShape =
  | { kind: 'logfile'; records: unknown[] }
  | { kind: 'eventbridge'; record: Record<string, unknown>; account: string | null }
  | { kind: 'invalid'; error: string };

/** Which of the two accepted shapes a parsed body is, or why it is neither. */
export function deliveryShapeOf(body: unknown): DeliveryShape {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      kind: 'invalid',
      error: `body: expected a JSON object (a CloudTrail log file {"Records":[…]} or an EventBridge event), received ${describeValue(body)}`,
    };
  }
  const b = body as Record<string, unknown>;
  if ('Records' in b) {
    const file = LogFileSchema.safeParse(b);
    return file.success
      ? { kind: 'logfile', records: file.data.Records }
      : { kind: 'invalid', error: `CloudTrail log file: ${formatIssues(file.error)}` };
  }
  if ('detail-type' in b || 'detail' in b) {
    const ev = EventBridgeSchema.safeParse(b);
    if (!ev.success) return { kind: 'invalid', error: `EventBridge event: ${formatIssues(ev.error)}` };
    if (!isCloudTrailDetailType(ev.data['detail-type'])) {
      return {
        kind: 'invalid',
        error: `detail-type: expected a CloudTrail detail-type ("AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"), received ${JSON.stringify(ev.data['detail-type'].slice(0, 100))}`,
      };
    }
    return { kind: 'eventbridge', record: ev.data.detail, account: ev.data.account ?? null };
  }
  return {
    kind: 'invalid',
    error: 'body: expected "Records" (a CloudTrail log file) or "detail-type" and "detail" (an EventBridge event), found neither',
  };
}

export { describeValue, formatIssues };
