// The poll HTTP policy on a 429 without Retry-After: Okta's X-Rate-Limit-Reset (epoch seconds,
// measured against the response's Date header), with an injected fetch and sleeper: no real waiting.
import { describe, expect, it } from 'vitest';
import {
  createPollFetch,
  decideAttempt,
  DEFAULT_RETRY_POLICY,
  parseRateLimitReset,
  PollAuthError,
} from '../../../../source-kit/poll/fetch.ts';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const NOW_S = NOW / 1000;

function scripted(responses: Response[]) {
  const calls: string[] = [];
  const fetchImpl = (async (url: string | URL) => {
    calls.push(String(url));
    const next = responses.shift();
    if (!next) throw new Error('no more scripted responses');
    return next;
  }) as typeof fetch;
  return { fetchImpl, calls };
}

describe('parseRateLimitReset', () => {
  it('epoch seconds, measured against the Date header (else now), plus one second of header resolution', () => {
    expect(parseRateLimitReset(String(NOW_S + 20), 'Sun, 29 Nov 2026 12:00:00 GMT', NOW + 3_600_000)).toBe(21_000); // local clock an hour off: Date wins
    expect(parseRateLimitReset(String(NOW_S + 20), null, NOW)).toBe(21_000);
    expect(parseRateLimitReset(String(NOW_S + 20), 'not a date', NOW)).toBe(21_000);
    expect(parseRateLimitReset(String(NOW_S - 5), 'Sun, 29 Nov 2026 12:00:00 GMT', NOW)).toBe(1000); // already reset: just the second
  });

  it('small values are delta seconds; duplicates (a comma), junk and absence are unusable', () => {
    expect(parseRateLimitReset('30', null, NOW)).toBe(30_000);
    expect(parseRateLimitReset(`${NOW_S + 20}, ${NOW_S + 20}`, null, NOW)).toBeNull();
    expect(parseRateLimitReset('soon', null, NOW)).toBeNull();
    expect(parseRateLimitReset('-5', null, NOW)).toBeNull();
    expect(parseRateLimitReset(null, null, NOW)).toBeNull();
    expect(parseRateLimitReset(undefined, 'Sun, 29 Nov 2026 12:00:00 GMT', NOW)).toBeNull();
  });
});

describe('decideAttempt on 429', () => {
  const p = { ...DEFAULT_RETRY_POLICY, maxRetryAfterMs: 60_000 };
  it('Retry-After wins over X-Rate-Limit-Reset; the reset is used when Retry-After is absent or unusable; capped; else backoff', () => {
    const reset = String(NOW_S + 9);
    const date = 'Sun, 29 Nov 2026 12:00:00 GMT';
    expect(decideAttempt({ status: 429, retryAfter: '3', rateLimitReset: reset, date }, 1, p, NOW, () => 0.5)).toEqual({
      kind: 'retry',
      delayMs: 3000,
      reason: 'HTTP 429 (Retry-After 3)',
    });
    expect(decideAttempt({ status: 429, retryAfter: null, rateLimitReset: reset, date }, 1, p, NOW, () => 0.5)).toEqual({
      kind: 'retry',
      delayMs: 10_000,
      reason: `HTTP 429 (X-Rate-Limit-Reset ${reset})`,
    });
    expect(decideAttempt({ status: 429, retryAfter: 'soon', rateLimitReset: reset, date }, 1, p, NOW, () => 0.5)).toEqual({
      kind: 'retry',
      delayMs: 10_000,
      reason: `HTTP 429 (X-Rate-Limit-Reset ${reset})`,
    });
    expect(decideAttempt({ status: 429, retryAfter: null, rateLimitReset: String(NOW_S + 3600), date }, 1, p, NOW, () => 0.5)).toEqual({
      kind: 'retry',
      delayMs: 60_000,
      reason: `HTTP 429 (X-Rate-Limit-Reset ${NOW_S + 3600})`,
    });
    expect(decideAttempt({ status: 429, retryAfter: null }, 2, p, NOW, () => 0.5)).toEqual({
      kind: 'retry',
      delayMs: 500,
      reason: 'HTTP 429',
    });
  });
});

describe('createPollFetch with Okta rate-limit headers', () => {
  const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000, attemptTimeoutMs: 5000 };

  it('waits until X-Rate-Limit-Reset (by the response Date) on a 429 without Retry-After, then returns the success', async () => {
    const { fetchImpl, calls } = scripted([
      new Response(JSON.stringify({ errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.' }), {
        status: 429,
        headers: {
          'x-rate-limit-limit': '120',
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': String(NOW_S + 42),
          date: 'Sun, 29 Nov 2026 12:00:00 GMT',
        },
      }),
      new Response('[]', { status: 200 }),
    ]);
    const sleeps: number[] = [];
    const reasons: string[] = [];
    const f = createPollFetch({
      policy,
      fetchImpl,
      sleep: async (ms) => void sleeps.push(ms),
      now: () => NOW - 7000,
      random: () => 0.5,
      onRetry: (i) => reasons.push(i.reason),
    });
    expect(await (await f('https://acme.okta.com/api/v1/logs?after=c1')).text()).toBe('[]');
    expect(sleeps).toEqual([43_000]);
    expect(reasons).toEqual([`HTTP 429 (X-Rate-Limit-Reset ${NOW_S + 42})`]);
    expect(calls).toHaveLength(2);
  });

  it("an Okta error body's errorSummary is the vendor message of an auth failure", async () => {
    const { fetchImpl } = scripted([
      new Response(
        JSON.stringify({
          errorCode: 'E0000011',
          errorSummary: 'Invalid token provided',
          errorLink: 'E0000011',
          errorId: 'oae1',
          errorCauses: [],
        }),
        { status: 401 },
      ),
    ]);
    const f = createPollFetch({ policy, fetchImpl, sleep: async () => {}, now: () => NOW });
    const err = await f('https://acme.okta.com/api/v1/logs').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PollAuthError);
    expect((err as PollAuthError).message).toBe('401 from https://acme.okta.com/api/v1/logs: Invalid token provided');
  });
});
