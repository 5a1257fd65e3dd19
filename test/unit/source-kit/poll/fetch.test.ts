// The poll HTTP policy with an injected fetch, sleeper and jitter source: no real waiting.
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  createPollFetch,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  PollAuthError,
  PollHttpError,
} from '../../../../source-kit/poll/fetch.ts';

function scripted(responses: (Response | Error)[]) {
  const calls: string[] = [];
  const fetchImpl = (async (url: string | URL) => {
    calls.push(String(url));
    const next = responses.shift();
    if (!next) throw new Error('no more scripted responses');
    if (next instanceof Error) throw next;
    return next;
  }) as typeof fetch;
  return { fetchImpl, calls };
}

const NOW = Date.parse('2026-11-29T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('Sun, 29 Nov 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 11:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter(null, NOW)).toBeNull();
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt up to the cap, scaled by the jitter draw', () => {
    const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, p, () => 0.5))).toEqual([50, 100, 200, 400, 500, 500]);
  });
});

describe('createPollFetch', () => {
  const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000, attemptTimeoutMs: 5000 };

  it('waits for Retry-After (seconds) on 429, then returns the success', async () => {
    const { fetchImpl, calls } = scripted([
      new Response('{}', { status: 429, headers: { 'retry-after': '7' } }),
      new Response('{"ok":1}', { status: 200 }),
    ]);
    const sleeps: number[] = [];
    const f = createPollFetch({ policy, fetchImpl, sleep: async (ms) => void sleeps.push(ms), now: () => NOW, random: () => 0.5 });
    const res = await f('http://api.test/v1/x');
    expect(await res.text()).toBe('{"ok":1}');
    expect(sleeps).toEqual([7000]);
    expect(calls).toHaveLength(2);
  });

  it('honours an HTTP-date Retry-After, capped at maxRetryAfterMs', async () => {
    const { fetchImpl } = scripted([
      new Response('', { status: 429, headers: { 'retry-after': 'Sun, 29 Nov 2026 12:00:20 GMT' } }),
      new Response('', { status: 429, headers: { 'retry-after': '3600' } }),
      new Response('[]', { status: 200 }),
    ]);
    const sleeps: number[] = [];
    const f = createPollFetch({ policy, fetchImpl, sleep: async (ms) => void sleeps.push(ms), now: () => NOW, random: () => 0.5 });
    await f('http://api.test/v1/x');
    expect(sleeps).toEqual([20_000, 60_000]);
  });

  it('backs off exponentially with jitter on 5xx and network errors, then succeeds', async () => {
    const { fetchImpl } = scripted([
      new Response('', { status: 500 }),
      new TypeError('fetch failed'),
      new Response('', { status: 503 }),
      new Response('{}', { status: 200 }),
    ]);
    const sleeps: number[] = [];
    const retries: string[] = [];
    const f = createPollFetch({
      policy,
      fetchImpl,
      sleep: async (ms) => void sleeps.push(ms),
      now: () => NOW,
      random: () => 0.25,
      onRetry: (i) => retries.push(i.reason),
    });
    expect((await f('http://api.test/v1/x')).status).toBe(200);
    expect(sleeps).toEqual([25, 50, 100]);
    expect(retries).toEqual(['HTTP 500', 'network error: fetch failed', 'HTTP 503']);
  });

  it('gives up after maxAttempts with a PollHttpError naming the status', async () => {
    const { fetchImpl, calls } = scripted([1, 2, 3, 4].map(() => new Response('', { status: 502 })));
    const f = createPollFetch({ policy, fetchImpl, sleep: async () => {}, now: () => NOW, random: () => 0 });
    const err = await f('http://api.test/v1/organization/audit_logs?after=x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PollHttpError);
    expect((err as PollHttpError).message).toBe('http://api.test/v1/organization/audit_logs: HTTP 502 after 4 attempts');
    expect(calls).toHaveLength(4);
  });

  it('401 → PollAuthError at once with the vendor message, the key scrubbed', async () => {
    const key = 'sk-admin-SECRETSECRET123';
    const { fetchImpl, calls } = scripted([
      new Response(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}.` } }), { status: 401 }),
    ]);
    const f = createPollFetch({ policy, fetchImpl, secret: key, sleep: async () => {}, now: () => NOW });
    const err = await f('http://api.test/v1/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PollAuthError);
    expect((err as PollAuthError).vendorMessage).toBe('Incorrect API key provided: [redacted].');
    expect((err as PollAuthError).status).toBe(401);
    expect(calls).toHaveLength(1);
  });

  it('a 400 is not retried and keeps the vendor explanation', async () => {
    const { fetchImpl } = scripted([new Response(JSON.stringify({ error: { message: 'invalid cursor' } }), { status: 400 })]);
    const f = createPollFetch({ policy, fetchImpl, sleep: async () => {}, now: () => NOW });
    const err = (await f('http://api.test/v1/x').catch((e: unknown) => e)) as PollHttpError;
    expect([err.status, err.message]).toEqual([400, 'http://api.test/v1/x: HTTP 400: invalid cursor after 1 attempt']);
  });

  it('an attempt that exceeds attemptTimeoutMs counts as a timeout and is retried', async () => {
    let n = 0;
    const fetchImpl = ((_url: string | URL, init?: RequestInit) => {
      n++;
      if (n === 1) {
        return new Promise<Response>((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(new Error('aborted'))));
      }
      return Promise.resolve(new Response('{}', { status: 200 }));
    }) as typeof fetch;
    const reasons: string[] = [];
    const f = createPollFetch({
      policy: { ...policy, attemptTimeoutMs: 20 },
      fetchImpl,
      sleep: async () => {},
      now: () => NOW,
      random: () => 0,
      onRetry: (i) => reasons.push(i.reason),
    });
    expect((await f('http://api.test/v1/x')).status).toBe(200);
    expect(reasons).toEqual(['timed out after 20 ms']);
  });
});
