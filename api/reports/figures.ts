import { roundMinorExact } from '../../domain/billing/exact';
import { localParts, zonedToUtc } from '../../domain/local-time';
import type { Period } from './period';

/**
 * The shapes every KPI is given in, decided once: a rate keeps its numerator and denominator
 * beside it (the dashboard shows "12 of 40"), rounded to four places half away from zero, null
 * when there is nothing to divide; money shares are exact fractions rounded once to minor units.
 */
export interface Rate {
  numerator: number;
  denominator: number;
  /** numerator ÷ denominator to four decimal places; null when the denominator is 0. */
  rate: number | null;
}

export function rate(numerator: number, denominator: number): Rate {
  return { numerator, denominator, rate: denominator === 0 ? null : roundMinorExact({ n: BigInt(numerator) * 10_000n, d: BigInt(denominator) }) / 10_000 };
}

/** `total` minor units shared over `count`, rounded once; null for no one to share it. */
export function share(total: number, count: number): number | null {
  return count === 0 ? null : roundMinorExact({ n: BigInt(total), d: BigInt(count) });
}

/** A calendar month as the business lives it: local midnight of the 1st to local midnight of the next 1st. */
export interface LocalMonth {
  month: string;
  start: Date;
  end: Date;
}

/** The months the period touches, in the period's zone, each clipped to the period. */
export function monthsOf(period: Period): LocalMonth[] {
  const tz = period.timezone;
  const months: LocalMonth[] = [];
  const first = localParts(period.from.getTime(), tz);
  for (let y = first.year, m = first.month; ; m === 12 ? ((y += 1), (m = 1)) : (m += 1)) {
    const start = zonedToUtc(y, m, 1, 0, 0, tz);
    if (start >= period.to.getTime()) break;
    const end = m === 12 ? zonedToUtc(y + 1, 1, 1, 0, 0, tz) : zonedToUtc(y, m + 1, 1, 0, 0, tz);
    months.push({ month: `${y}-${String(m).padStart(2, '0')}`, start: new Date(Math.max(start, period.from.getTime())), end: new Date(Math.min(end, period.to.getTime())) });
  }
  return months;
}
