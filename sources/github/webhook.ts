// GitHub webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(webhook secret, raw body)>`.
// No timestamp: GitHub signs the body only (replays collapse downstream on the alert's ids).
// @octokit/webhooks-methods is not installed and no dependency is added, so the check is written
// with node:crypto: HMAC over the exact received bytes, compared with timingSafeEqual.
import { createHmac } from 'node:crypto';
import { safeEqualHex } from '../../source-kit/hmac-signature.ts';
import type { WebhookHandler, WebhookVerdict, WebhookVerifyInput } from '../../source-kit/source-module.ts';
import { parseJsonBody, type JsonBodyParse } from '../../source-kit/json-body.ts';
import { headerValue } from '../../source-kit/static-secret.ts';
import { describeValue } from './payloads.ts';
import { enrichGithubDelivery } from './enrich.ts';

export const GITHUB_SIGNATURE_HEADER = 'x-hub-signature-256';
export const GITHUB_SIGNATURE_SCHEME = 'github-hmac-sha256';

/** The header value GitHub would send for `rawBody`. */
export function signGithubPayload(rawBody: string | Buffer, secret: string): string {
  const mac = createHmac('sha256', secret);
  mac.update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody);
  return `sha256=${mac.digest('hex')}`;
}

/** Verifies a GitHub delivery over its raw bytes. Synchronous, never throws. */
export function verifyGithubSignature(input: WebhookVerifyInput): WebhookVerdict {
  const { headers, rawBody, secret } = input;
  if (typeof secret !== 'string' || secret.length === 0) {
    return { ok: false, status: 401, error: 'no GitHub webhook secret configured for this connection' };
  }
  const raw = headerValue(headers, GITHUB_SIGNATURE_HEADER);
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) {
    return { ok: false, status: 401, error: 'X-Hub-Signature-256 header missing' };
  }
  if (Array.isArray(raw) && raw.length > 1) return { ok: false, status: 401, error: 'X-Hub-Signature-256 header sent more than once' };
  const value = ((Array.isArray(raw) ? raw[0] : raw) ?? '').trim();
  if (!value.startsWith('sha256=')) return { ok: false, status: 401, error: 'X-Hub-Signature-256: expected "sha256=<hex>"' };
  if (!safeEqualHex(signGithubPayload(rawBody, secret), `sha256=${value.slice(7).toLowerCase()}`)) {
    return { ok: false, status: 401, error: 'X-Hub-Signature-256: signature mismatch' };
  }
  const delivery = headerValue(headers, 'x-github-delivery');
  return {
    ok: true,
    verification: {
      scheme: GITHUB_SIGNATURE_SCHEME,
      verified: true,
      detail: typeof delivery === 'string' ? `delivery=${delivery.slice(0, 64)}` : null,
    },
  };
}

/** The 400 check: a JSON object with an action, an alert with a number, and a repository with a full_name. */
export function checkGithubBody(rawBody: Buffer, alreadyParsed?: JsonBodyParse): string | null {
  const parsed = alreadyParsed ?? parseJsonBody(rawBody);
  if (!parsed.ok) return parsed.error;
  const b = parsed.value as Record<string, unknown> | null;
  if (typeof b !== 'object' || b === null || Array.isArray(b))
    return `body: expected a JSON object (a secret_scanning_alert delivery), received ${describeValue(b)}`;
  if (typeof b.action !== 'string' || b.action.length === 0)
    return `action: expected non-empty string, received ${describeValue(b.action)}`;
  const alert = b.alert as Record<string, unknown> | null | undefined;
  if (typeof alert !== 'object' || alert === null || typeof alert.number !== 'number')
    return 'alert.number: expected the alert number (only secret_scanning_alert deliveries are accepted)';
  const repo = b.repository as Record<string, unknown> | null | undefined;
  if (typeof repo !== 'object' || repo === null || typeof repo.full_name !== 'string') return 'repository.full_name: expected owner/name';
  return null;
}

export const githubWebhook: WebhookHandler = {
  verify: verifyGithubSignature,
  keepHeaders: ['content-type', 'user-agent', 'x-github-event', 'x-github-delivery', 'x-github-hook-id'],
  checkBody: checkGithubBody,
  enrichBody: enrichGithubDelivery,
};
