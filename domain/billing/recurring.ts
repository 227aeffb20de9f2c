import { shareOf } from './amounts';
import type { QuoteLine } from './quote-line';
import { rateQuantity } from './rating';

/**
 * Recurring revenue of a line, whatever its pricing model: what it bills every period for sure.
 * A subscription line bills its rated quantity; a usage line only what it commits to (a hybrid's
 * commitment or a minimum, rated at zero usage; nothing for pure usage); a one-time fee recurs never.
 */

/** Months in a recurring billing interval. */
export const MONTHS_PER_INTERVAL: Readonly<Record<string, number>> = { month: 1, quarter: 3, year: 12 };

/** What the line bills every period regardless of usage, in minor units. */
export function committedPerPeriod(line: QuoteLine): number {
  if (!line.usageMetric) return rateQuantity(line, line.quantity).amount;
  return line.commitment || line.minimum ? rateQuantity(line, 0).amount : 0;
}

/** Monthly recurring revenue of a line, in minor units (a year's fee is a twelfth each month). */
export function monthlyRecurring(line: QuoteLine): number {
  const months = MONTHS_PER_INTERVAL[line.billing.interval];
  if (!months) return 0;
  return shareOf(committedPerPeriod(line), 1, months);
}
