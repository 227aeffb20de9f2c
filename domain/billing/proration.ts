import { plus, ratio, roundMinorExact, times, ZERO, type Exact } from './exact';
import { instantMs, utcDays, type Period } from './periods';

/**
 * Mid-term amendments prorate by whole UTC days. A change takes effect from the start of its UTC
 * day, so a change at 2026-04-11T15:00Z counts April 11 at the new price: of a 30-day April,
 * 10 days at the old price and 20 at the new one. Every amount is rounded once, half away from
 * zero, with `roundMinor` (through `roundMinorExact`, so no float error decides a half cent).
 */

/** Days of `period` from `effectiveAt`'s UTC day to the period end, clamped into the period. */
export function prorationFactorDays(period: Period, effectiveAt: string): { remainingDays: number; periodDays: number } {
  const periodDays = periodLength(period);
  const elapsed = clamp(utcDays(period.start, effectiveAt), 0, periodDays);
  return { remainingDays: periodDays - elapsed, periodDays };
}

/** The share of a full-period amount for the days from `effectiveAt` to the period end: roundMinor(amount × remaining / periodDays). */
export function prorate(fullPeriodAmount: number, period: Period, effectiveAt: string): number {
  return roundMinorExact(remainingShare(fullPeriodAmount, period, effectiveAt));
}

/**
 * The two invoice lines of a mid-period change to a line billed in advance, each rounded once:
 * a credit for the unused days at the old price and a charge for the same days at the new price.
 *   credit = −roundMinor(before × r / n)
 *   charge = +roundMinor(after × r / n)
 * with r = remaining days from effectiveAt's UTC day, n = days in the period.
 */
export function amendmentProrations(args: { before: number; after: number; period: Period; effectiveAt: string }): { credit: number; charge: number } {
  const { before, after, period, effectiveAt } = args;
  return { credit: -prorate(before, period, effectiveAt), charge: prorate(after, period, effectiveAt) };
}

/**
 * What to invoice now for the rest of an advance-billed period already invoiced at `before`, when the
 * line now costs `after` per full period (both after discount). Positive is a charge, negative a credit:
 *
 *   adjustment = roundMinor(after × r / n) − roundMinor(before × r / n)
 *
 * the sum of the two lines of `amendmentProrations`, so an invoice that shows them separately adds
 * up to this. Each term is within ½ minor unit of its exact value, so before + adjustment is within
 * one minor unit of the exact day-weighted mix before × (n − r) / n + after × r / n.
 */
export function amendmentAdjustment(args: { before: number; after: number; period: Period; effectiveAt: string }): number {
  const { credit, charge } = amendmentProrations(args);
  return charge + credit;
}

/**
 * The amount of an arrears period whose full-period price changed part-way: each price weighted by
 * the days it applied, summed exactly and rounded once. `segments` are sorted by `from`, and the
 * first starts on or before the period's first UTC day; a segment applies from its `from`'s UTC day until the next
 * segment's. Two changes on the same day: the later one is the day's price.
 */
export function blendedPeriodAmount(segments: ReadonlyArray<{ from: string; amount: number }>, period: Period): number {
  const first = segments[0];
  if (!first) throw new RangeError('no price segments');
  if (utcDays(period.start, first.from) > 0) throw new RangeError(`the first price starts (${first.from}) after the period does (${period.start})`);
  segments.forEach((s, i) => {
    const previous = segments[i - 1];
    if (previous && instantMs(s.from) < instantMs(previous.from)) throw new RangeError('price segments must be sorted by `from`');
  });

  const periodDays = periodLength(period);
  if (periodDays === 0) return 0;
  const dayOf = (at: string) => clamp(utcDays(period.start, at), 0, periodDays);
  let total: Exact = ZERO;
  segments.forEach((segment, i) => {
    const next = segments[i + 1];
    const days = (next ? dayOf(next.from) : periodDays) - dayOf(segment.from);
    total = plus(total, times(ratio(segment.amount, 1), ratio(days, periodDays)));
  });
  return roundMinorExact(total);
}

function remainingShare(amount: number, period: Period, effectiveAt: string): Exact {
  const { remainingDays, periodDays } = prorationFactorDays(period, effectiveAt);
  // A period that starts and ends on the same UTC day has no days to share out.
  if (periodDays === 0) return ZERO;
  return times(ratio(amount, 1), ratio(remainingDays, periodDays));
}

function periodLength(period: Period): number {
  const days = utcDays(period.start, period.end);
  if (days < 0) throw new RangeError(`period ends (${period.end}) before it starts (${period.start})`);
  return days;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
