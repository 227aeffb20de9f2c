import { uplift } from '../billing/line-changes';
import { rateQuantity } from '../billing/rating';
import type { QuoteLine } from '../billing/quote-line';
import { addDuration } from '../durations';
import { inSupportedYears } from '../instants';
import { MAX_AMOUNT } from '../money';

/**
 * What a contract may be, so every amount and date it will ever compute is exact and
 * representable, and no accepted quote can leave its workflow unable to go on. The API refuses
 * anything outside with 422; the workflow refuses (does not crash on) whatever slips through.
 */

/** A term is longer than zero and at most this long. */
export const LONGEST_TERM = 'P10Y';
/** A contract may start this far back: the periods already begun are billed at signature, three months of catch-up at most … */
export const LONGEST_BACKDATE = 'P3M';
/** … and this far ahead. */
export const LONGEST_LEAD = 'P10Y';

/** Why `term` cannot be a contract term, or null. */
export function termIssue(term: string): string | null {
  let length: number;
  try {
    length = addDuration(0, term);
  } catch {
    return 'must be an ISO-8601 duration such as P12M';
  }
  if (length <= 0) return 'a term must be longer than zero';
  if (length > addDuration(0, LONGEST_TERM)) return `a term may be at most ${LONGEST_TERM}`;
  return null;
}

/** Why a contract may not start at `start`, seen at `now`, or null. */
export function startIssue(start: string, now: number): string | null {
  const at = Date.parse(start);
  if (at < addDuration(now, LONGEST_BACKDATE, -1)) return `a contract may start at most ${LONGEST_BACKDATE} back (at most three months of catch-up billing at signature); start it later and bill the past as a one-time line`;
  if (at > addDuration(now, LONGEST_LEAD)) return `a contract may start at most ${LONGEST_LEAD} ahead`;
  return null;
}

/**
 * Why a line's amount for one period at its quantity cannot be billed exactly, or null. Usage
 * lines are checked at the quantity they commit to (a hybrid's commitment); their usage is
 * checked when its period is rated.
 */
export function lineAmountIssue(line: QuoteLine): string | null {
  try {
    const amount = rateQuantity(line, line.usageMetric ? 0 : line.quantity).amount;
    if (Math.abs(amount) <= MAX_AMOUNT) return null;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
  return `one period of this line comes to more than ${MAX_AMOUNT} minor units; split it into smaller lines or a higher unit`;
}

/** Why a quote could never be billed exactly (a zero-length term, a date out of range, an amount too large), or null. */
export function unbillableQuote(quote: { term: string; start: string; lines: readonly QuoteLine[] }): string | null {
  const term = termIssue(quote.term);
  if (term) return term;
  const inRange = () => inSupportedYears(quote.start) && inSupportedYears(new Date(addDuration(Date.parse(quote.start), quote.term)).toISOString());
  try {
    if (!inRange()) return 'its term falls outside the years Revloop bills';
  } catch {
    return 'its term falls outside the years Revloop bills';
  }
  for (const line of quote.lines) {
    const issue = lineAmountIssue(line);
    if (issue) return `line ${line.lineId}: ${issue}`;
  }
  return null;
}

/** Why a term of `renew.term` cannot follow `end` with prices moved by `renew.upliftPercent`, or null. */
export function renewalIssue(lines: readonly QuoteLine[], end: string, renew: { term: string; upliftPercent: number }): string | null {
  const term = termIssue(renew.term);
  if (term) return term;
  if (!inSupportedYears(new Date(addDuration(Date.parse(end), renew.term)).toISOString())) return 'the next term would end beyond the years Revloop bills';
  for (const line of lines) {
    const issue = lineAmountIssue(uplift(line, renew.upliftPercent));
    if (issue) return `line ${line.lineId}: ${issue}`;
  }
  return null;
}
