import { monthlyRecurring } from '../../domain/billing/recurring';
import type { ContractMemory } from '../contract-definitions';

// What a contract's memory says, as pure functions: a fresh memory, the balance due, MRR and
// the quote's yearly value. No Temporal import: tested as tables.

export function freshMemory(now: string): ContractMemory {
  return {
    createdAt: now,
    stage: 'pending_approval',
    stageSince: now,
    seq: 0,
    runs: 0,
    eventsApplied: 0,
    recentEventIds: [],
    approvals: [],
    signedAt: null,
    term: null,
    lines: [],
    oneTimeBilled: [],
    cancelled: null,
    renewal: null,
    invoiceSeq: 0,
    creditSeq: 0,
    invoices: [],
    accountCredit: 0,
    firstInvoiceIssued: false,
    agenda: [],
  };
}

/** What the customer owes on issued invoices (held ones are not issued yet). */
export function balanceDue(m: Pick<ContractMemory, 'invoices'>): number {
  return m.invoices.filter((i) => i.kind === 'invoice' && i.status !== 'held').reduce((sum, i) => sum + i.balance.amount, 0);
}

/** Monthly recurring revenue of the contract's lines as they stand. */
export function mrr(m: Pick<ContractMemory, 'lines'>): number {
  return m.lines.reduce((sum, l) => sum + monthlyRecurring(l.line), 0);
}

/** What the recurring lines bill in a year: the quote's value. */
export function yearlyValue(m: Pick<ContractMemory, 'lines'>): number {
  return m.lines.reduce((sum, l) => sum + monthlyRecurring(l.line) * 12, 0);
}
