// The AWS webhook is planewatch's own endpoint: whatever forwards CloudTrail (an EventBridge API
// destination with an API-key connection, or a Lambda posting log files) sends the connection's
// shared secret as the `Authorization` header value. CloudTrail itself signs nothing that survives
// forwarding, so the shared secret is the authentication.
//
// The comparison itself is source-kit/static-secret.ts (constant time, never echoes a value).
import type { WebhookHandler, WebhookVerdict, WebhookVerifyInput } from '../../source-kit/source-module.ts';
import { parseJsonBody, type JsonBodyParse } from '../../source-kit/json-body.ts';
import { STATIC_SECRET_SCHEME, verifyStaticSecret } from '../../source-kit/static-secret.ts';
import { deliveryShapeOf } from './payloads.ts';

export const AWS_AUTH_SCHEME = STATIC_SECRET_SCHEME;
export { secretMatches } from '../../source-kit/static-secret.ts';

/** WebhookHandler.verify for CloudTrail deliveries. Synchronous, never throws. */
export function verifyAwsRequest(input: WebhookVerifyInput): WebhookVerdict {
  return verifyStaticSecret(input.headers, input.secret, {
    noSecret: 'no shared secret configured for this AWS connection',
    missing: "Authorization header missing (send the connection's shared secret in it)",
    mismatch: "Authorization header does not match the AWS connection's shared secret",
  });
}

/** The 400 check before a delivery is acknowledged. */
export function checkAwsBody(rawBody: Buffer, alreadyParsed?: JsonBodyParse): string | null {
  const parsed = alreadyParsed ?? parseJsonBody(rawBody);
  if (!parsed.ok) return parsed.error;
  const shape = deliveryShapeOf(parsed.value);
  return shape.kind === 'invalid' ? shape.error : null;
}

export const awsWebhook: WebhookHandler = {
  verify: verifyAwsRequest,
  keepHeaders: ['content-type', 'user-agent'],
  checkBody: checkAwsBody,
};
