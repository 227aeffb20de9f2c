import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  billingPeriods,
  instantMs,
  intervalDuration,
  invoiceDate,
  isoInstant,
  periodContaining,
  termEnd,
  utcDays,
  type RecurringInterval,
} from '../../../domain/billing/periods';

const day = (date: string) => `${date}T00:00:00.000Z`;

describe('billing periods', () => {
  it('anchors monthly periods on Jan 31 without drifting to the 28th', () => {
    const periods = billingPeriods('2026-01-31T00:00:00Z', termEnd('2026-01-31T00:00:00Z', 'P12M'), 'month');
    expect(periods.map((p) => p.start.slice(0, 10))).toEqual([
      '2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30',
      '2026-07-31', '2026-08-31', '2026-09-30', '2026-10-31', '2026-11-30', '2026-12-31',
    ]);
    expect(periods.at(-1)!.end).toBe(day('2027-01-31'));
  });

  it('gives a leap-year February its 29th day', () => {
    const [january, february, march] = billingPeriods('2028-01-31', '2028-05-31', 'month');
    expect(january).toEqual({ start: day('2028-01-31'), end: day('2028-02-29') });
    expect(february).toEqual({ start: day('2028-02-29'), end: day('2028-03-31') });
    expect(march!.start).toBe(day('2028-03-31'));
    expect(utcDays(day('2028-02-01'), day('2028-03-01'))).toBe(29);
    expect(utcDays(day('2027-02-01'), day('2027-03-01'))).toBe(28);
  });

  it('returns to Feb 29 on the next leap year when billing yearly from one', () => {
    const periods = billingPeriods('2028-02-29', '2032-03-01', 'year');
    expect(periods.map((p) => p.start.slice(0, 10))).toEqual(['2028-02-29', '2029-02-28', '2030-02-28', '2031-02-28', '2032-02-29']);
    expect(periods.at(-1)).toEqual({ start: day('2032-02-29'), end: day('2032-03-01') });
  });

  it('cuts the last period short at the end of a term that is not whole intervals', () => {
    const periods = billingPeriods('2026-01-15T09:30:00Z', termEnd('2026-01-15T09:30:00Z', 'P10M'), 'quarter');
    expect(periods).toEqual([
      { start: '2026-01-15T09:30:00.000Z', end: '2026-04-15T09:30:00.000Z' },
      { start: '2026-04-15T09:30:00.000Z', end: '2026-07-15T09:30:00.000Z' },
      { start: '2026-07-15T09:30:00.000Z', end: '2026-10-15T09:30:00.000Z' },
      { start: '2026-10-15T09:30:00.000Z', end: '2026-11-15T09:30:00.000Z' },
    ]);
    expect(billingPeriods('2026-01-15', '2026-01-15', 'month')).toEqual([]);
  });

  it('maps intervals to ISO-8601 durations', () => {
    expect([intervalDuration('month'), intervalDuration('quarter'), intervalDuration('year')]).toEqual(['P1M', 'P3M', 'P1Y']);
  });

  it('invoices in advance at the start and in arrears at the end', () => {
    const april = { start: day('2026-04-01'), end: day('2026-05-01') };
    expect(invoiceDate(april, 'advance')).toBe(april.start);
    expect(invoiceDate(april, 'arrears')).toBe(april.end);
  });

  it('finds the period an instant falls in, a boundary belonging to the period it opens', () => {
    const periods = billingPeriods('2026-01-01', '2026-04-01', 'month');
    expect(periodContaining(periods, '2026-02-01T00:00:00Z')).toEqual(periods[1]);
    expect(periodContaining(periods, '2026-01-31T23:59:59.999Z')).toEqual(periods[0]);
    expect(periodContaining(periods, '2026-04-01T00:00:00Z')).toBeUndefined();
    expect(periodContaining(periods, '2025-12-31T23:59:59Z')).toBeUndefined();
  });

  it('counts whole UTC calendar days, whatever the time of day or offset', () => {
    expect(utcDays('2026-04-01T23:59:59Z', '2026-04-02T00:00:00Z')).toBe(1);
    expect(utcDays('2026-04-01T00:00:00Z', '2026-04-01T23:59:59Z')).toBe(0);
    expect(utcDays('2026-04-01', '2026-05-01')).toBe(30);
    expect(utcDays('2026-05-01', '2026-04-01')).toBe(-30);
    // 23:00 at −02:00 is already April 2 in UTC.
    expect(utcDays('2026-04-01T00:00:00Z', '2026-04-01T23:00:00-02:00')).toBe(1);
  });

  it('refuses instants that do not say they are UTC, and dates not on the calendar', () => {
    for (const bad of ['2026-04-01T10:00:00', '2026-02-30', '2026-02-30T00:00:00Z', '2026-13-01', '01/04/2026', '2026-04-01T24:00:00Z']) {
      expect(() => instantMs(bad), bad).toThrow(RangeError);
    }
    expect(instantMs('2026-04-01')).toBe(Date.UTC(2026, 3, 1));
    expect(instantMs('2026-04-01T10:00+02:00')).toBe(Date.UTC(2026, 3, 1, 8));
  });

  it('refuses a term that ends before it starts', () => {
    expect(() => billingPeriods('2026-04-01', '2026-03-01', 'month')).toThrow(/before it starts/);
  });

  it('tiles [termStart, termEnd) with no gaps or overlaps, each period at most one interval long', () => {
    const anchor = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 11, 31) });
    const interval = fc.constantFrom<RecurringInterval>('month', 'quarter', 'year');
    fc.assert(
      fc.property(anchor, fc.integer({ min: 0, max: 5 * 366 * 86_400_000 }), interval, (startMs, lengthMs, every) => {
        const start = isoInstant(startMs);
        const end = isoInstant(startMs + lengthMs);
        const periods = billingPeriods(start, end, every);
        if (lengthMs === 0) {
          expect(periods).toEqual([]);
          return;
        }
        expect(periods[0]!.start).toBe(start);
        expect(periods.at(-1)!.end).toBe(end);
        const months = { month: 1, quarter: 3, year: 12 }[every];
        periods.forEach((p, k) => {
          expect(instantMs(p.start)).toBeLessThan(instantMs(p.end));
          if (k > 0) expect(p.start).toBe(periods[k - 1]!.end);
          // Every boundary but the term end is the anchor plus k intervals, computed from the anchor;
          // the term end cuts the last period at or before its full length.
          const fullEnd = termEnd(start, `P${(k + 1) * months}M`);
          if (k < periods.length - 1) expect(p.end).toBe(fullEnd);
          else expect(instantMs(p.end)).toBeLessThanOrEqual(instantMs(fullEnd));
        });
      }),
      { numRuns: 500 },
    );
  });
});
