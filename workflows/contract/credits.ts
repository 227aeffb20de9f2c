import type { Period } from '../../domain/billing/periods';
import { revenueKindOf } from '../../domain/billing/recognition';
import type { ContractEvent } from '../../domain/contracts/contract-events';
import { formatMoney } from '../../domain/money';
import type { RevenueSpec } from '../contract-definitions';
import type { EventHandlers } from '../lifecycle/handlers';
import { isoNow, type Deal } from './deal';
import { addLine, emptyDraft } from './drafts';
import { addRevenue, forwardToInvoice, invoiceWorkflowIdOf, issueDraft } from './issuing';

// Credits and rebills: credit notes (negative invoices, never netted away) against an invoice or
// a proration, the part that settles an open balance, account credit, and a rebill's new invoice.

export const creditEvents = {
  /** A credit note: settles the invoice's open balance first, the rest is account credit for the next invoice. */
  'credit.issued': {
    describe: (e) => `credit of ${formatMoney(e.amount)} against ${e.invoiceId}: ${e.reason}`,
    apply: (d, event) => {
      const inv = d.memory.invoices.find((i) => i.invoiceId === event.invoiceId)!;
      const amount = event.amount.amount;
      const toInvoice = Math.min(amount, inv.balance.amount);
      const toAccount = amount - toInvoice;
      d.memory.accountCredit += toAccount;
      const creditId = creditNote(d, amount, `Credit against ${event.invoiceId}: ${event.reason}`, { method: 'point' });
      d.messenger.note(
        'credit.issued',
        `credit note ${creditId} for ${formatMoney(event.amount)} against ${event.invoiceId}: ${formatMoney(d.money(toInvoice))} settles it${toAccount ? `, ${formatMoney(d.money(toAccount))} kept as account credit` : ''}`,
        { creditId, invoiceId: event.invoiceId, amount },
      );
      d.leaks.credited(creditId, event.invoiceId, amount, event.reason);
      settleWithCredit(d, event.invoiceId, toInvoice, `credit-${event.eventId}`, event.receivedAt);
    },
  },
  /**
   * A rebill: the wrong invoice is credited in full (its open balance settled by the credit note,
   * anything already paid kept as account credit) and its lines are billed again, corrected, for
   * the same service periods; the account credit then applies to the new invoice.
   */
  'invoice.rebilled': {
    describe: (e) => `rebill of ${e.invoiceId}: ${e.reason}`,
    apply: (d, event) => {
      const inv = d.memory.invoices.find((i) => i.invoiceId === event.invoiceId)!;
      const total = inv.total.amount;
      const open = d.children.has(invoiceWorkflowIdOf(d, inv.invoiceId)) ? inv.balance.amount : 0;
      d.memory.accountCredit += total - open;
      const creditId = creditNote(d, total, `Rebill of ${inv.invoiceId}: ${event.reason}`, { method: 'point' });
      d.messenger.note('invoice.rebilled', `invoice ${inv.invoiceId} credited in full (${creditId}) and billed again: ${event.reason}`, { invoiceId: inv.invoiceId, creditId });
      settleWithCredit(d, inv.invoiceId, open, `rebill-${event.eventId}`, event.receivedAt);
      const draft = emptyDraft({ skipChecks: true });
      for (const billed of inv.billed!) {
        const line = d.memory.lines.find((l) => l.line.lineId === billed.lineId)!;
        const amount = event.lines.find((l) => l.lineId === billed.lineId)?.amount.amount ?? billed.amount;
        const kind = revenueKindOf(line.line);
        const revenue: RevenueSpec =
          kind === 'usage' ? { kind: 'usage', usagePeriod: billed.period } : kind === 'one_time' ? { kind: 'one_time', deliveredAt: billed.period.start } : { kind: 'subscription', servicePeriod: billed.period };
        addLine(draft, line, amount, 1, `rebill of ${inv.invoiceId}: ${billed.description}`, billed.period, revenue, null);
      }
      draft.checked = [];
      if (inv.period) draft.period = inv.period;
      d.leaks.rebilled(creditId, inv.invoiceId, total, draft.lines.reduce((sum, l) => sum + l.amount, 0), event.reason);
      d.defer(() => issueDraft(d, draft));
    },
  },
} satisfies Partial<EventHandlers<ContractEvent, Deal, void>>;

/**
 * Records a credit note (a negative invoice, never netted away) and the revenue it reverses:
 * at once (`point`) or over the credited part of a service period (`ratable`).
 */
export function creditNote(d: Deal, amount: number, description: string, recognise: { method: 'point' } | { method: 'ratable'; period: Period }, lineRef?: string): string {
  d.memory.creditSeq += 1;
  const creditId = `${d.input.contractId}.C${String(d.memory.creditSeq).padStart(3, '0')}`;
  const now = isoNow();
  const period = recognise.method === 'ratable' ? recognise.period : undefined;
  d.memory.invoices.push({ invoiceId: creditId, kind: 'credit_note', status: 'issued', total: d.money(-amount), balance: d.money(0), issuedAt: now, dueAt: now, ...(period ? { period } : {}) });
  (d.step.invoices ??= []).push({
    invoiceId: creditId,
    kind: 'credit_note',
    currency: d.input.currency,
    total: -amount,
    balance: 0,
    status: 'issued',
    issuedAt: now,
    dueAt: now,
    ...(period ? { periodStart: period.start, periodEnd: period.end } : {}),
    lines: [{ description, quantity: 1, unitAmount: -amount, amount: -amount, ...(lineRef ? { lineRef } : {}), ...(period ? { periodStart: period.start, periodEnd: period.end } : {}) }],
  });
  addRevenue(d, [{ kind: 'credit', key: `${creditId}:1`, amount: -amount, billedAt: now, recognise }], creditId);
  return creditId;
}

/** A credit note pays down an open invoice: its collections see a payment by `credit_note`. */
function settleWithCredit(d: Deal, invoiceId: string, amount: number, eventId: string, receivedAt: string): void {
  if (amount <= 0) return;
  d.defer(() => forwardToInvoice(d, invoiceId, { type: 'payment.received', eventId: eventId.slice(0, 64), receivedAt, invoiceId, amount: d.money(amount), method: 'credit_note' }));
}
