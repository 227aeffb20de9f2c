import { describe, expect, it } from 'vitest';
import { billedTotal, lineAmount, perUnit, shareOf, uplifted } from '../../../domain/billing/amounts';
import { billsBelowZero, priceLines } from '../../../domain/invoice-lines';

/** Every money computation exact and rounded once, half away from zero: the cases floats got wrong. */
describe('money computations outside rating', () => {
  it.each([
    // quantity, unit price (minor), exact value, rounded
    [1.15, 1450, '1667.5', 1668],
    [0.29, 1450, '420.5', 421],
    [0.7, 45, '31.5', 32],
    [1, 18_500, '18500', 18_500],
    [2.5, 333, '832.5', 833],
    [0.0001, 1, '0.0001', 0],
    [1_000_000, 10_000_000, '1e13', 10_000_000_000_000],
  ])('a line of %s × %s minor units (exactly %s) is %s', (quantity, unit, _exactly, amount) => {
    expect(lineAmount(quantity, unit)).toBe(amount);
  });

  it('prices a job the way the invoice shows it: each line rounded once, the total their sum', () => {
    const priced = priceLines([
      { description: 'Labour', quantity: 1.15, unitPrice: { amount: 1450 } },
      { description: 'Refrigerant', quantity: 0.29, unitPrice: { amount: 1450 } },
      { description: 'Sealant', quantity: 0.7, unitPrice: { amount: 45 } },
    ]);
    expect(priced.lines.map((l) => l.amount)).toEqual([1668, 421, 32]);
    expect(priced.total).toBe(2121);
  });

  it.each([
    // amount, part, whole, share
    [10_000, 15, 30, 5_000],
    [999, 1, 2, 500],
    [-999, 1, 2, -500],
    [10_001, 17, 31, 5_484], // 5484.29…
    [1_000, 1, 8, 125],
    [12_345, 1, 12, 1_029], // 1028.75
    [2_000_000_000_000, 29, 31, 1_870_967_741_935], // beyond a float's exact products
  ])('the share of %s for %s of %s is %s', (amount, part, whole, share) => {
    expect(shareOf(amount, part, whole)).toBe(share);
  });

  it.each([
    // price, percent, uplifted
    [1_050, 5, 1_103], // 1102.5
    [2_500, 7, 2_675],
    [10_000, -3.5, 9_650],
    [333, 1.5, 338], // 337.995
    [1, 50, 2], // 1.5
  ])('%s raised by %s %% is %s', (amount, percent, up) => {
    expect(uplifted(amount, percent)).toBe(up);
  });

  it.each([
    [1_000, 3, 333],
    [1_001, 2, 501], // 500.5
    [1_668, 1.15, 1_450], // 1450.43…
  ])('%s over a quantity of %s is %s a unit', (amount, quantity, unit) => {
    expect(perUnit(amount, quantity)).toBe(unit);
  });
});

describe('what lines bill in all, and whether that is below zero', () => {
  it.each<[string, Array<{ quantity: number; unitAmount: number }>, bigint]>([
    ['a repair and a goodwill discount of all of it', [{ quantity: 1, unitAmount: 18_000 }, { quantity: 1, unitAmount: -18_000 }], 0n],
    ['each line rounded once, half away from zero, as the invoice rounds it', [{ quantity: 1.5, unitAmount: 1 }, { quantity: 1.5, unitAmount: -1 }], 0n],
    ['a discount a cent beyond the total', [{ quantity: 1, unitAmount: 18_000 }, { quantity: 2, unitAmount: -9_001 }], -2n],
    ['amounts past what a float counts exactly', [{ quantity: 1_000_000, unitAmount: 10_000_000_000_000 }], 10_000_000_000_000_000_000n],
  ])('%s', (_, lines, total) => {
    expect(billedTotal(lines)).toBe(total);
    const asItems = lines.map((l, i) => ({ description: `line ${i}`, quantity: l.quantity, unitPrice: { amount: l.unitAmount } }));
    expect(billsBelowZero(asItems)).toBe(total < 0n);
  });
});
