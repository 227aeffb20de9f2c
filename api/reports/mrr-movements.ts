import { rate, type LocalMonth, type Rate } from './figures';

/**
 * MRR movements as ChartMogul defines them, decided on the customer's MRR, not on the contract:
 * a customer going from nothing to something is new (or a reactivation if they had MRR before),
 * from something to nothing is churn, and any other change is expansion or contraction. So the
 * end of one of several contracts is contraction; the end of the last one is churn.
 */

export interface MrrChange {
  /** Who the customer is: contracts of one customer move one MRR. */
  customer: string;
  currency: string;
  /** Change in the contract's MRR, minor units. */
  mrrDelta: number;
  kind: 'new' | 'expansion' | 'contraction' | 'renewal' | 'churn';
  occurredAt: Date;
}

export interface MonthMovements {
  month: string;
  start: number;
  new: number;
  expansion: number;
  /** Positive: MRR lost to contraction. */
  contraction: number;
  /** Positive: MRR lost to churn. */
  churn: number;
  reactivation: number;
  end: number;
}

export interface SubscriptionFigures {
  currency: string;
  months: MonthMovements[];
  /** Over customers with MRR at the period's start: (start + expansion − contraction − churn) ÷ start. */
  nrr: Rate;
  /** (start − contraction − churn) ÷ start, over the same customers. */
  grr: Rate;
  /** Contract terms that ended in the period: renewed ÷ (renewed + ended without renewal). */
  renewalRate: Rate;
  /** MRR added by renewal price uplifts in the period. */
  upliftMrr: number;
}

type Movement = 'new' | 'expansion' | 'contraction' | 'churn' | 'reactivation';

/** What one change does to its customer's MRR. */
export function classify(before: number, after: number, hadMrrBefore: boolean): Movement | null {
  if (before === after) return null;
  if (before <= 0 && after > 0) return hadMrrBefore ? 'reactivation' : 'new';
  if (before > 0 && after <= 0) return 'churn';
  return after > before ? 'expansion' : 'contraction';
}

/** A currency billed in but with no MRR ever: every month at zero. */
export function noMovements(currency: string, months: readonly LocalMonth[]): SubscriptionFigures {
  return {
    currency,
    months: months.map((m) => ({ month: m.month, start: 0, new: 0, expansion: 0, contraction: 0, churn: 0, reactivation: 0, end: 0 })),
    nrr: rate(0, 0),
    grr: rate(0, 0),
    renewalRate: rate(0, 0),
    upliftMrr: 0,
  };
}

/** How much MRR a movement moved, as a positive amount: churn loses all the customer had. */
function movementAmount(movement: Movement, before: number, after: number): number {
  switch (movement) {
    case 'new':
    case 'reactivation':
      return after;
    case 'expansion':
      return after - before;
    case 'contraction':
      return before - after;
    case 'churn':
      return before;
  }
}

/** Folds every change up to the period's end (oldest first) into each currency's monthly movements and retention. */
export function mrrFigures(changes: readonly MrrChange[], months: readonly LocalMonth[], from: Date): SubscriptionFigures[] {
  const byCurrency = new Map<string, MrrChange[]>();
  for (const c of changes) byCurrency.set(c.currency, [...(byCurrency.get(c.currency) ?? []), c]);
  return [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, list]) => figuresFor(currency, [...list].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime()), months, from));
}

function figuresFor(currency: string, changes: MrrChange[], months: readonly LocalMonth[], from: Date): SubscriptionFigures {
  const mrr = new Map<string, number>();
  const everPaid = new Set<string>();
  let cohort: Map<string, number> | null = null;
  const retention = { expansion: 0, contraction: 0, churn: 0 };
  const rows: MonthMovements[] = months.map((m) => ({ month: m.month, start: 0, new: 0, expansion: 0, contraction: 0, churn: 0, reactivation: 0, end: 0 }));
  const total = () => [...mrr.values()].reduce((s, v) => s + v, 0);
  let renewed = 0;
  let ended = 0;
  let upliftMrr = 0;
  let monthIndex = 0;
  const closeMonthsUntil = (at: number) => {
    while (monthIndex < months.length && months[monthIndex]!.end.getTime() <= at) {
      rows[monthIndex]!.end = total();
      if (monthIndex + 1 < rows.length) rows[monthIndex + 1]!.start = total();
      monthIndex += 1;
    }
  };
  const startCohort = () => {
    cohort = new Map([...mrr.entries()].filter(([, v]) => v > 0));
    if (rows[0]) rows[0].start = total();
  };

  for (const change of changes) {
    const at = change.occurredAt.getTime();
    if (cohort === null && at >= from.getTime()) startCohort();
    closeMonthsUntil(at);
    const before = mrr.get(change.customer) ?? 0;
    const after = before + change.mrrDelta;
    const movement = classify(before, after, everPaid.has(change.customer));
    mrr.set(change.customer, Math.max(0, after));
    if (after > 0) everPaid.add(change.customer);
    if (cohort === null) continue; // before the period: it only sets the start
    const row = rows.find((_r, i) => months[i]!.start.getTime() <= at && at < months[i]!.end.getTime());
    if (!row) continue; // after the period's end
    if (movement) {
      const amount = movementAmount(movement, before, after);
      row[movement] += amount;
      const inCohort = (cohort as Map<string, number>).has(change.customer);
      if (inCohort && (movement === 'expansion' || movement === 'contraction' || movement === 'churn')) retention[movement] += amount;
    }
    if (change.kind === 'renewal') {
      renewed += 1;
      if (change.mrrDelta > 0) upliftMrr += change.mrrDelta;
    }
    if (change.kind === 'churn') ended += 1;
  }
  if (cohort === null) startCohort();
  closeMonthsUntil(Number.POSITIVE_INFINITY);
  const start = [...(cohort as unknown as Map<string, number>).values()].reduce((s, v) => s + v, 0);
  return {
    currency,
    months: rows,
    nrr: rate(start + retention.expansion - retention.contraction - retention.churn, start),
    grr: rate(start - retention.contraction - retention.churn, start),
    renewalRate: rate(renewed, renewed + ended),
    upliftMrr,
  };
}
