// Auth0 log streams of type "Custom Webhook" are not signed: the stream's optional "Authorization
// Token" is sent verbatim as the `Authorization` header value on every POST, with no handshake.
// planewatch requires it (a connection always has a secret).
//
// The comparison itself is source-kit/static-secret.ts (constant time, accepts `Bearer <token>`
// since the token is often entered in Auth0 with its scheme; never echoes a value).
import type { WebhookHandler, WebhookVerdict, WebhookVerifyInput } from '../../source-kit/source-module.ts';
import { STATIC_SECRET_SCHEME, verifyStaticSecret } from '../../source-kit/static-secret.ts';
import { parseAuth0Body } from './payloads.ts';

export const AUTH0_AUTH_SCHEME = STATIC_SECRET_SCHEME;
export { secretMatches } from '../../source-kit/static-secret.ts';

/** WebhookHandler.verify for Auth0 log stream deliveries. Synchronous, never throws. */
export function verifyAuth0Request(input: WebhookVerifyInput): WebhookVerdict {
  return verifyStaticSecret(input.headers, input.secret, {
    noSecret: 'no Auth0 log stream token configured for this connection',
    missing: "Authorization header missing (set the log stream's Authorization Token to the connection secret)",
    mismatch: "Authorization header does not match the connection's Auth0 log stream token",
  });
}

/** The 400 check before a delivery is acknowledged: JSONARRAY, JSONOBJECT or JSONLINES with at least one JSON record. */
export function checkAuth0Body(rawBody: Buffer): string | null {
  const parsed = parseAuth0Body(rawBody);
  return parsed.ok ? null : parsed.error;
}

export const auth0Webhook: WebhookHandler = {
  verify: verifyAuth0Request,
  keepHeaders: ['content-type', 'user-agent'],
  checkBody: checkAuth0Body,
};
