import { billingPeriods, invoiceDate, periodContaining, type Period } from '../../domain/billing/periods';
import { MONTHS_PER_INTERVAL } from '../../domain/billing/recurring';
import { addDuration } from '../../domain/durations';
import type { ContractLine, ContractMemory } from '../contract-definitions';

// Billing periods of the current term, line by line, as pure functions of the memory: which
// period an instant falls in, and when the next invoice is due.

type Term = NonNullable<ContractMemory['term']>;

export function periodsOf(term: Term, line: ContractLine): Period[] {
  const interval = line.line.billing.interval;
  if (interval === 'one_time') return [{ start: term.start, end: term.start }];
  return billingPeriods(term.start, term.end, interval);
}

export function periodIndex(term: Term, line: ContractLine, at: string): number {
  const t = Date.parse(at);
  return periodsOf(term, line).findIndex((p) => Date.parse(p.start) <= t && t < Date.parse(p.end));
}

export function currentPeriodOf(term: Term, line: ContractLine, at: string): Period | undefined {
  return periodContaining(periodsOf(term, line), at);
}

/** When the next invoice is due: the earliest unbilled period boundary of any line. */
export function nextBillingAt(m: Pick<ContractMemory, 'term' | 'stage' | 'lines' | 'oneTimeBilled'>): number | null {
  if (!m.term || m.stage === 'churned') return null;
  let next: number | null = null;
  for (const line of m.lines) {
    const due = nextDueOf(m.term, m.oneTimeBilled, line);
    if (due !== null && (next === null || due < next)) next = due;
  }
  return next;
}

function nextDueOf(term: Term, oneTimeBilled: readonly string[], line: ContractLine): number | null {
  if (line.line.billing.interval === 'one_time') return oneTimeBilled.includes(line.line.lineId) ? null : Date.parse(term.start);
  const period = periodsOf(term, line)[line.nextPeriod];
  return period ? Date.parse(invoiceDate(period, line.line.billing.timing)) : null;
}

/**
 * A term that ends mid-period bills its last period pro rata against the full one. Periods are
 * anchored at the term start (Jan 31, Feb 28, Mar 31…), so "full" is the anchored boundary, not
 * the period start plus one interval. Null when the period is full.
 */
export function fullPeriodOf(term: Term, period: Period, index: number, interval: 'month' | 'quarter' | 'year'): Period | null {
  const fullEnd = new Date(addDuration(Date.parse(term.start), `P${(index + 1) * MONTHS_PER_INTERVAL[interval]!}M`)).toISOString();
  return fullEnd === period.end ? null : { start: period.start, end: fullEnd };
}
