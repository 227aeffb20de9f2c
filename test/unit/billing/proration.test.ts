import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare, minus, plus, ratio, times } from '../../../domain/billing/exact';
import { isoInstant } from '../../../domain/billing/periods';
import {
  amendmentAdjustment,
  amendmentProrations,
  blendedPeriodAmount,
  prorate,
  prorationFactorDays,
} from '../../../domain/billing/proration';

// April 2026 has 30 days: a clean month for hand calculations.
const april = { start: '2026-04-01T00:00:00.000Z', end: '2026-05-01T00:00:00.000Z' };
const SEAT = 4000; // 40.00 USD a seat a month

describe('proration by day', () => {
  it('counts from the start of the effective UTC day, clamped into the period', () => {
    expect(prorationFactorDays(april, '2026-04-11T15:45:00Z')).toEqual({ remainingDays: 20, periodDays: 30 });
    expect(prorationFactorDays(april, '2026-04-01T00:00:00Z')).toEqual({ remainingDays: 30, periodDays: 30 });
    expect(prorationFactorDays(april, '2026-03-20T00:00:00Z')).toEqual({ remainingDays: 30, periodDays: 30 });
    expect(prorationFactorDays(april, '2026-05-03T00:00:00Z')).toEqual({ remainingDays: 0, periodDays: 30 });
  });

  it('prorates a full-period amount by remaining days, rounding once', () => {
    expect(prorate(10_000, april, '2026-04-11T00:00:00Z')).toBe(6667); // 6,666.67
    expect(prorate(-1, april, '2026-04-16T00:00:00Z')).toBe(-1); // −0.005 USD → −0.01
    expect(prorate(1, april, '2026-04-16T00:00:00Z')).toBe(1); // 0.005 USD → 0.01
  });

  it('charges 20 days of 5 more seats when 10 seats become 15 on day 11 of a 30-day month billed in advance', () => {
    const change = { before: 10 * SEAT, after: 15 * SEAT, period: april, effectiveAt: '2026-04-11T09:00:00Z' };
    // Unused 20 days of 10 seats: 40,000 × 20/30 = 26,666.67 → 26,667; the same 20 days of 15 seats: 40,000.
    expect(amendmentProrations(change)).toEqual({ credit: -26667, charge: 40000 });
    expect(amendmentAdjustment(change)).toBe(13333); // 133.33 USD = 5 seats × 40.00 × 20/30
    // Already billed 400.00, so April costs 533.33: 10 days of 10 seats and 20 days of 15 (533.333…).
    expect(change.before + amendmentAdjustment(change)).toBe(53333);
  });

  it('credits the rest of the month when seats go down', () => {
    const change = { before: 15 * SEAT, after: 10 * SEAT, period: april, effectiveAt: '2026-04-11T00:00:00Z' };
    expect(amendmentAdjustment(change)).toBe(-13333);
    expect(amendmentProrations(change)).toEqual({ credit: -40000, charge: 26667 });
  });

  it('adjusts nothing when the change lands after the period and everything when before it', () => {
    expect(amendmentAdjustment({ before: 40000, after: 60000, period: april, effectiveAt: '2026-05-01T00:00:00Z' })).toBe(0);
    expect(amendmentAdjustment({ before: 40000, after: 60000, period: april, effectiveAt: '2026-04-01T00:00:00Z' })).toBe(20000);
  });

  it('keeps before + adjustment within one minor unit of the exact day-weighted mix', () => {
    const effective = fc.integer({ min: Date.UTC(2026, 2, 25), max: Date.UTC(2026, 4, 5) }).map(isoInstant);
    const amount = fc.integer({ min: -10_000_000, max: 10_000_000 });
    fc.assert(
      fc.property(amount, amount, effective, (before, after, effectiveAt) => {
        const { remainingDays: r, periodDays: n } = prorationFactorDays(april, effectiveAt);
        const mix = plus(times(ratio(before, 1), ratio(n - r, n)), times(ratio(after, 1), ratio(r, n)));
        const error = minus(ratio(before + amendmentAdjustment({ before, after, period: april, effectiveAt }), 1), mix);
        expect(compare(error, ratio(1, 1))).toBeLessThanOrEqual(0);
        expect(compare(error, ratio(-1, 1))).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('blending an arrears period whose price changed', () => {
  it('weights each price by the days it applied', () => {
    const segments = [
      { from: '2026-01-01T00:00:00Z', amount: 10 * SEAT },
      { from: '2026-04-11T14:00:00Z', amount: 15 * SEAT },
    ];
    // 40,000 × 10/30 + 60,000 × 20/30 = 53,333.33
    expect(blendedPeriodAmount(segments, april)).toBe(53333);
  });

  it('rounds once at the end, not each part', () => {
    // 1.00 for 10 days and 2.00 for 20 days: 0.3333 + 1.3333 = 1.6667 → 1.67 (parts rounded first would give 1.66).
    const segments = [
      { from: april.start, amount: 100 },
      { from: '2026-04-11T00:00:00Z', amount: 200 },
    ];
    expect(blendedPeriodAmount(segments, april)).toBe(167);
  });

  it('uses the later price when two changes fall on the same day, and ignores changes after the period', () => {
    const segments = [
      { from: april.start, amount: 30000 },
      { from: '2026-04-16T08:00:00Z', amount: 90000 },
      { from: '2026-04-16T17:00:00Z', amount: 60000 },
      { from: '2026-05-10T00:00:00Z', amount: 1 },
    ];
    expect(blendedPeriodAmount(segments, april)).toBe(45000); // 15 days at 30,000 and 15 at 60,000
  });

  it('is the full amount when the price never changed in the period', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), (amount) => {
        expect(blendedPeriodAmount([{ from: '2025-11-30T00:00:00Z', amount }], april)).toBe(amount);
      }),
    );
  });

  it('refuses segments that start after the period or are out of order', () => {
    expect(() => blendedPeriodAmount([{ from: '2026-04-02T00:00:00Z', amount: 1 }], april)).toThrow(/after the period/);
    expect(() =>
      blendedPeriodAmount([{ from: april.start, amount: 1 }, { from: '2026-04-20T00:00:00Z', amount: 2 }, { from: '2026-04-10T00:00:00Z', amount: 3 }], april),
    ).toThrow(/sorted/);
    expect(() => blendedPeriodAmount([], april)).toThrow(/no price/);
  });
});
