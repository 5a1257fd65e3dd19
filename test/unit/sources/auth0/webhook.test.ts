import { describe, expect, it } from 'vitest';
import { staticSecretCases } from '../../../helpers/static-secret-cases.ts';
import { auth0 } from '../../../../sources/auth0/index.ts';
import { secretMatches, verifyAuth0Request } from '../../../../sources/auth0/webhook.ts';

const SECRET = 'a0-stream-token-5f2d9c0e71b34a86';
const BODY = Buffer.from('[]');

const { verify, rejection } = staticSecretCases(verifyAuth0Request, { secret: SECRET, rawBody: BODY, nowMs: 0, toleranceMs: 0 });

describe('Auth0 log stream authentication (Authorization token)', () => {
  it('accepts the token verbatim or as a Bearer token', async () => {
    expect(verify({ authorization: SECRET })).toEqual({
      ok: true,
      verification: { scheme: 'static-secret', verified: true, detail: 'authorization header' },
    });
    expect(verify({ authorization: `Bearer ${SECRET}` }).ok).toBe(true);
    const headers = auth0.samples!.sign('[]', SECRET, 0);
    expect(headers).toEqual({ authorization: `Bearer ${SECRET}` });
    expect((await auth0.webhook!.verify({ headers, rawBody: BODY, secret: SECRET, nowMs: 0, toleranceMs: 0 })).ok).toBe(true);
  });

  it('rejects a wrong token without echoing it', () => {
    const msg = "Authorization header does not match the connection's Auth0 log stream token";
    expect(rejection(verify({ authorization: 'Bearer nope' }))).toBe(msg);
    expect(rejection(verify({ authorization: SECRET.toUpperCase() }))).toBe(msg);
    expect(rejection(verify({ authorization: `Bearer ${SECRET}x` }))).toBe(msg);
  });

  it('rejects a missing, empty or repeated header, and a connection without a token', () => {
    expect(rejection(verify({}))).toBe("Authorization header missing (set the log stream's Authorization Token to the connection secret)");
    expect(rejection(verify({ authorization: '' }))).toBe('Authorization header is empty');
    expect(rejection(verify({ authorization: [SECRET, 'x'] as unknown as string }))).toBe('Authorization header sent more than once');
    expect(rejection(verify({ authorization: SECRET }, ''))).toBe('no Auth0 log stream token configured for this connection');
  });

  it('matches whole values only', () => {
    expect(secretMatches('t0k', 't0k')).toBe(true);
    expect(secretMatches('t0', 't0k')).toBe(false);
    expect(secretMatches('BEARER t0k', 't0k')).toBe(true);
    expect(secretMatches('Token t0k', 't0k')).toBe(false);
  });
});
