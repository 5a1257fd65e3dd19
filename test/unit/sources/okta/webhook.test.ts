import { describe, expect, it } from 'vitest';
import { staticSecretCases } from '../../../helpers/static-secret-cases.ts';
import { okta } from '../../../../sources/okta/index.ts';
import { oktaHandshake, secretMatches, verifyOktaRequest } from '../../../../sources/okta/webhook.ts';

const SECRET = 'okta-hook-secret-0123456789abcdef';
const BODY = Buffer.from('{"data":{"events":[]}}');

const { verify, rejection } = staticSecretCases(verifyOktaRequest, {
  secret: SECRET,
  rawBody: BODY,
  nowMs: 1_740_823_200_000,
  toleranceMs: 180_000,
});

describe('Okta delivery authentication (static secret in Authorization)', () => {
  it('accepts the secret as the header value, and as a Bearer token', async () => {
    expect(verify({ authorization: SECRET })).toEqual({
      ok: true,
      verification: { scheme: 'static-secret', verified: true, detail: 'authorization header' },
    });
    expect(verify({ authorization: `Bearer ${SECRET}` }).ok).toBe(true);
    expect(verify({ Authorization: `bearer ${SECRET}` }).ok).toBe(true);
    const viaModule = await okta.webhook!.verify({
      headers: { authorization: SECRET },
      rawBody: BODY,
      secret: SECRET,
      nowMs: 0,
      toleranceMs: 0,
    });
    expect(viaModule.ok).toBe(true);
  });

  it('rejects a wrong secret with 401 and a message that echoes nothing', () => {
    expect(rejection(verify({ authorization: 'not-the-secret' }))).toBe(
      "Authorization header does not match the connection's Okta event hook secret",
    );
    expect(rejection(verify({ authorization: SECRET.slice(0, -1) }))).toBe(
      "Authorization header does not match the connection's Okta event hook secret",
    );
    expect(rejection(verify({ authorization: `${SECRET} ` }))).toBe(
      "Authorization header does not match the connection's Okta event hook secret",
    );
    expect(rejection(verify({ authorization: `Basic ${SECRET}` }))).toBe(
      "Authorization header does not match the connection's Okta event hook secret",
    );
  });

  it('rejects a missing, empty or repeated header', () => {
    expect(rejection(verify({}))).toBe('Authorization header missing (Okta sends the event hook secret in it)');
    expect(rejection(verify({ authorization: '  ' }))).toBe('Authorization header is empty');
    expect(rejection(verify({ authorization: [SECRET, SECRET] as unknown as string }))).toBe('Authorization header sent more than once');
  });

  it('rejects everything when the connection has no secret', () => {
    expect(rejection(verify({ authorization: '' }, ''))).toBe('no Okta event hook secret configured for this connection');
  });

  it('compares whole values, not prefixes', () => {
    expect(secretMatches('abc', 'abc')).toBe(true);
    expect(secretMatches('Bearer abc', 'abc')).toBe(true);
    expect(secretMatches('ab', 'abc')).toBe(false);
    expect(secretMatches('abcd', 'abc')).toBe(false);
    expect(secretMatches('Bearer abc', 'Bearer abc')).toBe(true);
    expect(secretMatches('abc', 'Bearer abc')).toBe(false);
  });
});

describe('Okta one-time verification (GET with X-Okta-Verification-Challenge)', () => {
  const challenge = 'X3dm9Hb5Kq6KQxzPZc1nJXy7wL2ngsE1SFwsPj1oGkk';

  it('echoes the challenge as {"verification": …} when the Authorization header matches', () => {
    expect(
      oktaHandshake({ method: 'GET', headers: { 'x-okta-verification-challenge': challenge, authorization: SECRET }, secret: SECRET }),
    ).toEqual({
      status: 200,
      body: { verification: challenge },
    });
    expect(
      okta.webhook!.handshake!({
        method: 'get',
        headers: { 'X-Okta-Verification-Challenge': challenge, authorization: `Bearer ${SECRET}` },
        secret: SECRET,
      }),
    ).toEqual({
      status: 200,
      body: { verification: challenge },
    });
  });

  it('answers 401 without the right secret, never echoing the challenge', () => {
    expect(
      oktaHandshake({ method: 'GET', headers: { 'x-okta-verification-challenge': challenge, authorization: 'wrong' }, secret: SECRET }),
    ).toEqual({
      status: 401,
      body: {
        error: {
          status: 401,
          code: 'unauthorized',
          message: "Authorization header does not match the connection's Okta event hook secret",
        },
      },
    });
    expect(oktaHandshake({ method: 'GET', headers: { 'x-okta-verification-challenge': challenge }, secret: SECRET })).toEqual({
      status: 401,
      body: {
        error: { status: 401, code: 'unauthorized', message: 'Authorization header missing (Okta sends the event hook secret in it)' },
      },
    });
  });

  it('is not a handshake without the challenge header or for another method (the collector answers 405)', () => {
    expect(oktaHandshake({ method: 'GET', headers: { authorization: SECRET }, secret: SECRET })).toBeNull();
    expect(
      oktaHandshake({ method: 'PUT', headers: { 'x-okta-verification-challenge': challenge, authorization: SECRET }, secret: SECRET }),
    ).toBeNull();
    expect(
      oktaHandshake({ method: 'HEAD', headers: { 'x-okta-verification-challenge': challenge, authorization: SECRET }, secret: SECRET }),
    ).toBeNull();
  });

  it('answers 400 to an empty or oversized challenge', () => {
    expect(
      oktaHandshake({ method: 'GET', headers: { 'x-okta-verification-challenge': '', authorization: SECRET }, secret: SECRET }),
    ).toEqual({
      status: 400,
      body: { error: { status: 400, code: 'bad_request', message: 'X-Okta-Verification-Challenge header is empty' } },
    });
    expect(
      oktaHandshake({
        method: 'GET',
        headers: { 'x-okta-verification-challenge': 'x'.repeat(1025), authorization: SECRET },
        secret: SECRET,
      })?.status,
    ).toBe(400);
  });
});
