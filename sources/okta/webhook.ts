// Okta event hooks are not signed. Every request Okta sends (the one-time verification GET and
// each POST delivery) carries the static secret configured on the hook
// (`channel.config.authScheme = {type: "HEADER", key: "Authorization", value: <secret>}`) as the
// `Authorization` header value, verbatim. The Okta docs: "Okta provides it in every request" —
// so the verification GET is authenticated the same way as deliveries.
//
// The comparison itself is source-kit/static-secret.ts (constant time, never echoes a value).
import type { HandshakeInput, WebhookHandler, WebhookVerdict, WebhookVerifyInput } from '../../source-kit/source-module.ts';
import { parseJsonBody, type JsonBodyParse } from '../../source-kit/json-body.ts';
import { STATIC_SECRET_SCHEME, headerValue as header, verifyStaticSecret } from '../../source-kit/static-secret.ts';
import { describeValue } from './payloads.ts';

export const OKTA_AUTH_SCHEME = STATIC_SECRET_SCHEME;
export const OKTA_CHALLENGE_HEADER = 'x-okta-verification-challenge';
/** Okta's challenge is a short random string; anything longer is not a genuine handshake. */
const MAX_CHALLENGE_LENGTH = 1024;
export { secretMatches } from '../../source-kit/static-secret.ts';

/** WebhookHandler.verify for Okta deliveries. Synchronous, never throws. */
export function verifyOktaRequest(input: WebhookVerifyInput): WebhookVerdict {
  return verifyStaticSecret(input.headers, input.secret, {
    noSecret: 'no Okta event hook secret configured for this connection',
    missing: 'Authorization header missing (Okta sends the event hook secret in it)',
    mismatch: "Authorization header does not match the connection's Okta event hook secret",
  });
}

const errorBody = (status: number, code: string, message: string) => ({ error: { status, code, message } });

/**
 * The one-time verification: a GET carrying X-Okta-Verification-Challenge is answered 200
 * `{"verification": "<value>"}` once its Authorization header matches. Anything else that is not
 * a POST (no challenge header, another method) is not a handshake: null, and the collector answers 405.
 */
export function oktaHandshake(input: HandshakeInput): { status: number; body: unknown } | null {
  if (input.method.toUpperCase() !== 'GET') return null;
  const raw = header(input.headers, OKTA_CHALLENGE_HEADER);
  if (raw === undefined) return null;
  const auth = verifyOktaRequest({ headers: input.headers, secret: input.secret, rawBody: Buffer.alloc(0), nowMs: 0, toleranceMs: 0 });
  if (!auth.ok) return { status: 401, body: errorBody(401, 'unauthorized', auth.error) };
  if (Array.isArray(raw) && raw.length !== 1) {
    return { status: 400, body: errorBody(400, 'bad_request', 'X-Okta-Verification-Challenge header sent more than once') };
  }
  const challenge = (Array.isArray(raw) ? raw[0] : raw) ?? '';
  if (challenge.length === 0) {
    return { status: 400, body: errorBody(400, 'bad_request', 'X-Okta-Verification-Challenge header is empty') };
  }
  if (challenge.length > MAX_CHALLENGE_LENGTH) {
    return {
      status: 400,
      body: errorBody(400, 'bad_request', `X-Okta-Verification-Challenge header is longer than ${MAX_CHALLENGE_LENGTH} characters`),
    };
  }
  return { status: 200, body: { verification: challenge } };
}

/** The 400 check before a delivery is acknowledged: a JSON object holding a `data.events` array. */
export function checkOktaBody(rawBody: Buffer, alreadyParsed?: JsonBodyParse): string | null {
  const parsed = alreadyParsed ?? parseJsonBody(rawBody);
  if (!parsed.ok) return parsed.error;
  const body = parsed.value;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return `body: expected a JSON object (an Okta event hook delivery), received ${describeValue(body)}`;
  }
  const data = (body as Record<string, unknown>).data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return `data: expected object holding events[], received ${describeValue(data)}`;
  }
  const events = (data as Record<string, unknown>).events;
  if (!Array.isArray(events)) return `data.events: expected array of LogEvents, received ${describeValue(events)}`;
  return null;
}

export const oktaWebhook: WebhookHandler = {
  handshake: oktaHandshake,
  verify: verifyOktaRequest,
  keepHeaders: ['content-type', 'user-agent', 'accept'],
  checkBody: checkOktaBody,
};
