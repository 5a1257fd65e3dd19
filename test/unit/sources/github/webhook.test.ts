import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { WebhookVerdict } from '../../../../source-kit/source-module.ts';
import { signGithubPayload, verifyGithubSignature } from '../../../../sources/github/webhook.ts';

const SECRET = 'gh_webhook_test_placeholder';
const RAW = readFileSync(fileURLToPath(new URL('../../../fixtures/github/secret_scanning_alert.created.json', import.meta.url)));

function verify(headers: IncomingHttpHeaders, rawBody: Buffer = RAW, secret = SECRET): WebhookVerdict {
  return verifyGithubSignature({ headers, rawBody, secret, nowMs: 0, toleranceMs: 0 });
}
const rejected = (v: WebhookVerdict): string => {
  expect(v.ok).toBe(false);
  if (v.ok) return '';
  expect(v.status).toBe(401);
  return v.error;
};

describe('signGithubPayload', () => {
  it('GitHub\'s documented test vector (secret "It\'s a Secret to Everybody", body "Hello, World!")', () => {
    expect(signGithubPayload('Hello, World!', "It's a Secret to Everybody")).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });
  it('is HMAC-SHA256 over the raw bytes', () => {
    expect(signGithubPayload(RAW, SECRET)).toBe(`sha256=${createHmac('sha256', SECRET).update(RAW).digest('hex')}`);
  });
});

describe('verifyGithubSignature', () => {
  it('accepts a valid signature, and keeps the delivery id as evidence', () => {
    const v = verify({
      'x-hub-signature-256': signGithubPayload(RAW, SECRET),
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    });
    expect(v).toEqual({
      ok: true,
      verification: { scheme: 'github-hmac-sha256', verified: true, detail: 'delivery=72d3162e-cc78-11e3-81ab-4c9367dc0958' },
    });
  });
  it('accepts upper-case hex', () => {
    const sig = signGithubPayload(RAW, SECRET);
    expect(verify({ 'x-hub-signature-256': `sha256=${sig.slice(7).toUpperCase()}` }).ok).toBe(true);
  });
  it('rejects a tampered body', () => {
    const tampered = Buffer.from(RAW.toString('utf8').replace('"number": 42', '"number": 43'));
    expect(rejected(verify({ 'x-hub-signature-256': signGithubPayload(RAW, SECRET) }, tampered))).toMatch(/mismatch/);
  });
  it('rejects a signature made with another secret', () => {
    expect(rejected(verify({ 'x-hub-signature-256': signGithubPayload(RAW, 'another-secret') }))).toMatch(/mismatch/);
  });
  it('rejects a missing header, the SHA-1 header alone, and a value without sha256=', () => {
    expect(rejected(verify({}))).toMatch(/missing/);
    expect(rejected(verify({ 'x-hub-signature': 'sha1=0000' }))).toMatch(/missing/);
    expect(rejected(verify({ 'x-hub-signature-256': createHmac('sha256', SECRET).update(RAW).digest('hex') }))).toMatch(/sha256=/);
  });
  it('rejects when no secret is configured', () => {
    expect(rejected(verify({ 'x-hub-signature-256': signGithubPayload(RAW, '') }, RAW, ''))).toMatch(/no GitHub webhook secret/);
  });
});
