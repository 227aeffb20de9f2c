import { patched, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { InvoiceRecord, PaymentRecord } from '../activities/records';
import type { InvoiceEvent } from '../domain/customer-events';
import { addDuration, humanizeMs } from '../domain/durations';
import { invoiceDueAt, priceLines } from '../domain/invoice-lines';
import { formatLocal } from '../domain/local-time';
import { formatMoney, type Money } from '../domain/money';
import { causeOf, type AgendaItem } from './agenda';
import {
  type ChildNotice,
  invoiceEventSignal,
  invoiceStateQuery,
  type InvoiceStatus,
  type InvoiceView,
  type InvoiceTemplateKey,
  type InvoiceWorkflowInput,
  type NextAction,
} from './definitions';
import { ChildWorkflow, registerChildHandlers, runUntilClosed } from './lifecycle/child-loop';
import { patches, stepWrites, type StepWrites } from './lifecycle/versions';
import { ChildVisibility } from './lifecycle/visibility';

type InvoiceAgendaKind = 'collections.step' | 'payment.retry';

/** The invoice's one slot in the leakage ledger. */
const COLLECTIONS_LEAK = 'collections';

/**
 * One invoice, from issue to paid or written off: issued at once, then the collections policy's
 * steps measured from the due date (reminders, final notice, write-off), retry outreach after a
 * failed payment, and a pause for as long as the invoice is disputed. Shared by every lifecycle
 * that bills: the parent forwards payment events and hears back on every change.
 */
export async function invoice(input: InvoiceWorkflowInput): Promise<InvoiceStatus> {
  const collections = new Collections(input, stepWrites());
  registerChildHandlers(
    collections,
    [invoiceEventSignal, 'Payment received or failed, dispute opened or resolved, forwarded by the parent workflow'],
    [invoiceStateQuery, 'Status, balance, due date and the next collections steps'],
  );
  return collections.run();
}

class Collections extends ChildWorkflow<InvoiceEvent, InvoiceAgendaKind, Extract<ChildNotice, { kind: 'invoice' }>, InvoiceTemplateKey> {
  private readonly record: InvoiceRecord & { status: InvoiceStatus };
  private payments: PaymentRecord[] = [];
  private readonly visibility = new ChildVisibility();
  /** Collections items set aside while disputed, with the time they had left. */
  private paused: Array<AgendaItem<InvoiceAgendaKind> & { remainingMs: number }> = [];
  private linesWritten = false;
  /** Received beyond the balance: reported to the parent, which keeps it on account. */
  private overpaid = 0;
  /** Paid by the customer while that row was open: what collections won back. */
  private collectedSinceLeak = 0;

  constructor(
    private readonly input: InvoiceWorkflowInput,
    writes: StepWrites,
  ) {
    // The ledger's row (once overdue or a payment failed) is in the invoice's currency.
    super({ prefix: `invoice:${input.invoiceId}/`, messaging: input.messaging, writes, currency: input.currency, parentWorkflowId: input.parentWorkflowId });
    // A contract prices its own lines (tiers, proration, usage); a job's are quantity × unit price.
    const { lines, total } = input.pricedLines ? { lines: input.pricedLines, total: input.pricedLines.reduce((sum, l) => sum + l.amount, 0) } : priceLines(input.lines);
    const issuedAt = Date.now();
    this.record = {
      invoiceId: input.invoiceId,
      jobId: input.jobId,
      ...(writes === 'committed' ? { workflowId: workflowInfo().workflowId } : {}),
      ...(input.period ? { periodStart: input.period.start, periodEnd: input.period.end } : {}),
      currency: input.currency,
      total,
      balance: total,
      status: 'open',
      issuedAt: new Date(issuedAt).toISOString(),
      dueAt: invoiceDueAt(issuedAt, input.collections.netTerms),
      lines,
    };
  }

  private money(amount: number): Money {
    return { amount, currency: this.record.currency };
  }

  private vars(): Record<string, string> {
    return {
      invoiceId: this.input.invoiceId,
      amount: formatMoney(this.money(this.record.balance)),
      total: formatMoney(this.money(this.record.total)),
      dueAt: formatLocal(Date.parse(this.record.dueAt), this.input.messaging.recipient.timezone),
    };
  }

  async run(): Promise<InvoiceStatus> {
    this.messenger.cause = 'issued';
    this.messenger.note('invoice.issued', `invoice ${this.input.invoiceId} issued for ${formatMoney(this.money(this.record.total))}, due ${this.record.dueAt}`, {
      invoiceId: this.input.invoiceId,
      total: this.record.total,
    });
    if (this.input.openingCredit && this.input.openingCredit.amount > 0) this.applyOpeningCredit(this.input.openingCredit);
    else if (this.record.balance === 0 && patched(patches.settleNothingDue)) this.settle(this.record.issuedAt);
    this.messenger.send('invoice.issued', this.vars());
    const dueAt = Date.parse(this.record.dueAt);
    this.input.collections.steps.forEach((step, i) =>
      this.scheduler.agenda.schedule({
        key: `step:${i}`,
        kind: 'collections.step',
        dueAt: addDuration(dueAt, step.after),
        summary: `${step.action.replace('_', ' ')} (${step.after} after due)`,
        data: { action: step.action },
      }),
    );
    await runUntilClosed(this, `invoice ${this.input.invoiceId}`);
    return this.record.status;
  }

  /**
   * Money already on account pays the invoice the moment it is issued, as a payment (it is cash
   * the customer gave earlier, not a discount): the parent never offers more than the total.
   */
  private applyOpeningCredit(credit: Money): void {
    const now = new Date().toISOString();
    this.takeMoney(credit, `credit:${this.input.invoiceId}`, 'account_credit', now);
    this.messenger.note('credit.applied', `${formatMoney(credit)} on account applied; balance ${formatMoney(this.money(this.record.balance))}`, {
      invoiceId: this.input.invoiceId,
      amount: credit.amount,
      balance: this.record.balance,
    });
    if (this.record.balance === 0) this.settle(now);
  }

  /**
   * Money in, from the customer or from their account: it lowers the balance and is recorded as a
   * payment; what goes beyond the balance counts as overpaid. Returns that excess.
   */
  private takeMoney(amount: Money, paymentId: string, method: string | undefined, now: string): number {
    const before = this.record.balance;
    this.record.balance = Math.max(0, before - amount.amount);
    if (method !== 'credit_note' && method !== 'account_credit') {
      this.collectedSinceLeak += before - this.record.balance;
      this.ledger.moneyIn(COLLECTIONS_LEAK);
    }
    this.payments.push({ paymentId, invoiceId: this.input.invoiceId, status: 'received', amount: amount.amount, currency: amount.currency, method, occurredAt: now });
    const over = Math.max(0, amount.amount - before);
    this.overpaid += over;
    return over;
  }

  private settle(now: string): void {
    this.ledger.recover(COLLECTIONS_LEAK, this.collectedSinceLeak);
    this.record.paidAt = now;
    this.setStatus('paid');
    this.scheduler.agenda.cancelWhere(() => true);
    this.paused = [];
  }

  closedAs(): string | null {
    return this.record.status === 'paid' || this.record.status === 'written_off' ? this.record.status : null;
  }

  apply(event: InvoiceEvent): void {
    const now = new Date().toISOString();
    switch (event.type) {
      case 'payment.received': {
        const over = this.takeMoney(event.amount, event.eventId, event.method, now);
        this.messenger.note(
          'payment.applied',
          `payment of ${formatMoney(event.amount)} applied; balance ${formatMoney(this.money(this.record.balance))}${over > 0 ? ` (overpaid by ${formatMoney(this.money(over))}, kept on account)` : ''}`,
          { invoiceId: this.input.invoiceId, amount: event.amount.amount, balance: this.record.balance },
        );
        if (this.record.balance === 0) this.settle(now);
        return;
      }
      case 'payment.failed':
        this.payments.push({ paymentId: event.eventId, invoiceId: this.input.invoiceId, status: 'failed', reason: event.reason, occurredAt: now });
        this.openLeak('payment_failed', `payment failed (${event.reason.slice(0, 80)})`);
        this.ledger.note(COLLECTIONS_LEAK, { failedPayments: Number(this.ledger.get(COLLECTIONS_LEAK)?.detail.failedPayments ?? 0) + 1 });
        if (this.record.status === 'disputed') return;
        this.messenger.send('collections.payment_failed', this.vars());
        this.ledger.note(COLLECTIONS_LEAK, {}, 'payment_retry');
        this.input.collections.paymentRetries.forEach((after, i) =>
          this.scheduler.agenda.schedule({
            key: `retry:${event.eventId}:${i}`,
            kind: 'payment.retry',
            dueAt: addDuration(Date.now(), after),
            summary: `payment retry reminder ${i + 1}/${this.input.collections.paymentRetries.length}`,
          }),
        );
        return;
      case 'invoice.disputed': {
        if (this.record.status === 'disputed') return;
        this.record.disputedAt = now;
        this.record.disputeReason = event.reason;
        this.setStatus('disputed');
        const nowMs = Date.now();
        this.paused = this.scheduler.agenda.cancelWhere(() => true).map((item) => ({ ...item, remainingMs: Math.max(0, item.dueAt - nowMs) }));
        this.messenger.note('collections.paused', `collections paused: invoice disputed (${event.reason})`, { invoiceId: this.input.invoiceId });
        return;
      }
      case 'invoice.dispute_resolved': {
        if (this.record.status !== 'disputed') return;
        this.setStatus(this.record.collectionsStep ? 'in_collections' : 'open');
        const nowMs = Date.now();
        for (const { remainingMs, ...item } of this.paused) this.scheduler.agenda.schedule({ ...item, dueAt: nowMs + remainingMs, cause: causeOf(item) });
        this.paused = [];
        this.messenger.note('collections.resumed', `dispute resolved${event.resolution ? `: ${event.resolution}` : ''}; collections resume`, { invoiceId: this.input.invoiceId });
        return;
      }
    }
  }

  perform(item: AgendaItem<InvoiceAgendaKind>): void {
    if (this.record.status === 'paid' || this.record.status === 'written_off' || this.record.status === 'disputed') return;
    if (item.kind === 'payment.retry') {
      if (this.messenger.deferForQuietHours(item, this.scheduler)) return;
      this.messenger.send('collections.reminder', this.vars());
      this.ledger.note(COLLECTIONS_LEAK, {}, 'payment_retry');
      return;
    }
    const action = item.data?.action as 'reminder' | 'final_notice' | 'write_off';
    if (action === 'write_off') {
      this.openLeak('invoice_overdue', 'overdue');
      this.ledger.lose(COLLECTIONS_LEAK, this.record.balance, this.collectedSinceLeak);
      this.record.collectionsStep = 'write_off';
      this.record.writtenOffAt = new Date().toISOString();
      this.messenger.note('invoice.written_off', `invoice ${this.input.invoiceId} written off with ${formatMoney(this.money(this.record.balance))} unpaid`, {
        invoiceId: this.input.invoiceId,
        balance: this.record.balance,
      });
      this.setStatus('written_off');
      this.scheduler.agenda.cancelWhere(() => true);
      return;
    }
    if (this.messenger.deferForQuietHours(item, this.scheduler)) return;
    this.record.collectionsStep = action;
    this.setStatus('in_collections');
    this.messenger.send(action === 'final_notice' ? 'collections.final_notice' : 'collections.reminder', this.vars());
    this.openLeak('invoice_overdue', 'overdue');
    this.ledger.note(COLLECTIONS_LEAK, { collectionsStep: action }, action === 'final_notice' ? 'final_notice' : 'reminder');
  }

  /**
   * One ledger row per invoice, opened by whichever comes first, a failed payment or the first
   * collections step, with the balance then at stake; paying or writing off the invoice closes it.
   */
  private openLeak(kind: 'payment_failed' | 'invoice_overdue', why: string): void {
    if (this.ledger.get(COLLECTIONS_LEAK) || this.record.balance <= 0) return;
    this.collectedSinceLeak = 0;
    this.ledger.open(kind, {
      slot: COLLECTIONS_LEAK,
      cause: 'collections',
      atStake: this.record.balance,
      estimated: false,
      ref: this.input.invoiceId,
      summary: `invoice ${this.input.invoiceId} ${why}: ${formatMoney(this.money(this.record.balance))} unpaid`,
      ...(this.input.jobId ? { detail: { jobId: this.input.jobId } } : {}),
    });
  }

  private setStatus(status: InvoiceStatus): void {
    if (this.record.status === status) return;
    this.messenger.note(`invoice.${status}`, `invoice ${this.input.invoiceId} ${this.record.status} → ${status}`, { invoiceId: this.input.invoiceId, from: this.record.status, to: status });
    this.record.status = status;
  }

  private nextActions(): NextAction[] {
    return this.scheduler.nextActions(`invoice ${this.input.invoiceId}: `);
  }

  async publish(): Promise<void> {
    const notice = {
      kind: 'invoice' as const,
      invoiceId: this.input.invoiceId,
      status: this.record.status,
      total: this.money(this.record.total),
      balance: this.money(this.record.balance),
      dueAt: this.record.dueAt,
      nextAction: this.nextActions()[0] ?? null,
      ...(this.overpaid > 0 ? { overpaid: this.money(this.overpaid) } : {}),
    };
    if (this.messenger.hasPending() || this.payments.length > 0 || this.parent.isNews(notice)) {
      const { lines, ...invoice } = this.record;
      const payments = this.payments;
      this.payments = [];
      await this.messenger.flush({ invoice: this.linesWritten ? invoice : { ...invoice, ...(lines ? { lines } : {}) }, payments });
      this.linesWritten = true;
    }
    await this.parent.tell(notice);
    const next = this.scheduler.agenda.next();
    this.visibility.publish(this.record.status, next?.dueAt ?? null, this.record.balance);
    setCurrentDetails(
      [
        `Invoice **${this.input.invoiceId}** for ${this.input.messaging.recipient.name} · total ${formatMoney(this.money(this.record.total))} · balance **${formatMoney(this.money(this.record.balance))}**`,
        `Status **${this.record.status}** · due ${formatLocal(Date.parse(this.record.dueAt), this.input.messaging.recipient.timezone)} local (${this.record.dueAt})${this.record.collectionsStep ? ` · last collections step: ${this.record.collectionsStep}` : ''}`,
        this.record.status === 'disputed'
          ? `Collections paused while disputed (${this.record.disputeReason}); waiting for a payment or \`invoice.dispute_resolved\`.`
          : next
            ? `Waiting for payment, or ${next.summary} in ${humanizeMs(next.dueAt - Date.now())} (${formatLocal(next.dueAt, this.input.messaging.recipient.timezone)} local).`
            : 'Nothing scheduled.',
      ].join('\n\n'),
    );
  }

  view(): InvoiceView {
    return {
      invoiceId: this.input.invoiceId,
      status: this.record.status,
      total: this.money(this.record.total),
      balance: this.money(this.record.balance),
      issuedAt: this.record.issuedAt,
      dueAt: this.record.dueAt,
      collectionsStep: this.record.collectionsStep ?? null,
      nextActions: this.nextActions(),
    };
  }
}
