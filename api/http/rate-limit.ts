/**
 * Per-caller token buckets: each key may burst to `burst` requests and is refilled at `perSecond`.
 * In memory, per API process: with N processes behind a balancer a key gets up to N times the
 * rate, which is the usual trade for not paying a database round trip on every request.
 */
export interface RateLimitSettings {
  perSecond: number;
  burst: number;
}

export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_BUCKETS = 50_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly settings: RateLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `caller` has a token left, without spending it. */
  peek(caller: string): RateDecision {
    const bucket = this.buckets.get(caller);
    if (!bucket) return { allowed: true, remaining: this.settings.burst };
    const tokens = Math.min(this.settings.burst, bucket.tokens + ((this.now() - bucket.at) / 1000) * this.settings.perSecond);
    return tokens >= 1 ? { allowed: true, remaining: Math.floor(tokens) } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.settings.perSecond)) };
  }

  take(caller: string): RateDecision {
    const { perSecond, burst } = this.settings;
    const now = this.now();
    const bucket = this.buckets.get(caller) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(caller, bucket);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
    }
    bucket.tokens -= 1;
    if (!this.buckets.has(caller) && this.buckets.size >= MAX_BUCKETS) this.evictFull(now);
    this.buckets.set(caller, bucket);
    return { allowed: true, remaining: Math.floor(bucket.tokens) };
  }

  /** Forgets callers whose bucket has refilled: they are indistinguishable from new ones. */
  private evictFull(now: number): void {
    for (const [caller, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.settings.perSecond >= this.settings.burst) this.buckets.delete(caller);
    }
  }
}
