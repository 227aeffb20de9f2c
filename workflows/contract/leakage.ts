import { formatMoney } from '../../domain/money';
import { LeakLedger, type OpenLeak } from '../lifecycle/leak-ledger';

/**
 * Where a contract leaks revenue, as the contract workflow sees it: quotes that expire or are
 * rejected, approvals nobody decided, held invoices, credits and rebills, contractions and churn.
 * (Overdue invoices and failed payments are the invoice workflow's.) Money is exact (an invoice,
 * a credit, MRR) except a quote's value, which is what it would bill in a year: `estimated`.
 */

const APPROVAL = 'approval';
const CHURN = 'churn';
const held = (invoiceId: string) => `held:${invoiceId}`;

export class ContractLeaks {
  readonly ledger: LeakLedger;

  constructor(
    open: OpenLeak[],
    private readonly currency: string,
    workflowId: string,
    now?: () => number,
  ) {
    this.ledger = new LeakLedger(open, { currency, workflowId, ...(now ? { now } : {}) });
  }

  private money(amount: number): string {
    return formatMoney({ amount, currency: this.currency });
  }

  approvalEscalated(quoteValue: number, from: string, to: string): void {
    this.ledger.open('approval_escalated', { slot: APPROVAL, cause: 'quote', atStake: quoteValue, estimated: true, summary: `approval escalated from ${from} to ${to}`, detail: { from, to } });
    this.ledger.note(APPROVAL, { escalatedTo: to }, 'escalation');
  }

  approved(): void {
    this.ledger.recover(APPROVAL);
  }

  rejected(quoteValue: number, by: string): void {
    this.ledger.lose(APPROVAL);
    this.ledger.lostAtOnce('quote_rejected', { cause: 'quote', atStake: quoteValue, estimated: true, summary: `quote rejected by ${by} (${this.money(quoteValue)} a year)`, detail: { by } });
  }

  expired(quoteValue: number, after: string): void {
    this.ledger.lose(APPROVAL);
    this.ledger.lostAtOnce('quote_expired', { cause: 'quote', atStake: quoteValue, estimated: true, summary: `quote expired unsigned after ${after} (${this.money(quoteValue)} a year)`, detail: { after } });
  }

  invoiceHeld(invoiceId: string, total: number, reason: string): void {
    this.ledger.open('invoice_held', { slot: held(invoiceId), cause: invoiceId, atStake: total, estimated: false, ref: invoiceId, summary: `invoice ${invoiceId} (${this.money(total)}) held: ${reason}`, detail: { reason } });
    this.ledger.note(held(invoiceId), {}, 'pre_bill_check');
  }

  /** Released after review: billed in full, and how long it waited. */
  invoiceReleased(invoiceId: string, heldMs: number): void {
    this.ledger.note(held(invoiceId), { hoursHeld: Math.round((heldMs / 3_600_000) * 10) / 10 });
    this.ledger.recover(held(invoiceId));
  }

  credited(creditId: string, invoiceId: string, amount: number, reason: string): void {
    this.ledger.lostAtOnce('credit_note', { cause: creditId, atStake: amount, estimated: false, ref: invoiceId, summary: `credit note ${creditId} for ${this.money(amount)} against ${invoiceId}: ${reason}`, detail: { reason } });
  }

  /** Not first-time-right: the whole invoice is at stake, what the corrected one bills less is lost. */
  rebilled(creditId: string, invoiceId: string, total: number, rebilled: number, reason: string): void {
    this.ledger.lostAtOnce(
      'rebill',
      { cause: creditId, atStake: total, estimated: false, ref: invoiceId, summary: `invoice ${invoiceId} (${this.money(total)}) billed again as ${this.money(rebilled)}: ${reason}`, detail: { reason, rebilled } },
      Math.max(0, total - rebilled),
    );
  }

  /** Monthly recurring revenue given up by an amendment. */
  /** Usage reported after its period's grace window: billed now on an adjustment line, so recovered, but counted. */
  lateUsage(lineId: string, period: { start: string; end: string }, billedWith: { start: string }, records: number, amount: number): void {
    // One row per late batch: the close that bills it is part of its name.
    const slot = `late-usage:${lineId}:${period.start}@${billedWith.start}`;
    this.ledger.open('usage_late', {
      slot,
      cause: slot,
      atStake: Math.max(0, amount),
      estimated: false,
      ref: lineId,
      summary: `${records} usage record(s) of line ${lineId} for ${period.start.slice(0, 10)} → ${period.end.slice(0, 10)} reported after the grace window: ${this.money(amount)} billed late`,
      detail: { records, periodStart: period.start },
    });
    this.ledger.recover(slot, Math.max(0, amount), 'late_usage_billing');
  }

  contracted(eventId: string, lineId: string, mrrDelta: number): void {
    this.ledger.lostAtOnce('contraction', { cause: eventId, atStake: -mrrDelta, estimated: false, ref: lineId, summary: `line ${lineId} amended down: ${this.money(mrrDelta)} MRR`, detail: { lineId, mrrDelta } });
  }

  /** The contract ended: its MRR is at stake until the win-back outreach has gone unanswered. */
  churned(term: number, mrr: number, reason: string): void {
    this.ledger.open('churn', { slot: CHURN, cause: `term:${term}`, atStake: mrr, estimated: false, summary: `contract ended (${reason}): ${this.money(mrr)} MRR`, detail: { reason } });
  }

  winBackSent(): void {
    this.ledger.note(CHURN, { winBackSent: true });
    this.ledger.lose(CHURN);
  }
}
