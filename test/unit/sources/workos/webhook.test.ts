import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redactSecretsParsed } from '../../../../source-kit/redact.ts';
import type { WebhookVerdict } from '../../../../source-kit/source-module.ts';
import { workos } from '../../../../sources/workos/index.ts';
import { signWorkosPayload, verifyWorkosSignature } from '../../../../sources/workos/webhook.ts';

const SECRET = 'whsec_test_placeholder_secret';
const NOW = 1_740_823_201_123;
const TOLERANCE = 180_000;
// Raw bytes as WorkOS might send them: spacing and key order a re-serialization would not keep.
const RAW = readFileSync(fileURLToPath(new URL('../../../fixtures/workos/dsync.user.updated.json', import.meta.url)));

function verify(headers: IncomingHttpHeaders, rawBody: Buffer = RAW, opts: { secret?: string; now?: number } = {}): WebhookVerdict {
  return verifyWorkosSignature({ headers, rawBody, secret: opts.secret ?? SECRET, nowMs: opts.now ?? NOW, toleranceMs: TOLERANCE });
}
const sigHeader = (value: string): IncomingHttpHeaders => ({ 'workos-signature': value });
const rejected = (v: WebhookVerdict): string => {
  expect(v.ok).toBe(false);
  if (v.ok) return '';
  expect(v.status).toBe(401);
  return v.error;
};

describe('signWorkosPayload', () => {
  it('matches an independently computed HMAC-SHA256 hex over `${t}.${body}`', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW}.`).update(RAW).digest('hex');
    expect(signWorkosPayload(RAW, SECRET, NOW)).toBe(`t=${NOW}, v1=${expected}`);
    expect(signWorkosPayload(RAW.toString('utf8'), SECRET, NOW)).toBe(`t=${NOW}, v1=${expected}`);
  });

  it('a known vector', () => {
    // printf '%s' '1700000000000.{"id":"event_1"}' | openssl dgst -sha256 -hmac secret
    expect(signWorkosPayload('{"id":"event_1"}', 'secret', 1_700_000_000_000)).toBe(
      `t=1700000000000, v1=${createHmac('sha256', 'secret').update('1700000000000.{"id":"event_1"}').digest('hex')}`,
    );
  });
});

describe('verifyWorkosSignature', () => {
  it('accepts a valid signature and records the timestamp', () => {
    const v = verify(sigHeader(signWorkosPayload(RAW, SECRET, NOW - 5_000)));
    expect(v).toEqual({ ok: true, verification: { scheme: 'workos-hmac-sha256', verified: true, detail: `t=${NOW - 5_000}` } });
  });

  it('accepts the module webhook handler the same way', async () => {
    const v = await workos.webhook!.verify({
      headers: sigHeader(signWorkosPayload(RAW, SECRET, NOW)),
      rawBody: RAW,
      secret: SECRET,
      nowMs: NOW,
      toleranceMs: TOLERANCE,
    });
    expect(v.ok).toBe(true);
  });

  it('tolerates spacing variations and a header name in another case', () => {
    const sig = signWorkosPayload(RAW, SECRET, NOW).split(', v1=')[1]!;
    expect(verify(sigHeader(`t=${NOW},v1=${sig}`)).ok).toBe(true);
    expect(verify(sigHeader(`  v1 = ${sig} ,  t = ${NOW} `)).ok).toBe(true);
    expect(verify({ 'WorkOS-Signature': `t=${NOW}, v1=${sig}` }).ok).toBe(true);
  });

  it('rejects a tampered body', () => {
    const header = sigHeader(signWorkosPayload(RAW, SECRET, NOW));
    const tampered = Buffer.from(RAW.toString('utf8').replace('"inactive"', '"active"'), 'utf8');
    expect(tampered.equals(RAW)).toBe(false);
    expect(rejected(verify(header, tampered))).toBe('WorkOS-Signature: signature mismatch');
  });

  it('rejects a body re-serialized with different whitespace (raw bytes are what is signed)', () => {
    const header = sigHeader(signWorkosPayload(RAW, SECRET, NOW));
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(RAW.toString('utf8'))), 'utf8');
    expect(reserialized.equals(RAW)).toBe(false);
    expect(JSON.parse(reserialized.toString('utf8'))).toEqual(JSON.parse(RAW.toString('utf8')));
    expect(rejected(verify(header, reserialized))).toBe('WorkOS-Signature: signature mismatch');
  });

  it('rejects a wrong secret', () => {
    const header = sigHeader(signWorkosPayload(RAW, 'whsec_some_other_secret', NOW));
    expect(rejected(verify(header))).toBe('WorkOS-Signature: signature mismatch');
  });

  it('rejects a signature of the wrong length without throwing', () => {
    expect(rejected(verify(sigHeader(`t=${NOW}, v1=abc123`)))).toBe('WorkOS-Signature: signature mismatch');
    expect(rejected(verify(sigHeader(`t=${NOW}, v1=`)))).toBe('WorkOS-Signature: signature mismatch');
    expect(rejected(verify(sigHeader(`t=${NOW}, v1=${'é'.repeat(32)}`)))).toBe('WorkOS-Signature: signature mismatch');
  });

  it('rejects a stale timestamp, naming the age and the tolerance', () => {
    const t = NOW - 312_000;
    expect(rejected(verify(sigHeader(signWorkosPayload(RAW, SECRET, t))))).toBe('WorkOS-Signature timestamp is 312 s old, tolerance 180 s');
  });

  it('accepts exactly at the tolerance edge, rejects 1 ms past it', () => {
    expect(verify(sigHeader(signWorkosPayload(RAW, SECRET, NOW - TOLERANCE))).ok).toBe(true);
    expect(rejected(verify(sigHeader(signWorkosPayload(RAW, SECRET, NOW - TOLERANCE - 1))))).toBe(
      'WorkOS-Signature timestamp is 180.001 s old, tolerance 180 s',
    );
  });

  it('rejects a timestamp in the future beyond the tolerance', () => {
    expect(rejected(verify(sigHeader(signWorkosPayload(RAW, SECRET, NOW + 600_000))))).toBe(
      'WorkOS-Signature timestamp is 600 s in the future, tolerance 180 s',
    );
    expect(verify(sigHeader(signWorkosPayload(RAW, SECRET, NOW + 60_000))).ok).toBe(true);
  });

  it('hints when t looks like seconds', () => {
    const tSeconds = Math.floor(NOW / 1000);
    expect(rejected(verify(sigHeader(signWorkosPayload(RAW, SECRET, tSeconds))))).toMatch(
      /s old, tolerance 180 s \(t looks like seconds; WorkOS sends milliseconds\)$/,
    );
  });

  it('rejects a missing header', () => {
    expect(rejected(verify({}))).toBe('WorkOS-Signature header missing');
    expect(rejected(verify({ 'workos-signature': [] }))).toBe('WorkOS-Signature header missing');
    expect(rejected(verify(sigHeader('   ')))).toBe('WorkOS-Signature header is empty');
  });

  it('rejects a header without t=', () => {
    const sig = signWorkosPayload(RAW, SECRET, NOW).split(', v1=')[1]!;
    expect(rejected(verify(sigHeader(`v1=${sig}`)))).toBe('WorkOS-Signature: no t= timestamp');
  });

  it('rejects a header without v1=', () => {
    expect(rejected(verify(sigHeader(`t=${NOW}`)))).toBe('WorkOS-Signature: no v1= signature');
    expect(rejected(verify(sigHeader(`t=${NOW}, v0=abcd`)))).toBe('WorkOS-Signature: no v1= signature');
  });

  it('rejects a non-numeric t', () => {
    const sig = signWorkosPayload(RAW, SECRET, NOW).split(', v1=')[1]!;
    for (const t of ['abc', '', '12.5', '-1000', '1e12', '0x1f']) {
      expect(rejected(verify(sigHeader(`t=${t}, v1=${sig}`))), t).toBe(
        'WorkOS-Signature: t= timestamp is not a whole number of milliseconds',
      );
    }
  });

  it('rejects garbage headers without throwing', () => {
    for (const garbage of ['garbage', '====', ',,,', 'Bearer abc', 't', 'v1', '\u0000\u0001']) {
      const error = rejected(verify(sigHeader(garbage)));
      expect(error, garbage).toMatch(/^WorkOS-Signature/);
    }
    expect(rejected(verify(sigHeader(`t=${NOW}, t=${NOW}, v1=00`)))).toBe('WorkOS-Signature: more than one t= timestamp');
    expect(rejected(verify({ 'workos-signature': ['a', 'b'] }))).toBe('WorkOS-Signature header sent more than once');
  });

  it('refuses to verify with an empty secret', () => {
    const header = sigHeader(signWorkosPayload(RAW, '', NOW));
    expect(rejected(verify(header, RAW, { secret: '' }))).toMatch(/no WorkOS webhook secret/);
  });
});

describe('WorkOS webhook handler', () => {
  const handler = workos.webhook!;

  it('keeps only non-secret headers', () => {
    expect(handler.keepHeaders).toEqual(['content-type', 'user-agent', 'x-request-id']);
    expect(handler.keepHeaders).not.toContain('workos-signature');
  });

  it('module identity', () => {
    expect(workos.name).toBe('workos');
    expect(workos.defaultPlane).toBe('application');
  });

  it('checkBody accepts a WorkOS event', () => {
    expect(handler.checkBody(RAW)).toBeNull();
  });

  it.each([false, true])('checkBody names what is wrong (body already parsed by the collector: %s)', (parsedBefore) => {
    const check = (s: string) => {
      const raw = Buffer.from(s, 'utf8');
      // As the collector calls it: with the parse its redaction made, when there was one.
      return parsedBefore ? handler.checkBody(raw, redactSecretsParsed(raw).parsed) : handler.checkBody(raw);
    };
    expect(check('{"id":')).toMatch(/^body is not valid JSON: /);
    expect(check('[]')).toBe('body: expected a JSON object (a WorkOS event), received array');
    expect(check('"x"')).toBe('body: expected a JSON object (a WorkOS event), received string');
    expect(check('{"event":"user.created","data":{}}')).toBe('id: expected non-empty string (the WorkOS event id), received undefined');
    expect(check('{"id":"","event":"user.created","data":{}}')).toBe(
      'id: expected non-empty string (the WorkOS event id), received empty string',
    );
    expect(check('{"id":"event_1","event":7,"data":{}}')).toBe('event: expected non-empty string (the event type), received number');
    expect(check('{"id":"event_1","event":"user.created"}')).toBe('data: expected object, received undefined');
    expect(check('{"id":"event_1","event":"user.created","data":[]}')).toBe('data: expected object, received array');
    expect(check('{"id":"event_1","event":"user.created","data":null}')).toBe('data: expected object, received null');
  });
});
