import { describe, expect, it } from 'vitest';
import { monthsOf, rate, share } from '../../../api/reports/figures';
import { classify, mrrFigures, type MrrChange } from '../../../api/reports/mrr-movements';

describe('MRR movements (ChartMogul’s definitions, by customer)', () => {
  it.each([
    // [before, after, had MRR before, movement]
    [0, 10_000, false, 'new'],
    [0, 10_000, true, 'reactivation'],
    [10_000, 15_000, true, 'expansion'],
    [15_000, 5_000, true, 'contraction'],
    [5_000, 0, true, 'churn'],
    [5_000, 5_000, true, null],
  ] as const)('%i → %i (had MRR before: %s) is %s', (before, after, had, movement) => {
    expect(classify(before, after, had)).toBe(movement);
  });

  const period = { from: new Date('2027-01-01T00:00:00Z'), to: new Date('2027-04-01T00:00:00Z'), timezone: 'UTC' };
  const months = monthsOf(period);
  const change = (customer: string, kind: MrrChange['kind'], mrrDelta: number, at: string): MrrChange => ({ customer, currency: 'USD', kind, mrrDelta, occurredAt: new Date(at) });

  it('counts the end of one of two contracts as contraction and the end of the last as churn; a customer back is a reactivation', () => {
    const [usd] = mrrFigures(
      [
        change('initech', 'new', 100_000, '2026-11-10T00:00:00Z'),
        change('initech', 'new', 20_000, '2026-12-01T00:00:00Z'), // a second contract: expansion, before the period
        change('globex', 'new', 50_000, '2026-12-15T00:00:00Z'),
        change('initech', 'churn', -20_000, '2027-01-20T00:00:00Z'), // one of two ends: contraction
        change('globex', 'expansion', 10_000, '2027-02-03T00:00:00Z'),
        change('initech', 'churn', -100_000, '2027-02-28T23:59:59Z'), // the last one: churn
        change('umbrella', 'new', 30_000, '2027-03-02T00:00:00Z'),
        change('initech', 'new', 40_000, '2027-03-30T00:00:00Z'), // back: reactivation
        change('globex', 'renewal', 3_000, '2027-03-31T00:00:00Z'), // a renewal uplift: expansion
        change('umbrella', 'expansion', 1_000, '2027-04-01T00:00:00Z'), // after the period
      ],
      months,
      period.from,
    );
    expect(usd!.months).toEqual([
      { month: '2027-01', start: 170_000, new: 0, expansion: 0, contraction: 20_000, churn: 0, reactivation: 0, end: 150_000 },
      { month: '2027-02', start: 150_000, new: 0, expansion: 10_000, contraction: 0, churn: 100_000, reactivation: 0, end: 60_000 },
      { month: '2027-03', start: 60_000, new: 30_000, expansion: 3_000, contraction: 0, churn: 0, reactivation: 40_000, end: 133_000 },
    ]);
    // Customers at the start: Initech 120,000 and Globex 50,000. Their expansion 13,000; contraction 20,000; churn 100,000.
    expect(usd!.nrr).toEqual(rate(170_000 + 13_000 - 20_000 - 100_000, 170_000));
    expect(usd!.grr).toEqual(rate(170_000 - 20_000 - 100_000, 170_000));
    expect(usd!.nrr.rate).toBe(0.3706);
    expect(usd!.renewalRate).toEqual(rate(1, 3));
    expect(usd!.upliftMrr).toBe(3_000);
  });

  it('keeps currencies apart', () => {
    const figures = mrrFigures([change('a', 'new', 100, '2027-01-05T00:00:00Z'), { ...change('b', 'new', 300, '2027-01-06T00:00:00Z'), currency: 'EUR' }], months, period.from);
    expect(figures.map((f) => [f.currency, f.months[0]!.new])).toEqual([
      ['EUR', 300],
      ['USD', 100],
    ]);
  });
});

describe('report figures', () => {
  it.each([
    [1, 3, 0.3333],
    [2, 3, 0.6667],
    [1, 8, 0.125],
    [1, 20_000, 0.0001],
    [1, 20_001, 0],
    [0, 0, null],
  ])('rate %i ÷ %i = %s, half away from zero', (n, d, expected) => {
    expect(rate(n, d)).toEqual({ numerator: n, denominator: d, rate: expected });
  });

  it.each([
    [132_350, 5, 26_470],
    [100, 3, 33],
    [101, 2, 51],
    [-101, 2, -51],
    [5, 0, null],
  ])('shares %i over %i as %s minor units', (total, count, expected) => {
    expect(share(total, count)).toBe(expected);
  });

  it('cuts a period into local months, clipped to the period', () => {
    const chicago = monthsOf({ from: new Date('2027-02-15T06:00:00Z'), to: new Date('2027-04-01T05:00:00Z'), timezone: 'America/Chicago' });
    expect(chicago.map((m) => [m.month, m.start.toISOString(), m.end.toISOString()])).toEqual([
      ['2027-02', '2027-02-15T06:00:00.000Z', '2027-03-01T06:00:00.000Z'],
      ['2027-03', '2027-03-01T06:00:00.000Z', '2027-04-01T05:00:00.000Z'],
    ]);
  });
});
