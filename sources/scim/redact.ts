// The SCIM `password` attribute (RFC 7643 §4.1.1, writeOnly, returned never) must never be stored,
// logged or forwarded. Both SCIM paths strip it at the edge, before anything else sees the body:
// the service provider (services/scim) right after parsing the request, the SCIM-copy webhook
// (index.ts, WebhookHandler.redactBody) right after the signature was checked over the original
// bytes and before the collector builds the raw envelope.
//
// What is removed, at any depth of any JSON value:
//  - every member whose name is `password` (any case) or ends in `:password` (schema-qualified,
//    e.g. "urn:ietf:params:scim:schemas:core:2.0:User:password");
//  - the `value` of every object whose `path` names the password attribute (a PATCH operation
//    `{"op":"replace","path":"password","value":"…"}` keeps `op` and `path`, loses `value`).
// Pure and deterministic: the same input always gives the same output.

import { redactJsonMembers, stripMembers, type SecretMember } from '../../core/sources/redact.ts';

const PASSWORD_KEY = /^(?:.*:)?password$/i;

export function isPasswordAttribute(name: string): boolean {
  return PASSWORD_KEY.test(name.trim());
}

/** A password member, or the `value` of an object whose `path` names the password attribute (a PATCH operation). */
const isPasswordMember: SecretMember = (k, obj) => isPasswordAttribute(k) || (k.toLowerCase() === 'value' && typeof obj.path === 'string' && isPasswordAttribute(obj.path));

export interface Stripped<T = unknown> {
  value: T;
  /** Whether anything was removed (a password was supplied). */
  stripped: boolean;
}

export function stripPasswords(input: unknown): Stripped {
  return stripMembers(input, isPasswordMember);
}

/**
 * Redacts a JSON body given as bytes. When nothing had to be removed the ORIGINAL buffer is
 * returned (byte-exact evidence); otherwise the stripped value re-serialized as compact JSON.
 * A body that is not JSON is returned as is (the caller rejects it as malformed; it is never stored).
 */
export function redactJsonBody(raw: Buffer): Buffer {
  return redactJsonMembers(raw, isPasswordMember);
}
