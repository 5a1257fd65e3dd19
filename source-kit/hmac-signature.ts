// The parts of a timestamped HMAC webhook signature that do not depend on the vendor:
//   <Header>: t=<timestamp>,v1=<hex HMAC-SHA256(secret, t + "." + rawBody)>[,v1=<…>]
// as WorkOS signs its webhooks and planewatch's own SCIM-copy webhook does (modelled on it). The
// header's name, the timestamp's unit and range, the tolerance and every message stay in the
// vendor module (sources/<vendor>/webhook.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Hex HMAC-SHA256 keyed with `secret` over the ASCII of `t`, a ".", then the body's bytes (a string as UTF-8). */
export function hmacHex(rawBody: string | Buffer, secret: string, t: string): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${t}.`, 'utf8');
  mac.update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody);
  return mac.digest('hex');
}

/** Constant-time comparison of two hex strings; a different length is simply a mismatch. */
export function safeEqualHex(expectedHex: string, givenHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8');
  const given = Buffer.from(givenHex, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * The `t=` and every `v1=` of a header value (comma-separated `key=value` parts, white space around
 * them ignored, other keys and parts without `=` skipped). `repeatedT` when more than one `t=` was sent.
 */
export function signatureHeaderParts(value: string): { t: string | undefined; v1: string[]; repeatedT: boolean } {
  let t: string | undefined;
  let repeatedT = false;
  const v1: string[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const val = part.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== undefined) {
        repeatedT = true;
        break;
      }
      t = val;
    } else if (key === 'v1') v1.push(val);
  }
  return { t, v1, repeatedT };
}
