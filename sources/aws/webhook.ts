// The AWS webhook is planewatch's own endpoint: whatever forwards CloudTrail (an EventBridge API
// destination with an API-key connection, or a Lambda posting log files) sends the connection's
// shared secret as the `Authorization` header value. CloudTrail itself signs nothing that survives
// forwarding, so the shared secret is the authentication.
//
// The comparison itself is core/sources/static-secret.ts (constant time, never echoes a value).
import type { WebhookVerdict, WebhookVerifyInput } from '../../core/sources/source-module.ts';
import { STATIC_SECRET_SCHEME, verifyStaticSecret } from '../../core/sources/static-secret.ts';

export const AWS_AUTH_SCHEME = STATIC_SECRET_SCHEME;
export { secretMatches } from '../../core/sources/static-secret.ts';

/** WebhookHandler.verify for CloudTrail deliveries. Synchronous, never throws. */
export function verifyAwsRequest(input: WebhookVerifyInput): WebhookVerdict {
  return verifyStaticSecret(input.headers, input.secret, {
    noSecret: 'no shared secret configured for this AWS connection',
    missing: "Authorization header missing (send the connection's shared secret in it)",
    mismatch: "Authorization header does not match the AWS connection's shared secret",
  });
}
