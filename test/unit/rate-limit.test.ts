import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../api/http/rate-limit';

describe('per-key token buckets', () => {
  it('allows the burst, then refills at the sustained rate and says when to retry', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
    expect([1, 2, 3].map(() => limiter.take('k').allowed)).toEqual([true, true, true]);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // Another key has its own budget.
    expect(limiter.take('other').allowed).toBe(true);
    now += 500; // one token back
    expect(limiter.take('k')).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.take('k').allowed).toBe(false);
    now += 10_000; // refills to the burst, no further
    expect([1, 2, 3, 4].map(() => limiter.take('k').allowed)).toEqual([true, true, true, false]);
  });

  it('asks slow budgets to wait as long as a token takes', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 0.1, burst: 1 }, () => now);
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    now += 4_000;
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 6 });
  });
});
