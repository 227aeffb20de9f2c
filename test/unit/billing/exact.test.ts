import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exact, ratio, roundMinorExact, times } from '../../../domain/billing/exact';
import { roundMinor } from '../../../domain/money';

describe('exact billing arithmetic', () => {
  it('reads numbers as the decimals people wrote', () => {
    expect(exact(0.1)).toEqual({ n: 1n, d: 10n });
    expect(exact(1234.5678)).toEqual({ n: 6172839n, d: 5000n });
    expect(exact(1.5e-7)).toEqual({ n: 3n, d: 20_000_000n });
    expect(exact(2e21)).toEqual({ n: 2_000_000_000_000_000_000_000n, d: 1n });
    expect(exact(-12.5)).toEqual({ n: -25n, d: 2n });
  });

  it('rounds the half cent that floats get wrong: 7% off 2.50 USD is 2.325, so 2.33', () => {
    expect(roundMinor(250 * (1 - 7 / 100))).toBe(232); // the float trap
    expect(roundMinorExact(times(ratio(250, 1), ratio(93, 100)))).toBe(233);
  });

  it('rounds half away from zero on both sides of zero', () => {
    expect(roundMinorExact(ratio(5, 2))).toBe(3);
    expect(roundMinorExact(ratio(-5, 2))).toBe(-3);
    expect(roundMinorExact(ratio(-1, 2))).toBe(-1);
    expect(roundMinorExact(ratio(-1, 3))).toBe(0);
    expect(Object.is(roundMinorExact(ratio(-1, 3)), -0)).toBe(false);
    expect(roundMinorExact(ratio(2, 3))).toBe(1);
  });

  it('is roundMinor itself, on every value a float can hold exactly', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e13, max: 1e13, noNaN: true }), (value) => {
        expect(roundMinorExact(exact(value))).toBe(roundMinor(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses amounts too large to count exactly', () => {
    expect(() => roundMinorExact(times(ratio(1e13, 1), ratio(1e9, 1)))).toThrow(/too large/);
  });
});
