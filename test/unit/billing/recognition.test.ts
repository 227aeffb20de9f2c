import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantMs, isoInstant } from '../../../domain/billing/periods';
import {
  positionAt,
  recognisedThrough,
  revenueKindOf,
  revenueLineFor,
  revenueLinesFor,
  scheduleByMonth,
  type RevenueLine,
} from '../../../domain/billing/recognition';

const day = (date: string) => `${date}T00:00:00.000Z`;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

// 3,650.00 over the 365 days from 2026-01-15: 10.00 a day, so every month is days × 10.00.
const annual: RevenueLine = {
  key: 'inv-1/seats',
  amount: 365_000,
  method: 'ratable',
  start: day('2026-01-15'),
  end: day('2027-01-15'),
  billedAt: day('2026-01-15'),
};

describe('recognising revenue', () => {
  it('spreads a mid-month annual subscription over the days of each month', () => {
    expect(scheduleByMonth([annual])).toEqual([
      { month: '2026-01', recognised: 17_000 },
      { month: '2026-02', recognised: 28_000 },
      { month: '2026-03', recognised: 31_000 },
      { month: '2026-04', recognised: 30_000 },
      { month: '2026-05', recognised: 31_000 },
      { month: '2026-06', recognised: 30_000 },
      { month: '2026-07', recognised: 31_000 },
      { month: '2026-08', recognised: 31_000 },
      { month: '2026-09', recognised: 30_000 },
      { month: '2026-10', recognised: 31_000 },
      { month: '2026-11', recognised: 30_000 },
      { month: '2026-12', recognised: 31_000 },
      { month: '2027-01', recognised: 14_000 },
    ]);
  });

  it('counts Feb 29 in a leap year, with cumulative rounding', () => {
    // 100.00 over Feb 15 – Mar 15 2028: 29 days, 15 of them in February. 15/29 of 100.00 is 51.724… → 51.72.
    const leap: RevenueLine = { key: 'l', amount: 10_000, method: 'ratable', start: day('2028-02-15'), end: day('2028-03-15'), billedAt: day('2028-02-15') };
    expect(scheduleByMonth([leap])).toEqual([
      { month: '2028-02', recognised: 5172 },
      { month: '2028-03', recognised: 4828 },
    ]);
    // 1,000.00 over 2028 (366 days): January 31/366 → 84.70; February is the through-February total
    // 60/366 → 163.93 less January, 79.23 (29/366 alone would be 79.2349…); December takes what is left.
    const year = { ...leap, amount: 100_000, start: day('2028-01-01'), end: day('2029-01-01') };
    const months = scheduleByMonth([year]);
    expect(months.slice(0, 2)).toEqual([
      { month: '2028-01', recognised: 8470 },
      { month: '2028-02', recognised: 7923 },
    ]);
    expect(sum(months.map((m) => m.recognised))).toBe(100_000);
  });

  it('recognises through the day before asOf, whatever its time of day', () => {
    expect(recognisedThrough(annual, '2026-01-15T00:00:00Z')).toBe(0);
    expect(recognisedThrough(annual, '2026-01-15T23:59:59Z')).toBe(0);
    expect(recognisedThrough(annual, '2026-01-16T00:00:00Z')).toBe(1000);
    expect(recognisedThrough(annual, '2030-01-01T00:00:00Z')).toBe(365_000);
    expect(recognisedThrough(annual, '2020-01-01T00:00:00Z')).toBe(0);
  });

  it('recognises a one-time fee at delivery, in the month it was delivered even at midnight on the 1st', () => {
    const onboarding: RevenueLine = { key: 'fee', amount: 250_000, method: 'point', start: day('2026-03-01'), end: day('2026-03-01'), billedAt: day('2026-02-20') };
    expect(recognisedThrough(onboarding, day('2026-03-01'))).toBe(0);
    expect(recognisedThrough(onboarding, '2026-03-01T00:00:00.001Z')).toBe(250_000);
    expect(scheduleByMonth([onboarding])).toEqual([{ month: '2026-03', recognised: 250_000 }]);
  });

  it('recognises a single-day or zero-length ratable line at its start', () => {
    const oneDay: RevenueLine = { key: 'd', amount: 999, method: 'ratable', start: '2026-03-31T10:00:00Z', end: '2026-04-01T10:00:00Z', billedAt: day('2026-03-31') };
    expect(recognisedThrough(oneDay, '2026-03-31T12:00:00Z')).toBe(999);
    expect(scheduleByMonth([oneDay])).toEqual([{ month: '2026-03', recognised: 999 }]);
    expect(scheduleByMonth([{ ...oneDay, end: oneDay.start }])).toEqual([{ month: '2026-03', recognised: 999 }]);
  });

  it('sums lines per month', () => {
    const march = { key: 'u', amount: 3100, method: 'ratable' as const, start: day('2026-03-01'), end: day('2026-04-01'), billedAt: day('2026-04-01') };
    expect(scheduleByMonth([march, { ...march, key: 'v', amount: -100 }])).toEqual([{ month: '2026-03', recognised: 3000 }]);
  });
});

describe('the revenue position at a date', () => {
  it('holds an advance-billed annual subscription as deferred revenue', () => {
    expect(positionAt([annual], day('2026-04-01'))).toEqual({ billed: 365_000, recognised: 76_000, deferred: 289_000, unbilled: 0 });
    expect(positionAt([annual], day('2026-01-14'))).toEqual({ billed: 0, recognised: 0, deferred: 0, unbilled: 0 });
  });

  it('holds usage consumed but not yet invoiced in arrears as unbilled', () => {
    const marchUsage = revenueLineFor({ kind: 'usage', key: 'inv-4/api', amount: 12_000, billedAt: day('2026-04-01'), usagePeriod: { start: day('2026-03-01'), end: day('2026-04-01') } });
    // 19 of March's 31 days have passed: 120.00 × 19/31 = 73.548… → 73.55.
    expect(positionAt([marchUsage], day('2026-03-20'))).toEqual({ billed: 0, recognised: 7355, deferred: 0, unbilled: 7355 });
    expect(positionAt([marchUsage], day('2026-04-01'))).toEqual({ billed: 12_000, recognised: 12_000, deferred: 0, unbilled: 0 });
  });

  it('keeps a mid-month credit on its own line, so the net contract liability is deferred − unbilled', () => {
    const april = revenueLineFor({ kind: 'subscription', key: 'inv-5/seats', amount: 60_000, billedAt: day('2026-04-01'), servicePeriod: { start: day('2026-04-01'), end: day('2026-05-01') } });
    const credit = revenueLineFor({
      kind: 'credit',
      key: 'cn-1/seats',
      amount: -20_000,
      billedAt: '2026-04-11T09:00:00Z',
      recognise: { method: 'ratable', period: { start: '2026-04-11T09:00:00Z', end: day('2026-05-01') } },
    });
    const at = positionAt([april, credit], day('2026-04-21'));
    // April: 600.00 × 20/30 = 400.00 recognised. Credit: −200.00 × 10/20 = −100.00 recognised.
    expect(at).toEqual({ billed: 40_000, recognised: 30_000, deferred: 20_000, unbilled: 10_000 });
    expect(at.deferred - at.unbilled).toBe(at.billed - at.recognised);
  });
});

describe('turning invoice lines into revenue lines', () => {
  const period = { start: day('2026-04-01'), end: day('2026-05-01') };

  it('classifies quote lines by how they earn', () => {
    expect(revenueKindOf({ billing: { interval: 'month', timing: 'advance' } })).toBe('subscription');
    expect(revenueKindOf({ billing: { interval: 'year', timing: 'arrears' } })).toBe('subscription');
    expect(revenueKindOf({ billing: { interval: 'month', timing: 'arrears' }, usageMetric: 'api.calls' })).toBe('usage');
    expect(revenueKindOf({ billing: { interval: 'one_time', timing: 'advance' } })).toBe('one_time');
  });

  it('makes subscriptions and usage ratable, one-time fees and point credits point-in-time', () => {
    expect(revenueLinesFor([
      { kind: 'subscription', key: 's', amount: 100, billedAt: period.start, servicePeriod: period },
      { kind: 'usage', key: 'u', amount: 200, billedAt: period.end, usagePeriod: period },
      { kind: 'one_time', key: 'o', amount: 300, billedAt: period.start, deliveredAt: '2026-04-09T12:00:00Z' },
      { kind: 'credit', key: 'c', amount: -50, billedAt: '2026-04-20T08:00:00Z', recognise: { method: 'point' } },
    ])).toEqual([
      { key: 's', amount: 100, method: 'ratable', start: period.start, end: period.end, billedAt: period.start },
      { key: 'u', amount: 200, method: 'ratable', start: period.start, end: period.end, billedAt: period.end },
      { key: 'o', amount: 300, method: 'point', start: '2026-04-09T12:00:00Z', end: '2026-04-09T12:00:00Z', billedAt: period.start },
      { key: 'c', amount: -50, method: 'point', start: '2026-04-20T08:00:00Z', end: '2026-04-20T08:00:00Z', billedAt: '2026-04-20T08:00:00Z' },
    ]);
  });

  it('refuses a positive credit, a fractional amount and a period that runs backwards', () => {
    expect(() => revenueLineFor({ kind: 'credit', key: 'c', amount: 5, billedAt: period.start, recognise: { method: 'point' } })).toThrow(/credit/);
    expect(() => revenueLineFor({ kind: 'subscription', key: 's', amount: 1.5, billedAt: period.start, servicePeriod: period })).toThrow(/integer/);
    expect(() => revenueLineFor({ kind: 'subscription', key: 's', amount: 1, billedAt: period.start, servicePeriod: { start: period.end, end: period.start } })).toThrow(/before it starts/);
  });
});

describe('recognition guarantees, for any lines between 2024 and 2030', () => {
  const FROM = Date.UTC(2024, 0, 1);
  const TO = Date.UTC(2030, 11, 31);
  // Half the instants fall on a UTC midnight, often the 1st of a month, where off-by-one errors live.
  const instant = fc.oneof(
    fc.integer({ min: FROM, max: TO }),
    fc.integer({ min: 0, max: Math.floor((TO - FROM) / 86_400_000) }).map((d) => FROM + d * 86_400_000),
    fc.record({ y: fc.integer({ min: 2024, max: 2030 }), m: fc.integer({ min: 0, max: 11 }) }).map(({ y, m }) => Date.UTC(y, m, 1)),
  );
  const line: fc.Arbitrary<RevenueLine> = fc
    .record({
      key: fc.string({ minLength: 1, maxLength: 8 }),
      amount: fc.oneof(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.integer({ min: -50, max: 50 })),
      method: fc.constantFrom('ratable' as const, 'point' as const),
      a: instant,
      b: instant,
      billed: instant,
    })
    .map(({ key, amount, method, a, b, billed }) => {
      const [start, end] = a <= b ? [a, b] : [b, a];
      return { key, amount, method, start: isoInstant(start), end: isoInstant(method === 'point' ? start : end), billedAt: isoInstant(billed) };
    });
  const lines = fc.array(line, { maxLength: 12 });

  it('recognises by month exactly what was billed, to the minor unit', () => {
    fc.assert(
      fc.property(lines, (ls) => {
        expect(sum(scheduleByMonth(ls).map((m) => m.recognised))).toBe(sum(ls.map((l) => l.amount)));
      }),
      { numRuns: 300 },
    );
  });

  it('lists months in order, each once, as YYYY-MM', () => {
    fc.assert(
      fc.property(lines, (ls) => {
        const months = scheduleByMonth(ls).map((m) => m.month);
        months.forEach((m, i) => {
          expect(m).toMatch(/^\d{4}-(0[1-9]|1[0-2])$/);
          if (i > 0) expect(m > months[i - 1]!).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('has recognised everything billed, with nothing deferred or unbilled, once every line has ended', () => {
    fc.assert(
      fc.property(lines, fc.integer({ min: 1, max: 400 * 86_400_000 }), (ls, afterMs) => {
        const last = Math.max(TO, ...ls.flatMap((l) => [instantMs(l.end), instantMs(l.billedAt)]));
        const position = positionAt(ls, isoInstant(last + afterMs));
        expect(position.recognised).toBe(position.billed);
        expect(position.billed).toBe(sum(ls.map((l) => l.amount)));
        expect(position.deferred).toBe(0);
        expect(position.unbilled).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('balances at every date: billed − recognised = deferred − unbilled, neither negative', () => {
    fc.assert(
      fc.property(lines, instant, (ls, asOf) => {
        const p = positionAt(ls, isoInstant(asOf));
        expect(p.billed - p.recognised).toBe(p.deferred - p.unbilled);
        expect(p.deferred).toBeGreaterThanOrEqual(0);
        expect(p.unbilled).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it('never un-recognises revenue of a positive line as time passes', () => {
    const positive = line.map((l) => ({ ...l, amount: Math.abs(l.amount) }));
    fc.assert(
      fc.property(positive, instant, instant, (l, a, b) => {
        const [earlier, later] = a <= b ? [a, b] : [b, a];
        const before = recognisedThrough(l, isoInstant(earlier));
        const after = recognisedThrough(l, isoInstant(later));
        expect(before).toBeLessThanOrEqual(after);
        expect(after).toBeLessThanOrEqual(l.amount);
        expect(before).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 1000 },
    );
  });
});
