// Vendors that sign nothing (Okta event hooks, Auth0 log streams, forwarded CloudTrail) send a
// static shared secret in the Authorization header. Compared as SHA-256 digests with
// timingSafeEqual, so neither the secret's length nor a prefix leaks through timing. Accepted
// forms: the secret exactly, or `Bearer <secret>`; both comparisons always run. Messages never
// echo a value.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookVerdict } from './source-module.ts';

export const STATIC_SECRET_SCHEME = 'static-secret';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** True when `given` is the secret or `Bearer <secret>`; constant time in the secret. */
export function secretMatches(given: string, secret: string): boolean {
  const expected = digest(secret);
  const exact = timingSafeEqual(digest(given), expected);
  const m = /^bearer\s+(.+)$/i.exec(given);
  const bearer = timingSafeEqual(digest(m ? m[1]! : given), expected) && m !== null;
  return exact || bearer;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | string[] | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

export interface StaticSecretMessages {
  /** e.g. 'no shared secret configured for this AWS connection' */
  noSecret: string;
  /** e.g. "Authorization header missing (send the connection's shared secret in it)" */
  missing: string;
  /** e.g. "Authorization header does not match the AWS connection's shared secret" */
  mismatch: string;
}

/** Checks the Authorization header against the connection's secret. Synchronous, never throws. */
export function verifyStaticSecret(headers: IncomingHttpHeaders, secret: string, messages: StaticSecretMessages): WebhookVerdict {
  const fail = (error: string): WebhookVerdict => ({ ok: false, status: 401, error });
  if (typeof secret !== 'string' || secret.length === 0) return fail(messages.noSecret);
  const raw = headerValue(headers, 'authorization');
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) return fail(messages.missing);
  if (Array.isArray(raw) && raw.length > 1) return fail('Authorization header sent more than once');
  const value = (Array.isArray(raw) ? raw[0] : raw) ?? '';
  if (value.trim().length === 0) return fail('Authorization header is empty');
  if (!secretMatches(value, secret)) return fail(messages.mismatch);
  return { ok: true, verification: { scheme: STATIC_SECRET_SCHEME, verified: true, detail: 'authorization header' } };
}
