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

const PASSWORD_KEY = /^(?:.*:)?password$/i;

export function isPasswordAttribute(name: string): boolean {
  return PASSWORD_KEY.test(name.trim());
}

export interface Stripped<T = unknown> {
  value: T;
  /** Whether anything was removed (a password was supplied). */
  stripped: boolean;
}

export function stripPasswords(input: unknown): Stripped {
  let stripped = false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const obj = v as Record<string, unknown>;
    const pathIsPassword = typeof obj.path === 'string' && isPasswordAttribute(obj.path);
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(obj)) {
      if (isPasswordAttribute(k) || (pathIsPassword && k.toLowerCase() === 'value')) {
        stripped = true;
        continue;
      }
      out[k] = walk(val);
    }
    return out;
  };
  const value = walk(input);
  return { value, stripped };
}

/**
 * Redacts a JSON body given as bytes. When nothing had to be removed the ORIGINAL buffer is
 * returned (byte-exact evidence); otherwise the stripped value re-serialized as compact JSON.
 * A body that is not JSON is returned as is (the caller rejects it as malformed; it is never stored).
 */
export function redactJsonBody(raw: Buffer): Buffer {
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return raw;
  }
  const { value, stripped } = stripPasswords(parsed);
  return stripped ? Buffer.from(JSON.stringify(value), 'utf8') : raw;
}
