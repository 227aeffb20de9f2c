import { addDuration, parseDuration } from '../durations';

/**
 * Billing periods and the day count every proration and revenue schedule uses. All instants are
 * UTC: strings without an offset are refused, because `Date.parse` would read them in the host's
 * time zone and a worker in another zone would bill different days. Returned instants are in
 * `Date#toISOString()` form (`2026-01-31T00:00:00.000Z`), so equal instants are equal strings.
 */

/** A billing period: ISO-8601 UTC instants, `end` exclusive. */
export interface Period {
  start: string;
  end: string;
}

export type RecurringInterval = 'month' | 'quarter' | 'year';

const DAY_MS = 86_400_000;

// Date-only (UTC by the ECMAScript spec) or a date-time with Z or an explicit offset.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Milliseconds since the epoch for an ISO-8601 instant that says it is UTC (or gives its offset). */
export function instantMs(iso: string): number {
  const m = INSTANT.exec(iso);
  // Date.parse quietly rolls 2026-02-30 over to March 2; a date that is not on the calendar is an error.
  const real = m !== null && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDate() === Number(m[3]);
  const ms = real ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 UTC instant: ${iso}`);
  return ms;
}

export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

export function intervalDuration(interval: RecurringInterval): 'P1M' | 'P3M' | 'P1Y' {
  switch (interval) {
    case 'month':
      return 'P1M';
    case 'quarter':
      return 'P3M';
    case 'year':
      return 'P1Y';
  }
}

/** The end of a term that starts at `termStart` and lasts `term` (an ISO-8601 duration such as P12M). */
export function termEnd(termStart: string, term: string): string {
  return isoInstant(addDuration(instantMs(termStart), term));
}

// A 100-year monthly contract is 1,200 periods; anything far beyond that is a bad input, not a term.
const MAX_PERIODS = 10_000;

/**
 * The consecutive periods of [termStart, termEnd). Boundary k is termStart + k intervals, each
 * computed from the anchor rather than from the previous boundary: a term starting Jan 31 bills
 * Jan 31, Feb 28, Mar 31, Apr 30 …, where chaining would drift to Feb 28, Mar 28, Apr 28. The last
 * period is cut short at termEnd if the term is not a whole number of intervals.
 */
export function billingPeriods(termStart: string, termEnd: string, interval: RecurringInterval): Period[] {
  const anchor = instantMs(termStart);
  const end = instantMs(termEnd);
  if (end < anchor) throw new RangeError(`term ends (${termEnd}) before it starts (${termStart})`);
  const step = parseDuration(intervalDuration(interval));
  const monthsPerInterval = step.years * 12 + step.months;

  const periods: Period[] = [];
  for (let k = 0, from = anchor; from < end; k += 1) {
    if (k >= MAX_PERIODS) throw new RangeError(`more than ${MAX_PERIODS} billing periods between ${termStart} and ${termEnd}`);
    const next = Math.min(addDuration(anchor, `P${(k + 1) * monthsPerInterval}M`), end);
    periods.push({ start: isoInstant(from), end: isoInstant(next) });
    from = next;
  }
  return periods;
}

/** The period with start ≤ at < end, if any. */
export function periodContaining(periods: readonly Period[], at: string): Period | undefined {
  const t = instantMs(at);
  return periods.find((p) => instantMs(p.start) <= t && t < instantMs(p.end));
}

/** In advance a period is invoiced when it opens; in arrears when it has closed. */
export function invoiceDate(period: Period, timing: 'advance' | 'arrears'): string {
  return timing === 'advance' ? period.start : period.end;
}

/**
 * Whole UTC calendar days from `from`'s UTC date to `to`'s UTC date (negative if `to` is earlier).
 * Time of day is dropped first, so a period of 2026-04-01 → 2026-05-01 has 30 days whatever the
 * hour it was signed at. Every proration and recognition counts days with this one function.
 */
export function utcDays(from: string, to: string): number {
  return utcDayNumber(instantMs(to)) - utcDayNumber(instantMs(from));
}

/** The UTC midnight that starts the day `at` falls in. */
export function startOfUtcDay(at: string): string {
  return isoInstant(utcDayNumber(instantMs(at)) * DAY_MS);
}

function utcDayNumber(ms: number): number {
  return Math.floor(ms / DAY_MS);
}
