import { compare, exact, exactDecimal, ONE, plus, ratio, reciprocal, roundHalfAway, roundMinorExact, sum, times, type Exact } from './exact';

/**
 * The money computations a lifecycle makes outside rating: each is exact (integer fractions, no
 * floating point) and rounded once, half away from zero, to the minor unit. Pure, so workflows
 * may call them.
 */

const minor = (amount: number): Exact => ratio(amount, 1);

/** quantity × unit price, for a line whose quantity may have decimals (1.15 h × 14.50). */
export function lineAmount(quantity: number, unitAmount: number): number {
  return roundMinorExact(times(exact(quantity), minor(unitAmount)));
}

/** Whether lines of quantity × unit price come to at most `max` minor units in all, computed exactly (no line can overflow on the way). */
export function linesWithin(lines: ReadonlyArray<{ quantity: number; unitAmount: number }>, max: number): boolean {
  return compare(sum(lines.map((l) => times(exact(l.quantity), minor(l.unitAmount)))), minor(max)) <= 0;
}

/** What lines of quantity × unit price bill in all, each line rounded once as `lineAmount` rounds it: exact minor units, whatever their size. */
export function billedTotal(lines: ReadonlyArray<{ quantity: number; unitAmount: number }>): bigint {
  return lines.reduce((total, l) => total + roundHalfAway(times(exact(l.quantity), minor(l.unitAmount))), 0n);
}

/** amount × part / whole: a partial period's share (days of days), a month of a year's price. */
export function shareOf(amount: number, part: number, whole: number): number {
  return roundMinorExact(times(minor(amount), ratio(part, whole)));
}

/** amount raised (or lowered) by `percent`: a renewal's price uplift. */
export function uplifted(amount: number, percent: number): number {
  return roundMinorExact(times(minor(amount), plus(ONE, times(exact(percent), ratio(1, 100)))));
}

/**
 * A decimal unit price (minor units as text, up to 12 places) raised by `percent`, exactly, and
 * rounded once to 12 places, half away from zero: "0.06" up 5 % is "0.063".
 */
export function upliftedDecimal(price: string, percent: number): string {
  const raised = times(exactDecimal(price), plus(ONE, times(exact(percent), ratio(1, 100))));
  const scale = 10n ** 12n;
  const units = roundHalfAway(times(raised, { n: scale, d: 1n }));
  const whole = units / scale;
  const fraction = (units % scale).toString().padStart(12, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/** The unit price a line's amount implies for its quantity, for display on the invoice line. */
export function perUnit(amount: number, quantity: number): number {
  return roundMinorExact(times(minor(amount), reciprocal(exact(quantity))));
}
