// Per-connection rate limits of the HTTP surfaces that accept pushed data (collector webhooks,
// SCIM service provider): one token bucket per boundary-map connection, configured by the
// connection's `rate_limit: { per_second, burst }` (core/config/boundary-map.ts). A request takes
// one token before its body is read or its credentials are checked, so a flood (authenticated or
// not) costs at most `per_second` body reads and signature checks per second per connection; a
// request finding the bucket empty is answered 429 with Retry-After (seconds until a token is
// back, at least 1) and nothing of it is read or stored.
//
// The defaults are generous (10,000/s, burst 20,000): the limit is a guard against a runaway or
// hostile sender, not traffic shaping — `npm run bench` pushes ~5,000 deliveries/s through one
// connection and must never see a 429.

export interface RateLimitSettings {
  /** Sustained requests per second. */
  per_second: number;
  /** Bucket size: requests allowed at once after a quiet period. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = { per_second: 10_000, burst: 20_000 };

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = settings.burst;
    this.last = now();
  }

  /** Takes one token if there is one; otherwise says how long until there is. */
  take(): TakeResult {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last) / 1000;
    this.last = t;
    this.tokens = Math.min(this.settings.burst, this.tokens + elapsed * this.settings.per_second);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    const waitSeconds = (1 - this.tokens) / this.settings.per_second;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }
}

/** One bucket per key (a connection id), created on first use with that key's settings. */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly settingsOf: (key: string) => RateLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): TakeResult {
    let b = this.buckets.get(key);
    if (!b) {
      b = new TokenBucket(this.settingsOf(key), this.now);
      this.buckets.set(key, b);
    }
    return b.take();
  }
}
