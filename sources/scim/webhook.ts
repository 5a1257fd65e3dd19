// Signature of SCIM-copy webhooks (POST /webhooks/scim/<connection>), planewatch's own scheme for
// products that run their own SCIM endpoint and post a copy of each operation:
//
//   X-Planewatch-Signature: t=<unix ms>,v1=<hex HMAC-SHA256(secret, t + "." + rawBody)>
//
// Recipe for the sender: take the exact bytes of the JSON body you are about to send, compute
// HMAC-SHA256 keyed with the connection's secret over the ASCII of t, a ".", then those bytes;
// hex-encode it (lower case). Several v1= values may be sent while a secret rotates. t must be
// within the connection's signature_tolerance (default 3 minutes) of planewatch's clock, in both
// directions. Example (Node):
//   const t = Date.now();
//   const v1 = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
//   headers['X-Planewatch-Signature'] = `t=${t},v1=${v1}`;
// The check runs over the bytes as received, before anything parses or redacts them.
import { hmacHex, safeEqualHex, signatureHeaderParts } from '../../source-kit/hmac-signature.ts';
import type { WebhookHandler, WebhookVerdict, WebhookVerifyInput } from '../../source-kit/source-module.ts';
import { headerValue } from '../../source-kit/static-secret.ts';
import { describeJsonType, formatIssues, parseScimJson, ScimCopySchema } from './payloads.ts';

export const SCIM_SIGNATURE_HEADER = 'x-planewatch-signature';
export const SCIM_SIGNATURE_SCHEME = 'planewatch-hmac-sha256';

/** Builds the X-Planewatch-Signature value for `rawBody`, as a sender must. */
export function signScimCopy(rawBody: string | Buffer, secret: string, timestampMs: number): string {
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    throw new Error(`signScimCopy: timestampMs must be a non-negative integer (unix ms), got ${timestampMs}`);
  }
  const t = String(timestampMs);
  return `t=${t},v1=${hmacHex(rawBody, secret, t)}`;
}

function parse(value: string): { t: string; ms: number; sigs: string[] } | string {
  const { t, v1, repeatedT } = signatureHeaderParts(value);
  if (repeatedT) return 'X-Planewatch-Signature: more than one t= timestamp';
  const sigs = v1.map((sig) => sig.toLowerCase());
  if (t === undefined) return 'X-Planewatch-Signature: no t= timestamp';
  if (!/^\d{1,16}$/.test(t)) return 'X-Planewatch-Signature: t= is not a whole number of milliseconds';
  if (sigs.length === 0) return 'X-Planewatch-Signature: no v1= signature';
  return { t, ms: Number(t), sigs };
}

/** Verifies a SCIM-copy delivery over its raw bytes. Never throws. */
export function verifyScimCopySignature(input: WebhookVerifyInput): WebhookVerdict {
  const { headers, rawBody, secret, nowMs, toleranceMs } = input;
  if (typeof secret !== 'string' || secret.length === 0)
    return { ok: false, status: 401, error: 'no signing secret configured for this connection' };
  const raw = headerValue(headers, SCIM_SIGNATURE_HEADER);
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0))
    return { ok: false, status: 401, error: 'X-Planewatch-Signature header missing' };
  if (Array.isArray(raw) && raw.length > 1) return { ok: false, status: 401, error: 'X-Planewatch-Signature header sent more than once' };
  const value = (Array.isArray(raw) ? raw[0] : raw) ?? '';
  const parsed = parse(value);
  if (typeof parsed === 'string') return { ok: false, status: 401, error: parsed };
  const expected = hmacHex(rawBody, secret, parsed.t);
  let matched = false;
  for (const sig of parsed.sigs) if (safeEqualHex(expected, sig)) matched = true;
  if (!matched) return { ok: false, status: 401, error: 'X-Planewatch-Signature: signature mismatch' };
  const age = nowMs - parsed.ms;
  if (Math.abs(age) > toleranceMs) {
    const hint = parsed.ms < 1e11 ? ' (t looks like seconds; send milliseconds)' : '';
    return {
      ok: false,
      status: 401,
      error: `X-Planewatch-Signature timestamp is ${Math.round(Math.abs(age) / 1000)} s ${age > 0 ? 'old' : 'in the future'}, tolerance ${Math.round(toleranceMs / 1000)} s${hint}`,
    };
  }
  return { ok: true, verification: { scheme: SCIM_SIGNATURE_SCHEME, verified: true, detail: `t=${parsed.ms}` } };
}

/** The 400 check of a SCIM-copy delivery before it is acknowledged. */
export function checkScimCopyBody(rawBody: Buffer): string | null {
  const parsed = parseScimJson(rawBody);
  if (!parsed.ok) return 'body: not valid JSON';
  const v = parsed.value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return `body: expected a JSON object {method, path, status, request, response}, received ${describeJsonType(v)}`;
  }
  const copy = ScimCopySchema.safeParse(v);
  return copy.success ? null : formatIssues(copy.error);
}

export const scimWebhook: WebhookHandler = {
  verify: verifyScimCopySignature,
  keepHeaders: ['content-type', 'user-agent', 'x-request-id'],
  checkBody: checkScimCopyBody,
};
