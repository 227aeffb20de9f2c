import type { Money } from '../../domain/money';
import type { NextAction } from '../agenda';
import type { CustomerMemory, CustomerStage } from '../definitions';

// What a relationship's memory says, as pure functions: a fresh memory, the stage, the balance,
// the money on account and what happens next. No Temporal import: tested as tables.

/** How many closed job and invoice ids are kept to explain late events about them. */
export const RECENT_CLOSED = 50;

/** A relationship's memory before anything has happened. */
export function freshMemory(now: number): CustomerMemory {
  return {
    createdAt: now,
    stageSince: now,
    stage: 'inquiry',
    lastActivityAt: null,
    seq: 0,
    eventsApplied: 0,
    runs: 0,
    recentEventIds: [],
    optOuts: [],
    inquiry: null,
    lost: false,
    jobs: [],
    invoices: [],
    closedJobIds: [],
    closedInvoiceIds: [],
    completedJobs: 0,
    lastService: null,
    review: null,
    reactivation: null,
    dormant: false,
    agenda: [],
    inbox: [],
    leaks: [],
  };
}

/** The stage follows from the state: the most pressing thing going on with this customer. */
export function deriveStage(m: Pick<CustomerMemory, 'jobs' | 'inquiry' | 'invoices' | 'review' | 'reactivation' | 'dormant' | 'lost' | 'completedJobs'>): CustomerStage {
  if (m.jobs.some((j) => j.status === 'in_progress')) return 'job';
  if (m.jobs.some((j) => j.status === 'booked' || j.status === 'no_show')) return 'booking';
  if (m.inquiry) return 'inquiry';
  if (m.invoices.some((i) => i.status === 'in_collections' || i.status === 'disputed')) return 'collections';
  if (m.invoices.length > 0) return 'invoice';
  if (m.review) return 'review';
  if (m.reactivation) return 'reactivation';
  if (m.dormant) return 'dormant';
  if (m.lost) return 'lost';
  if (m.completedJobs > 0) return 'retention';
  return 'inquiry';
}

/** What the customer owes on open invoices, in minor units. */
export function balanceDue(m: Pick<CustomerMemory, 'invoices'>): number {
  return m.invoices.reduce((sum, i) => sum + i.balance.amount, 0);
}

/** Cash on account, by currency, leaving out currencies that have none left. */
export function onAccount(m: Pick<CustomerMemory, 'onAccount'>): Money[] {
  return Object.entries(m.onAccount ?? {})
    .filter(([, amount]) => amount > 0)
    .map(([currency, amount]) => ({ amount, currency }));
}

/** The relationship's own agenda and its open jobs' and invoices' next steps, soonest first. */
export function nextActions(m: Pick<CustomerMemory, 'jobs' | 'invoices'>, own: readonly NextAction[]): NextAction[] {
  return [...own, ...m.jobs.flatMap((j) => (j.nextAction ? [j.nextAction] : [])), ...m.invoices.flatMap((i) => (i.nextAction ? [i.nextAction] : []))].sort((a, b) =>
    a.dueAt.localeCompare(b.dueAt),
  );
}

/** What the relationship waits for, in the stage it is in: the line ops read first. */
export function waitingFor(m: Pick<CustomerMemory, 'stage' | 'inquiry'>): string {
  switch (m.stage) {
    case 'inquiry':
      return m.inquiry ? 'a booking for the open inquiry' : 'a first inquiry';
    case 'booking':
      return 'the booked job to start';
    case 'job':
      return 'the job to be completed';
    case 'invoice':
    case 'collections':
      return 'payment of the open invoice(s)';
    case 'review':
      return 'the customer’s review';
    case 'reactivation':
      return 'an answer to the reactivation messages';
    case 'dormant':
    case 'lost':
      return 'a new inquiry';
    default:
      return 'the next job; retention outreach keeps in touch';
  }
}
