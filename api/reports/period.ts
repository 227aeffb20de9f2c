import { z } from 'zod';
import { inSupportedYears } from '../../domain/instants';
import { localParts, zonedToUtc } from '../../domain/local-time';

/**
 * The period a report covers. `from` and `to` are calendar days in the tenant's time zone, both
 * included (`from=2026-09-01&to=2026-11-30` is the autumn as the business lives it), or UTC
 * instants, `to` excluded. Without them: the 30 days up to and including today, local time;
 * `days=90` for another number of days.
 */
export const PeriodQuery = z.strictObject({
  from: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
  to: z.union([z.iso.date(), z.iso.datetime({ offset: true })]).optional(),
  /** Instead of `from`: this many local days up to and including `to` (today by default). */
  days: z.coerce.number().int().min(1).max(1_100).optional(),
});
export type PeriodQuery = z.infer<typeof PeriodQuery>;

export interface Period {
  from: Date;
  /** Excluded. */
  to: Date;
  timezone: string;
}

/** At most this long: a report is a look at a stretch of business, not a full export. */
export const MAX_PERIOD_DAYS = 1_100;
const DAY = 86_400_000;
const DEFAULT_DAYS = 30;

/** Local midnight starting the calendar day `date` (YYYY-MM-DD) in `tz`, `plusDays` later. */
function localMidnight(date: string, tz: string, plusDays = 0): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d + plusDays));
  return zonedToUtc(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), 0, 0, tz);
}

function localDate(at: number, tz: string): string {
  const p = localParts(at, tz);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The period asked for, or why it cannot be: an empty, reversed, too long or out-of-range window. */
export function resolvePeriod(query: PeriodQuery, tz: string, now: number): { period: Period } | { issue: { path: string; message: string } } {
  const today = localDate(now, tz);
  const to = query.to === undefined ? localMidnight(today, tz, 1) : query.to.length === 10 ? localMidnight(query.to, tz, 1) : Date.parse(query.to);
  if (query.from !== undefined && query.days !== undefined) return { issue: { path: 'query.days', message: 'give from or days, not both' } };
  const lastDay = query.to === undefined ? today : query.to.length === 10 ? query.to : null;
  const days = query.days ?? DEFAULT_DAYS;
  const from =
    query.from !== undefined ? (query.from.length === 10 ? localMidnight(query.from, tz) : Date.parse(query.from)) : lastDay !== null ? localMidnight(lastDay, tz, 1 - days) : to - days * DAY;
  for (const [path, at] of [
    ['query.from', from],
    ['query.to', to],
  ] as const) {
    if (!Number.isFinite(at) || !inSupportedYears(new Date(at).toISOString())) return { issue: { path, message: 'must fall in the years 2000–2199' } };
  }
  if (to <= from) return { issue: { path: 'query.to', message: 'must come after from' } };
  if (to - from > MAX_PERIOD_DAYS * DAY) return { issue: { path: 'query.to', message: `a period is at most ${MAX_PERIOD_DAYS} days` } };
  return { period: { from: new Date(from), to: new Date(to), timezone: tz } };
}

/** The period of the same length just before: what a report compares itself with. */
export function previousPeriod(period: Period): Period {
  const length = period.to.getTime() - period.from.getTime();
  return { from: new Date(period.from.getTime() - length), to: period.from, timezone: period.timezone };
}
