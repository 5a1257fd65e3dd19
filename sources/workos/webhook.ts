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
import { hmacHex, safeEqualHex, signatureHeaderParts } from '../../source-kit/hmac-signature.ts';
import type { WebhookHandler, WebhookVerdict, WebhookVerifyInput } from '../../source-kit/source-module.ts';
import { parseJsonBody, type JsonBodyParse } from '../../source-kit/json-body.ts';
import { headerValue } from '../../source-kit/static-secret.ts';
import { describeValue } from './payloads.ts';

export const WORKOS_SIGNATURE_HEADER = 'workos-signature';
export const WORKOS_SIGNATURE_SCHEME = 'workos-hmac-sha256';
/** The SDKs' default: 180 s. The connection config may override it. */
export const WORKOS_DEFAULT_TOLERANCE_MS = 180_000;

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
  const { t, v1: signatures, repeatedT } = signatureHeaderParts(value);
  if (repeatedT) return 'WorkOS-Signature: more than one t= timestamp';
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

/** Verifies a WorkOS delivery over its raw bytes. Synchronous, never throws. */
export function verifyWorkosSignature(input: WebhookVerifyInput): WebhookVerdict {
  const { headers, rawBody, secret, nowMs, toleranceMs } = input;
  if (typeof secret !== 'string' || secret.length === 0) {
    return { ok: false, status: 401, error: 'no WorkOS webhook secret configured for this connection' };
  }
  // headerValue also finds a hand-built header object whose names were not lower-cased.
  const raw = headerValue(headers, WORKOS_SIGNATURE_HEADER);
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

/** The 400 check before a delivery is acknowledged: a JSON object with string id, string event, object data. */
export function checkWorkosBody(rawBody: Buffer, alreadyParsed?: JsonBodyParse): string | null {
  const parsed = alreadyParsed ?? parseJsonBody(rawBody);
  if (!parsed.ok) return parsed.error;
  const body = parsed.value;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return `body: expected a JSON object (a WorkOS event), received ${describeValue(body)}`;
  }
  const b = body as Record<string, unknown>;
  if (typeof b.id !== 'string' || b.id.length === 0) {
    return `id: expected non-empty string (the WorkOS event id), received ${b.id === '' ? 'empty string' : describeValue(b.id)}`;
  }
  if (typeof b.event !== 'string' || b.event.length === 0) {
    return `event: expected non-empty string (the event type), received ${b.event === '' ? 'empty string' : describeValue(b.event)}`;
  }
  if (typeof b.data !== 'object' || b.data === null || Array.isArray(b.data)) {
    return `data: expected object, received ${describeValue(b.data)}`;
  }
  return null;
}

export const workosWebhook: WebhookHandler = {
  verify: verifyWorkosSignature,
  keepHeaders: ['content-type', 'user-agent', 'x-request-id'],
  checkBody: checkWorkosBody,
};
