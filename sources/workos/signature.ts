// WorkOS webhook signature: `WorkOS-Signature: t=<unix ms>, v1=<hex HMAC-SHA256(secret, `${t}.${rawBody}`)>`.
//
// Why not the official SDK (@workos-inc/node@8.8.0, the last line that runs on Node 20):
// `webhooks.verifyHeader` / `constructEvent` always compute the HMAC over `JSON.stringify(payload)`.
// Given the raw body as a string it signs the JSON-quoted string, so a genuine delivery never
// verifies; given the parsed object it signs a re-serialization, which differs from the bytes
// WorkOS signed as soon as the sender's whitespace or key escaping differs. It also reads the
// clock itself (`Date.now()`, no injectable now), accepts any future timestamp, and a header
// without `t=` passes its age check (`parseInt(undefined) < x` is false). All four were checked
// against the package in a scratch directory. So the check is written here with node:crypto over
// the exact received bytes, with a tolerance in both directions.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookVerdict, WebhookVerifyInput } from '../../core/sources/source-module.ts';

export const WORKOS_SIGNATURE_HEADER = 'workos-signature';
export const WORKOS_SIGNATURE_SCHEME = 'workos-hmac-sha256';
/** The SDKs' default: 180 s. The connection config may override it. */
export const WORKOS_DEFAULT_TOLERANCE_MS = 180_000;

function hmacHex(rawBody: string | Buffer, secret: string, timestamp: string): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`, 'utf8');
  // A Buffer is hashed as is; a string is hashed as its UTF-8 bytes (what would go on the wire).
  mac.update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody);
  return mac.digest('hex');
}

/** Builds a `WorkOS-Signature` header value for `rawBody`, as WorkOS would send it. */
export function signWorkosPayload(rawBody: string | Buffer, secret: string, timestampMs: number): string {
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    throw new Error(`signWorkosPayload: timestampMs must be a non-negative integer (unix ms), got ${timestampMs}`);
  }
  const t = String(timestampMs);
  return `t=${t}, v1=${hmacHex(rawBody, secret, t)}`;
}

export interface ParsedWorkosSignature {
  timestampMs: number;
  /** Every `v1=` value in the header (normally one). */
  signatures: string[];
}

/** Parses the header value; returns an error message naming what is wrong, or the parts. */
export function parseWorkosSignatureHeader(value: string): ParsedWorkosSignature | string {
  let t: string | undefined;
  const signatures: string[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const val = part.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== undefined) return 'WorkOS-Signature: more than one t= timestamp';
      t = val;
    } else if (key === 'v1') {
      signatures.push(val);
    }
  }
  if (t === undefined) return 'WorkOS-Signature: no t= timestamp';
  if (!/^\d{1,16}$/.test(t)) return `WorkOS-Signature: t= timestamp is not a whole number of milliseconds`;
  const timestampMs = Number(t);
  if (!Number.isSafeInteger(timestampMs)) return 'WorkOS-Signature: t= timestamp is out of range';
  if (signatures.length === 0) return 'WorkOS-Signature: no v1= signature';
  return { timestampMs, signatures };
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? String(s) : s.toFixed(3).replace(/0+$/, '');
}

function headerValue(headers: IncomingHttpHeaders): string | string[] | undefined {
  const direct = headers[WORKOS_SIGNATURE_HEADER];
  if (direct !== undefined) return direct;
  // IncomingMessage lower-cases names; tolerate hand-built header objects that did not.
  for (const [name, v] of Object.entries(headers)) {
    if (name.toLowerCase() === WORKOS_SIGNATURE_HEADER) return v;
  }
  return undefined;
}

function safeEqualHex(expectedHex: string, givenHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8');
  const given = Buffer.from(givenHex, 'utf8');
  // timingSafeEqual throws on different lengths: a wrong length is simply a mismatch.
  if (expected.length !== given.length) return false;
  return timingSafeEqual(expected, given);
}

/** Verifies a WorkOS delivery over its raw bytes. Synchronous, never throws. */
export function verifyWorkosSignature(input: WebhookVerifyInput): WebhookVerdict {
  const { headers, rawBody, secret, nowMs, toleranceMs } = input;
  if (typeof secret !== 'string' || secret.length === 0) {
    return { ok: false, status: 401, error: 'no WorkOS webhook secret configured for this connection' };
  }
  const raw = headerValue(headers);
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) {
    return { ok: false, status: 401, error: 'WorkOS-Signature header missing' };
  }
  if (Array.isArray(raw) && raw.length > 1) {
    return { ok: false, status: 401, error: 'WorkOS-Signature header sent more than once' };
  }
  const value = (Array.isArray(raw) ? raw[0] : raw) ?? '';
  if (value.trim().length === 0) return { ok: false, status: 401, error: 'WorkOS-Signature header is empty' };

  const parsed = parseWorkosSignatureHeader(value);
  if (typeof parsed === 'string') return { ok: false, status: 401, error: parsed };

  const expected = hmacHex(rawBody, secret, String(parsed.timestampMs));
  // Check every v1 (rotation may send several); do not stop early, so timing does not tell which.
  let matched = false;
  for (const sig of parsed.signatures) {
    if (safeEqualHex(expected, sig.toLowerCase())) matched = true;
  }
  if (!matched) return { ok: false, status: 401, error: 'WorkOS-Signature: signature mismatch' };

  const age = nowMs - parsed.timestampMs;
  if (age > toleranceMs) {
    const hint = parsed.timestampMs < 1e11 ? ' (t looks like seconds; WorkOS sends milliseconds)' : '';
    return {
      ok: false,
      status: 401,
      error: `WorkOS-Signature timestamp is ${seconds(age)} s old, tolerance ${seconds(toleranceMs)} s${hint}`,
    };
  }
  if (-age > toleranceMs) {
    return {
      ok: false,
      status: 401,
      error: `WorkOS-Signature timestamp is ${seconds(-age)} s in the future, tolerance ${seconds(toleranceMs)} s`,
    };
  }
  return {
    ok: true,
    verification: { scheme: WORKOS_SIGNATURE_SCHEME, verified: true, detail: `t=${parsed.timestampMs}` },
  };
}
