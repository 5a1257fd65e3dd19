// The generic webhook signature (docs/ALERTS.md "Verifying the signature"):
//   header  Planewatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// Receivers recompute the HMAC over the exact bytes received, compare in constant time and reject
// timestamps further than the tolerance from their clock (replay protection).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'planewatch-signature';
export const DEFAULT_TOLERANCE_S = 300;

export function signWebhook(secret: string, body: string, timestampS: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${v1}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

export function verifyWebhook(
  secret: string,
  body: string,
  header: string | undefined,
  nowS: number,
  toleranceS = DEFAULT_TOLERANCE_S,
): VerifyResult {
  if (!header) return { ok: false, reason: 'missing Planewatch-Signature header' };
  const parts = new Map(
    header.split(',').map((p) => {
      const i = p.indexOf('=');
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
    }),
  );
  const t = Number(parts.get('t'));
  const v1 = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1))
    return { ok: false, reason: 'malformed header: expected t=<unix seconds>,v1=<64 hex>' };
  if (Math.abs(nowS - t) > toleranceS) return { ok: false, reason: `timestamp ${t} outside the ${toleranceS}s tolerance` };
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) return { ok: false, reason: 'signature mismatch' };
  return { ok: true, timestamp: t };
}
