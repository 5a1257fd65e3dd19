import { describe, expect, it } from 'vitest';
import { staticSecretCases } from '../../../helpers/static-secret-cases.ts';
import { aws } from '../../../../sources/aws/index.ts';
import { verifyAwsRequest } from '../../../../sources/aws/webhook.ts';

const SECRET = 'aws-ct-shared-7c1e0f93b2d84a55';
const BODY = Buffer.from('{"Records":[]}');

const { verify, rejection } = staticSecretCases(verifyAwsRequest, { secret: SECRET, rawBody: BODY, nowMs: 0, toleranceMs: 0 });

describe('AWS CloudTrail webhook authentication (shared secret in Authorization)', () => {
  it('accepts the secret verbatim or as a Bearer token', async () => {
    expect(verify({ authorization: SECRET })).toEqual({
      ok: true,
      verification: { scheme: 'static-secret', verified: true, detail: 'authorization header' },
    });
    expect(verify({ authorization: `Bearer ${SECRET}` }).ok).toBe(true);
    const headers = aws.samples!.sign('{}', SECRET, 0);
    expect((await aws.webhook!.verify({ headers, rawBody: BODY, secret: SECRET, nowMs: 0, toleranceMs: 0 })).ok).toBe(true);
  });

  it('rejects a wrong secret with 401 and no echo', () => {
    expect(rejection(verify({ authorization: 'guess' }))).toBe("Authorization header does not match the AWS connection's shared secret");
    expect(rejection(verify({ authorization: SECRET + SECRET }))).toBe(
      "Authorization header does not match the AWS connection's shared secret",
    );
  });

  it('rejects a missing, empty or repeated header and a connection without a secret', () => {
    expect(rejection(verify({}))).toBe("Authorization header missing (send the connection's shared secret in it)");
    expect(rejection(verify({ authorization: ' ' }))).toBe('Authorization header is empty');
    expect(rejection(verify({ authorization: [SECRET, SECRET] as unknown as string }))).toBe('Authorization header sent more than once');
    expect(rejection(verify({ authorization: SECRET }, ''))).toBe('no shared secret configured for this AWS connection');
  });
});
