import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuoteLine } from '../../../domain/billing/quote-line';
import { rateQuantity } from '../../../domain/billing/rating';

const USD = (amount: number) => ({ amount, currency: 'USD' });

/** A quote line through the real schema, so defaults and refinements apply as in production. */
function line(fields: Record<string, unknown>): QuoteLine {
  return QuoteLine.parse({ lineId: 'line-1', sku: 'seats', billing: { interval: 'month', timing: 'advance' }, listPrice: USD(0), ...fields });
}

// 10.00 each for the first 100, 8.00 each up to 1,000 (and a 50.00 platform step on reaching it), 5.00 beyond.
const TIERS = [
  { upTo: 100, unitAmount: 1000 },
  { upTo: 1000, unitAmount: 800, flatAmount: 5000 },
  { upTo: null, unitAmount: 500 },
];
const usage = { usageMetric: 'api.calls', billing: { interval: 'month', timing: 'arrears' } };

describe('rating one billing period of a quote line', () => {
  it('charges a flat line its price whatever the quantity', () => {
    const platform = line({ sku: 'platform', description: 'Platform fee', pricingModel: 'flat', listPrice: USD(50000) });
    expect(rateQuantity(platform, 1)).toEqual({ listAmount: 50000, amount: 50000, description: 'Platform fee: 500.00 USD' });
    expect(rateQuantity(platform, 7).amount).toBe(50000);
  });

  it('charges 25 seats at 40.00 with 10% off as 900.00', () => {
    const seats = line({ description: 'Seats', pricingModel: 'per_unit', listPrice: USD(4000), quantity: 25, discountPercent: 10 });
    expect(rateQuantity(seats, 25)).toEqual({ listAmount: 100000, amount: 90000, description: 'Seats: 25 × 40.00 USD, 10% off' });
  });

  it('prices graduated and volume tiers differently at a tier boundary and just past it', () => {
    const graduated = line({ description: 'API calls', pricingModel: 'tiered', tiers: TIERS, ...usage });
    const volume = line({ description: 'API calls', pricingModel: 'volume', tiers: TIERS, ...usage });

    // 100 calls fill the first tier exactly: both 100 × 10.00.
    expect(rateQuantity(graduated, 100).amount).toBe(100000);
    expect(rateQuantity(volume, 100).amount).toBe(100000);
    // 101: graduated adds one call at 8.00 and the 50.00 step; volume prices all 101 at 8.00, plus the step.
    expect(rateQuantity(graduated, 101).amount).toBe(100000 + 800 + 5000);
    expect(rateQuantity(volume, 101).amount).toBe(101 * 800 + 5000);
    // 1,000 (upTo is inclusive) and 1,001.
    expect(rateQuantity(graduated, 1000).amount).toBe(100000 + 900 * 800 + 5000);
    expect(rateQuantity(volume, 1000).amount).toBe(1000 * 800 + 5000);
    expect(rateQuantity(graduated, 1001).amount).toBe(825000 + 500);
    expect(rateQuantity(volume, 1001).amount).toBe(1001 * 500);
  });

  it('describes usage with grouped digits', () => {
    const graduated = line({ description: 'API calls', pricingModel: 'tiered', tiers: TIERS, ...usage });
    expect(rateQuantity(graduated, 1_250_000).description).toBe('API calls: 1,250,000 (graduated tiers)');
    const volume = line({ description: 'API calls', pricingModel: 'volume', tiers: TIERS, ...usage });
    expect(rateQuantity(volume, 1_250_000).description).toBe('API calls: 1,250,000 × 5.00 USD (volume tier 3)');
  });

  it('charges nothing for no usage, even where tiers have flat amounts', () => {
    const withStep = [{ upTo: 10, unitAmount: 100, flatAmount: 2500 }, { upTo: null, unitAmount: 50 }];
    for (const pricingModel of ['per_unit', 'tiered', 'volume'] as const) {
      const metered = line({ pricingModel, listPrice: USD(100), ...(pricingModel === 'per_unit' ? {} : { tiers: withStep }), ...usage });
      expect(rateQuantity(metered, 0), pricingModel).toMatchObject({ listAmount: 0, amount: 0 });
    }
    // …and the first tier's flat amount once there is any.
    expect(rateQuantity(line({ pricingModel: 'tiered', tiers: withStep, ...usage }), 1).amount).toBe(2600);
    expect(rateQuantity(line({ pricingModel: 'volume', tiers: withStep, ...usage }), 1).amount).toBe(2600);
  });

  describe('hybrid: a 500.00 commitment covering 10,000 calls, then 0.02 a call', () => {
    const hybrid = line({
      description: 'API calls',
      pricingModel: 'hybrid',
      commitment: USD(50000),
      includedUnits: 10_000,
      listPrice: USD(2),
      ...usage,
    });

    it('charges the commitment alone under the included units, and with no usage at all', () => {
      expect(rateQuantity(hybrid, 8_000)).toEqual({
        listAmount: 50000,
        amount: 50000,
        description: 'API calls: 8,000 used, 10,000 included in 500.00 USD commitment',
      });
      expect(rateQuantity(hybrid, 10_000).amount).toBe(50000);
      expect(rateQuantity(hybrid, 0).amount).toBe(50000);
    });

    it('adds the overage past the included units', () => {
      expect(rateQuantity(hybrid, 12_500)).toEqual({
        listAmount: 55000,
        amount: 55000,
        description: 'API calls: 12,500 used, 10,000 included in 500.00 USD commitment, 2,500 over × 0.02 USD',
      });
    });

    it('prices overage graduated when it has tiers, counting tiers in overage units', () => {
      const tiered = { ...hybrid, tiers: [{ upTo: 1000, unitAmount: 3, flatAmount: 0 }, { upTo: null, unitAmount: 2, flatAmount: 0 }] };
      expect(rateQuantity(tiered, 12_500).amount).toBe(50000 + 1000 * 3 + 1500 * 2);
    });

    it('discounts commitment and overage together', () => {
      expect(rateQuantity({ ...hybrid, discountPercent: 10 }, 12_500)).toMatchObject({ listAmount: 55000, amount: 49500 });
    });
  });

  describe('rounds once, half away from zero, after the discount', () => {
    it('10% off 37.05 is 33.345, so 33.35', () => {
      const fee = line({ pricingModel: 'per_unit', listPrice: USD(1235), quantity: 3, discountPercent: 10 });
      expect(rateQuantity(fee, 3)).toMatchObject({ listAmount: 3705, amount: 3335 });
    });

    it('33.335 becomes 33.34 (half off 66.67)', () => {
      expect(rateQuantity(line({ pricingModel: 'flat', listPrice: USD(6667), discountPercent: 50 }), 1).amount).toBe(3334);
    });

    it('7% off 2.50 is 2.325, so 2.33, although the float product is 2.32499…', () => {
      expect(rateQuantity(line({ pricingModel: 'flat', listPrice: USD(250), discountPercent: 7 }), 1).amount).toBe(233);
    });

    it('a negative half cent rounds away from zero: −0.005 becomes −0.01, and 10% off −0.05 is −0.045, so −0.05', () => {
      // Quotes cannot carry negative prices; the rating arithmetic still has to round them right.
      const credit = { ...line({ pricingModel: 'per_unit', listPrice: USD(1) }), listPrice: USD(-1) };
      expect(rateQuantity(credit, 0.5)).toMatchObject({ listAmount: -1, amount: -1 });
      expect(rateQuantity({ ...credit, discountPercent: 10 }, 5)).toMatchObject({ listAmount: -5, amount: -5 });
    });

    it('does not round the list amount before discounting it', () => {
      // 0.5 × 0.03 = 0.015 → list 0.02; 10% off the exact 0.015 is 0.0135 → 0.01, not 10% off 0.02 (0.018 → 0.02).
      const tiny = line({ pricingModel: 'per_unit', listPrice: USD(3), discountPercent: 10 });
      expect(rateQuantity(tiny, 0.5)).toMatchObject({ listAmount: 2, amount: 1 });
    });

    it('matches an integer-only hand calculation for any seat count, price and discount', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 100_000 }),
          fc.integer({ min: -1_000_000, max: 1_000_000 }),
          fc.integer({ min: 0, max: 10_000 }),
          (seats, unitPrice, discountBasisPoints) => {
            const seatLine = { ...line({ pricingModel: 'per_unit', listPrice: USD(0), discountPercent: discountBasisPoints / 100 }), listPrice: USD(unitPrice) };
            // |N| / 10,000 rounded half up, with the sign put back: half away from zero, in integers only.
            const n = BigInt(seats) * BigInt(unitPrice) * BigInt(10_000 - discountBasisPoints);
            const magnitude = Number(((n < 0n ? -n : n) + 5_000n) / 10_000n);
            const expected = n < 0n && magnitude !== 0 ? -magnitude : magnitude;
            expect(rateQuantity(seatLine, seats).amount).toBe(expected);
            expect(rateQuantity(seatLine, seats).listAmount).toBe(seats * unitPrice);
          },
        ),
        { numRuns: 1000 },
      );
    });
  });

  it('never charges less for more usage under graduated tiers', () => {
    const graduated = line({ pricingModel: 'tiered', tiers: TIERS, ...usage });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 5_000 }), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(rateQuantity(graduated, low).amount).toBeLessThanOrEqual(rateQuantity(graduated, high).amount);
      }),
    );
  });

  it('refuses a negative or non-finite quantity', () => {
    const seats = line({ pricingModel: 'per_unit', listPrice: USD(4000) });
    expect(() => rateQuantity(seats, -1)).toThrow(RangeError);
    expect(() => rateQuantity(seats, Number.NaN)).toThrow(RangeError);
  });
});
