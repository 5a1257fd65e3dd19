// PollFetch: the one HTTP policy every API poller gets (source-kit/poller.ts). Vendor modules call
// ctx.fetch (directly or through an SDK's `fetch` option) and never retry themselves.
//
// Policy, per request:
// - 2xx → resolves with the Response (body unread).
// - 429 → waits for `Retry-After` (delta seconds or an HTTP date; capped at maxRetryAfterMs); when
//   absent, for `X-Rate-Limit-Reset` (Okta: the reset time in epoch seconds, measured against the
//   response's `Date`; see parseRateLimitReset); when both are absent, the exponential backoff
//   below; and tries again.
// - 5xx, network errors and per-attempt timeouts → exponential backoff with full jitter
//   (delay = random × min(maxDelayMs, baseDelayMs × 2^(attempt-1))) and tries again.
// - after maxAttempts attempts, or on any other status (400, 404, …) → throws PollHttpError.
// - 401 / 403 → throws PollAuthError at once (no retry) carrying the vendor's message (from the JSON
//   error body when there is one), with the API key scrubbed out should a vendor ever echo it.
// Clock, sleeper and randomness are injectable so the policy is unit-tested without waiting.
export interface RetryPolicy {
  /** Total attempts per request, the first included. */
  maxAttempts: number;
  /** First backoff step (ms); doubles per attempt. */
  baseDelayMs: number;
  /** Upper bound of one backoff step (ms). */
  maxDelayMs: number;
  /** A Retry-After longer than this (ms) is capped to it. */
  maxRetryAfterMs: number;
  /** One attempt (request + response headers) may take this long (ms) before it counts as a timeout. */
  attemptTimeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 5 * 60_000,
  attemptTimeoutMs: 60_000,
};

export interface PollFetchOptions {
  policy?: Partial<RetryPolicy>;
  /** The key sent with the requests: scrubbed from any vendor message kept in errors. */
  secret?: string;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Uniform [0, 1); the jitter source. */
  random?: () => number;
  /** Called before each wait: for logs and metrics. Never gets secrets. */
  onRetry?: (info: { url: string; attempt: number; delayMs: number; reason: string }) => void;
  /** Aborts waits and requests (the runner's stop). */
  signal?: AbortSignal;
}

/** The vendor refused the credentials (401/403). Recorded in status; the cycle stops until the next interval. */
export class PollAuthError extends Error {
  constructor(
    readonly status: number,
    readonly vendorMessage: string,
    readonly url: string,
  ) {
    super(`${status} from ${url}: ${vendorMessage}`);
    this.name = 'PollAuthError';
  }
}

/** A request that did not succeed within the policy (status, network error or timeout). */
export class PollHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly url: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'PollHttpError';
  }
}

/** Retry-After as milliseconds from `nowMs`: delta-seconds or an HTTP date; null when absent/unusable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/**
 * X-Rate-Limit-Reset as milliseconds to wait; null when absent/unusable. Okta sends the UTC epoch
 * second at which the bucket refills; the wait is measured against the response's own `Date` header
 * (else `nowMs`), so a skewed local clock does not matter, plus one second because both headers have
 * one-second resolution (what Okta's own SDK does). A value below 10^9 cannot be an epoch second
 * (2001) and is read as delta seconds, as some other APIs send it. A comma means the header came
 * twice (Okta's SDK ignores it then): unusable.
 */
export function parseRateLimitReset(value: string | null | undefined, dateHeader: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  if (n < 1e9) return n * 1000;
  const date = dateHeader ? Date.parse(dateHeader) : NaN;
  const ref = Number.isNaN(date) ? nowMs : date;
  return Math.max(0, n * 1000 - ref) + 1000;
}

/** Exponential backoff with full jitter for the given (1-based) failed attempt. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Decision for one finished attempt: what to do next. Pure. */
export type AttemptOutcome =
  { kind: 'ok' } | { kind: 'auth' } | { kind: 'retry'; delayMs: number; reason: string } | { kind: 'fail'; reason: string };

export function decideAttempt(
  result: { status: number; retryAfter: string | null; rateLimitReset?: string | null; date?: string | null } | { error: string },
  attempt: number,
  policy: RetryPolicy,
  nowMs: number,
  random: () => number,
): AttemptOutcome {
  const lastAttempt = attempt >= policy.maxAttempts;
  if ('error' in result) {
    return lastAttempt
      ? { kind: 'fail', reason: result.error }
      : { kind: 'retry', delayMs: backoffDelay(attempt, policy, random), reason: result.error };
  }
  const { status } = result;
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 401 || status === 403) return { kind: 'auth' };
  if (status === 429) {
    if (lastAttempt) return { kind: 'fail', reason: 'HTTP 429 (rate limited)' };
    const retryAfter = parseRetryAfter(result.retryAfter, nowMs);
    const reset = retryAfter === null ? parseRateLimitReset(result.rateLimitReset, result.date, nowMs) : null;
    const ra = retryAfter ?? reset;
    const delayMs = ra === null ? backoffDelay(attempt, policy, random) : Math.min(ra, policy.maxRetryAfterMs);
    const why =
      retryAfter !== null ? ` (Retry-After ${result.retryAfter})` : reset !== null ? ` (X-Rate-Limit-Reset ${result.rateLimitReset})` : '';
    return { kind: 'retry', delayMs, reason: `HTTP 429${why}` };
  }
  if (status >= 500) {
    return lastAttempt
      ? { kind: 'fail', reason: `HTTP ${status}` }
      : { kind: 'retry', delayMs: backoffDelay(attempt, policy, random), reason: `HTTP ${status}` };
  }
  return { kind: 'fail', reason: `HTTP ${status}` };
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The vendor's error message from a JSON or text body (at most 500 chars), the secret scrubbed. */
export function vendorMessage(bodyText: string, secret: string | undefined): string {
  let msg = bodyText.trim();
  try {
    const j = JSON.parse(bodyText) as unknown;
    if (j && typeof j === 'object') {
      const o = j as Record<string, unknown>;
      const err = o.error;
      if (err && typeof err === 'object' && typeof (err as Record<string, unknown>).message === 'string')
        msg = (err as Record<string, string>).message!;
      else if (typeof err === 'string') msg = err;
      else if (typeof o.message === 'string') msg = o.message;
      else if (typeof o.error_description === 'string') msg = o.error_description;
      else if (typeof o.errorSummary === 'string') msg = o.errorSummary; // Okta: {errorCode, errorSummary, …}
    }
  } catch {
    // not JSON: keep the text
  }
  if (secret && secret.length >= 4) msg = msg.split(secret).join('[redacted]');
  // Also scrub anything that looks like a bearer key (sk-…, sk-admin-…, sk-ant-…).
  msg = msg.replace(/\bsk-[A-Za-z0-9_-]{8,}/g, '[redacted]');
  if (msg.length === 0) msg = '(empty body)';
  return msg.length > 500 ? msg.slice(0, 500) + '…' : msg;
}

function urlForHumans(url: string | URL): string {
  // Query strings can carry cursors and filters but not secrets; keep only origin + path to be short.
  try {
    const u = new URL(String(url));
    return u.origin + u.pathname;
  } catch {
    return String(url);
  }
}

export type PollFetchFn = (url: string | URL, init?: RequestInit) => Promise<Response>;

export function createPollFetch(opts: PollFetchOptions = {}): PollFetchFn {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...opts.policy };
  const fetchImpl = opts.fetchImpl ?? fetch;
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;

  return async (url, init = {}) => {
    const where = urlForHumans(url);
    for (let attempt = 1; ; attempt++) {
      const attemptAbort = new AbortController();
      const signals = [attemptAbort.signal, opts.signal, init.signal ?? undefined].filter(
        (s): s is AbortSignal => s !== undefined && s !== null,
      );
      const timer = setTimeout(
        () => attemptAbort.abort(new Error(`timed out after ${policy.attemptTimeoutMs} ms`)),
        policy.attemptTimeoutMs,
      );
      let response: Response | null = null;
      let error: string | null = null;
      try {
        response = await fetchImpl(url, { ...init, signal: AbortSignal.any(signals) });
      } catch (err) {
        if (opts.signal?.aborted || init.signal?.aborted) throw err;
        error = attemptAbort.signal.aborted
          ? `timed out after ${policy.attemptTimeoutMs} ms`
          : `network error: ${(err as Error).message}${(err as { cause?: Error }).cause ? ` (${(err as { cause: Error }).cause.message})` : ''}`;
      } finally {
        clearTimeout(timer);
      }
      const decision = decideAttempt(
        response
          ? {
              status: response.status,
              retryAfter: response.headers.get('retry-after'),
              rateLimitReset: response.headers.get('x-rate-limit-reset'),
              date: response.headers.get('date'),
            }
          : { error: error! },
        attempt,
        policy,
        now(),
        random,
      );
      if (decision.kind === 'ok') return response!;
      if (decision.kind === 'auth') {
        const text = await response!.text().catch(() => '');
        throw new PollAuthError(response!.status, vendorMessage(text, opts.secret), where);
      }
      if (decision.kind === 'fail') {
        // A 4xx other than 401/403/429 is not retried: keep the vendor's explanation (e.g. a stale cursor).
        const detail =
          response && response.status < 500 && response.status !== 429
            ? `: ${vendorMessage(await response.text().catch(() => ''), opts.secret)}`
            : '';
        if (response && !detail) await response.body?.cancel().catch(() => undefined);
        throw new PollHttpError(
          `${where}: ${decision.reason}${detail} after ${attempt} attempt${attempt === 1 ? '' : 's'}`,
          response?.status ?? null,
          where,
          attempt,
        );
      }
      // Free the connection of a response we will not read.
      if (response) await response.body?.cancel().catch(() => undefined);
      opts.onRetry?.({ url: where, attempt, delayMs: decision.delayMs, reason: decision.reason });
      await sleep(decision.delayMs, opts.signal);
    }
  };
}
