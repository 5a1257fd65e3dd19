// Scaffolding shared by the tests of the vendors whose webhooks authenticate with a static secret in
// the Authorization header (Okta, Auth0, AWS: source-kit/static-secret.ts): a verify call with a
// given header set, and the checks every rejection must pass (401, the secret never echoed).
import type { IncomingHttpHeaders } from 'node:http';
import { expect } from 'vitest';
import type { WebhookVerdict, WebhookVerifyInput } from '../../source-kit/source-module.ts';

export interface StaticSecretRequest {
  /** The connection's secret. */
  secret: string;
  rawBody: Buffer;
  nowMs: number;
  toleranceMs: number;
}

export function staticSecretCases(verifyRequest: (input: WebhookVerifyInput) => WebhookVerdict, request: StaticSecretRequest) {
  return {
    /** The vendor's verify with these headers (and the connection's secret unless another is given). */
    verify(headers: IncomingHttpHeaders, secret = request.secret): WebhookVerdict {
      return verifyRequest({ headers, rawBody: request.rawBody, secret, nowMs: request.nowMs, toleranceMs: request.toleranceMs });
    },
    /** Asserts a 401 whose message does not contain the secret; returns the message. */
    rejection(v: WebhookVerdict): string {
      expect(v.ok).toBe(false);
      if (v.ok) return '';
      expect(v.status).toBe(401);
      expect(v.error).not.toContain(request.secret);
      return v.error;
    },
  };
}
