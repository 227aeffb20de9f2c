import { ratio, roundMinorExact, times } from './exact';
import { instantMs, isoInstant, utcDays, type Period } from './periods';
import type { QuoteLine } from './quote-line';

/**
 * Revenue recognition, ASC 606 / IFRS 15 simplified: a subscription or usage charge is earned day
 * by day across the period it pays for (ratable), a one-time fee when it is delivered (point).
 *
 * "Recognised through asOf" is everything earned before asOf: for a ratable line, the whole UTC days
 * from its start to asOf's UTC day (the same day count as proration); for a point line, the amount
 * once its instant is strictly before asOf. Strictly, so that a fee delivered at 00:00 on March 1 is
 * March revenue: the month schedule is recognisedThrough(April 1) − recognisedThrough(March 1).
 *
 * Rounding is cumulative: the amount recognised through any date is rounded once from the exact
 * share, and a month's revenue is the difference of two such amounts. The months therefore add up
 * to the line's amount exactly, with no cent left over in the last month.
 */

export interface RevenueLine {
  /** Identifies the invoice line (or credit) this revenue comes from. */
  key: string;
  /** Integer minor units; negative for credits. */
  amount: number;
  method: 'ratable' | 'point';
  start: string;
  /** Exclusive; equal to start for a point line. */
  end: string;
  /** When the line was invoiced (or credited): it counts as billed from this instant on. */
  billedAt: string;
}

/**
 * Revenue of `line` earned before `asOf`. Ratable: roundMinor(amount × elapsed / total) with elapsed
 * = utcDays(start, asOf) clamped to [0, total], total = utcDays(start, end). A ratable line of one
 * day or less is recognised at its start, like a point line.
 */
export function recognisedThrough(line: RevenueLine, asOf: string): number {
  const totalDays = utcDays(line.start, line.end);
  if (totalDays < 0) throw new RangeError(`revenue line ${line.key} ends (${line.end}) before it starts (${line.start})`);
  if (line.method === 'point' || totalDays <= 1) return instantMs(line.start) < instantMs(asOf) ? line.amount : 0;
  const elapsed = Math.min(Math.max(utcDays(line.start, asOf), 0), totalDays);
  return roundMinorExact(times(ratio(line.amount, 1), ratio(elapsed, totalDays)));
}

/**
 * Revenue by calendar month (UTC, 'YYYY-MM'), all lines together, months in order, months with
 * nothing recognised left out. Each line's month is recognisedThrough(first of next month) −
 * recognisedThrough(first of month), so Σ recognised over the months is exactly Σ amounts.
 */
export function scheduleByMonth(lines: readonly RevenueLine[]): Array<{ month: string; recognised: number }> {
  const byMonth = new Map<string, number>();
  for (const line of lines) {
    const last = monthStart(Math.max(instantMs(line.start), instantMs(line.end)));
    for (let month = monthStart(instantMs(line.start)); month <= last; month = nextMonth(month)) {
      const recognised = recognisedThrough(line, isoInstant(nextMonth(month))) - recognisedThrough(line, isoInstant(month));
      if (recognised !== 0) byMonth.set(monthKey(month), (byMonth.get(monthKey(month)) ?? 0) + recognised);
    }
  }
  return [...byMonth.entries()]
    .filter(([, recognised]) => recognised !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([month, recognised]) => ({ month, recognised }));
}

export interface RevenuePosition {
  /** Σ amount of the lines invoiced by asOf. */
  billed: number;
  /** Σ recognisedThrough(asOf). */
  recognised: number;
  /** Contract liability: billed ahead of the service (Σ over lines of billed − recognised, where positive). */
  deferred: number;
  /** Contract asset: served ahead of billing (Σ over lines of recognised − billed, where positive). */
  unbilled: number;
}

/**
 * Billed, recognised, deferred and unbilled revenue at `asOf`, line by line: a line's difference
 * (billed − recognised) goes to deferred if positive and to unbilled if negative, so billed −
 * recognised = deferred − unbilled always. Note that a credit issued ahead of the service it
 * reverses shows as unbilled on its own line; ASC 606 presents one net position per contract, which
 * is deferred − unbilled over that contract's lines.
 */
export function positionAt(lines: readonly RevenueLine[], asOf: string): RevenuePosition {
  const at = instantMs(asOf);
  const position: RevenuePosition = { billed: 0, recognised: 0, deferred: 0, unbilled: 0 };
  for (const line of lines) {
    const billed = instantMs(line.billedAt) <= at ? line.amount : 0;
    const recognised = recognisedThrough(line, asOf);
    const difference = billed - recognised;
    position.billed += billed;
    position.recognised += recognised;
    if (difference > 0) position.deferred += difference;
    else position.unbilled -= difference;
  }
  return position;
}

/** How a quote line earns its revenue: a usage line as it is consumed, a one-time fee on delivery, any other line as a subscription. */
export type RevenueKind = 'subscription' | 'usage' | 'one_time';

export function revenueKindOf(line: Pick<QuoteLine, 'billing' | 'usageMetric'>): RevenueKind {
  if (line.usageMetric) return 'usage';
  return line.billing.interval === 'one_time' ? 'one_time' : 'subscription';
}

/**
 * One invoice line, as recognition needs it. `amount` is the invoice line's amount (after
 * discount, rounded), `key` its id, `billedAt` when the invoice (or credit note) was issued.
 * - subscription: earned ratably over the service period it pays for (for a prorated amendment
 *   charge, from the effective date to the period end);
 * - usage: earned ratably over the usage period the quantity was measured in, that is, where it was
 *   consumed (a hybrid line's commitment and overage alike);
 * - one_time: earned at delivery;
 * - credit: `amount` ≤ 0; reverses revenue ratably over the credited remainder of a period
 *   (`{ method: 'ratable', period }`) or at once at `at`, by default the credit date
 *   (`{ method: 'point' }`).
 */
export type BilledLine =
  | { kind: 'subscription'; key: string; amount: number; billedAt: string; servicePeriod: Period }
  | { kind: 'usage'; key: string; amount: number; billedAt: string; usagePeriod: Period }
  | { kind: 'one_time'; key: string; amount: number; billedAt: string; deliveredAt: string }
  | {
      kind: 'credit';
      key: string;
      amount: number;
      billedAt: string;
      recognise: { method: 'ratable'; period: Period } | { method: 'point'; at?: string };
    };

export function revenueLineFor(billed: BilledLine): RevenueLine {
  const { key, amount, billedAt } = billed;
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount of ${key} must be an integer number of minor units`);
  instantMs(billedAt);
  switch (billed.kind) {
    case 'subscription':
      return ratable(key, amount, billed.servicePeriod, billedAt);
    case 'usage':
      return ratable(key, amount, billed.usagePeriod, billedAt);
    case 'one_time':
      return point(key, amount, billed.deliveredAt, billedAt);
    case 'credit':
      if (amount > 0) throw new RangeError(`credit ${key} must not be positive (got ${amount})`);
      return billed.recognise.method === 'ratable'
        ? ratable(key, amount, billed.recognise.period, billedAt)
        : point(key, amount, billed.recognise.at ?? billedAt, billedAt);
  }
}

export function revenueLinesFor(billed: readonly BilledLine[]): RevenueLine[] {
  return billed.map(revenueLineFor);
}

function ratable(key: string, amount: number, period: Period, billedAt: string): RevenueLine {
  if (instantMs(period.end) < instantMs(period.start)) {
    throw new RangeError(`service period of ${key} ends (${period.end}) before it starts (${period.start})`);
  }
  return { key, amount, method: 'ratable', start: period.start, end: period.end, billedAt };
}

function point(key: string, amount: number, at: string, billedAt: string): RevenueLine {
  instantMs(at); // refuses an instant that is not UTC now, not when a schedule is drawn up months later
  return { key, amount, method: 'point', start: at, end: at, billedAt };
}

function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function nextMonth(monthStartMs: number): number {
  const d = new Date(monthStartMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

function monthKey(monthStartMs: number): string {
  return isoInstant(monthStartMs).slice(0, 7);
}
