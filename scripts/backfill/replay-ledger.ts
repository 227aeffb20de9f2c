import type { LeakRecord } from '../../domain/leakage';
import { contractWorkflowId, customerWorkflowId, invoiceWorkflowId, jobWorkflowId } from '../../domain/ids';
import type { B2BPlaybook, HomeServicePlaybook } from '../../playbooks';
import { ContractLeaks } from '../../workflows/contract/leakage';
import { CustomerLeaks } from '../../workflows/customer/leakage';
import { LeakLedger } from '../../workflows/lifecycle/leak-ledger';

/**
 * The leakage ledger of a customer or contract recorded before the ledger existed, rebuilt from
 * its timeline: each recorded event and action is handed, in the order it happened, to the same
 * ledger rules the workflows run (customer/leakage.ts, contract/leakage.ts, the job's and the
 * invoice's rows), at the time it happened, with the causes the workflow used, so a rebuilt row has
 * the id the workflow would have given it. Pure: the caller reads the rows and writes the result.
 */

export interface TimelineRow {
  id: string;
  kind: 'event' | 'action';
  type: string;
  summary: string;
  data: Record<string, unknown>;
  occurredAt: Date;
}

export interface Subject {
  tenantId: string;
  type: 'customer' | 'contract';
  id: string;
  currency: string;
}

/** What a contract's rows need that its timeline does not say: read from its records. */
export interface ContractFacts {
  /**
   * Monthly recurring revenue of the quote's lines, for a quote's yearly value: what it added when
   * signed. A quote never signed kept its lines in its workflow's input only: 0, marked unknown.
   */
  mrr: number | null;
  /** Invoice totals by id. */
  invoiceTotals: Record<string, number>;
  /** What the corrected invoice of each rebilled one billed, by the rebilled invoice's id. */
  rebilledTotals: Record<string, number>;
  /** MRR the contract lost when it ended, by term index. */
  churnedMrr: number;
}

/** The cause of a message: what its id says after the subject and the workflow's prefix. */
function causeOfMessage(subject: Subject, messageId: string): { prefix: string; cause: string } {
  const rest = messageId.slice(`${subject.type}:${subject.id}:`.length);
  const prefix = /^(job|invoice):[^/]+\//.exec(rest)?.[0] ?? '';
  const key = rest.slice(prefix.length);
  return { prefix, cause: key.slice(0, key.lastIndexOf('|')) };
}

/** The cause of an action: `act:{prefix}{cause}|{type}`. */
function causeOfAction(id: string): { prefix: string; cause: string } {
  const rest = id.startsWith('act:') ? id.slice(4) : id;
  const prefix = /^(job|invoice):[^/]+\//.exec(rest)?.[0] ?? '';
  const key = rest.slice(prefix.length);
  return { prefix, cause: key.slice(0, key.lastIndexOf('|')) };
}

/** The service an outreach offers, from the agenda item its message names (`retention.seasonal:ac-tune-up@…`). */
function outreachService(playbook: HomeServicePlaybook, cause: string): string | undefined {
  const [kind, id] = cause.replace(/@\d+$/, '').split(':');
  const list = kind === 'retention.seasonal' ? playbook.retention.seasonal : kind === 'retention.after_service' ? playbook.retention.afterService : [];
  return list.find((o) => o.id === id)?.service;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

/** One invoice's collections row, as the invoice workflow keeps it. */
class InvoiceRows {
  readonly ledger: LeakLedger;
  balance = 0;
  collected = 0;
  /** Paid or written off: its row is final, and the notes that repeat the status change nothing. */
  private done = false;
  constructor(
    subject: Subject,
    private readonly invoiceId: string,
    now: () => number,
  ) {
    this.ledger = new LeakLedger([], { currency: subject.currency, workflowId: invoiceWorkflowId(subject.tenantId, { type: subject.type, id: subject.id }, invoiceId), idPrefix: `invoice:${invoiceId}/`, now });
  }
  open(kind: 'payment_failed' | 'invoice_overdue', why: string, jobId?: string): void {
    if (this.done || this.ledger.get('collections') || this.balance <= 0) return;
    this.collected = 0;
    this.ledger.open(kind, { slot: 'collections', cause: 'collections', atStake: this.balance, estimated: false, ref: this.invoiceId, summary: `invoice ${this.invoiceId} ${why}: backfilled`, ...(jobId ? { detail: { jobId } } : {}) });
  }
  writtenOff(balance: number | undefined): void {
    if (this.done) return;
    this.balance = balance ?? this.balance;
    this.open('invoice_overdue', 'overdue');
    this.ledger.lose('collections', this.balance, this.collected);
    this.done = true;
  }

  settled(): void {
    if (this.done) return;
    this.ledger.recover('collections', this.collected);
    this.done = true;
  }

  /** What an action the invoice workflow wrote says about its row. */
  apply(entry: TimelineRow, cause: string): void {
    const d = entry.data;
    const kind = str(d.kind);
    if (entry.type === 'invoice.issued') this.balance = num(d.total) ?? 0;
    else if (entry.type === 'credit.applied') this.balance = num(d.balance) ?? this.balance;
    // A credit note settling it is forwarded as a payment named after the credit: not money collected.
    else if (entry.type === 'payment.applied') this.paid(num(d.amount) ?? 0, /^(credit|rebill)-/.test(cause) ? 'credit_note' : undefined);
    else if (entry.type === 'message.sent' && (kind === 'collections.payment_failed' || (kind === 'collections.reminder' && cause.startsWith('retry:')))) this.ledger.note('collections', {}, 'payment_retry');
    else if (entry.type === 'message.sent' && (kind === 'collections.reminder' || kind === 'collections.final_notice')) {
      const step = kind === 'collections.final_notice' ? 'final_notice' : 'reminder';
      this.open('invoice_overdue', 'overdue');
      this.ledger.note('collections', { collectionsStep: step }, step);
    } else if (entry.type === 'invoice.written_off') this.writtenOff(num(d.balance));
    else if (entry.type === 'invoice.paid') this.settled();
  }

  failed(): void {
    this.open('payment_failed', 'payment failed');
    this.ledger.note('collections', { failedPayments: Number(this.ledger.get('collections')?.detail.failedPayments ?? 0) + 1 });
  }

  paid(amount: number, method: string | undefined): void {
    const before = this.balance;
    this.balance = Math.max(0, before - amount);
    if (method !== 'credit_note' && method !== 'account_credit') {
      this.collected += before - this.balance;
      this.ledger.moneyIn('collections');
    }
  }
}

/** Where a recorded action came from: the writing workflow's prefix (`job:J-1/`, `invoice:INV-1/` or none) and its cause. */
function originOf(subject: Subject, entry: TimelineRow): { prefix: string; cause: string } {
  const message = entry.type === 'message.sent' || entry.type === 'message.suppressed';
  return message ? causeOfMessage(subject, str(entry.data.messageId) ?? '') : causeOfAction(entry.id);
}

/** The collections rows of a subject's invoices, one per invoice, as their workflows keep them. */
class InvoiceLedgers {
  private readonly rows = new Map<string, InvoiceRows>();
  constructor(
    private readonly subject: Subject,
    private readonly now: () => number,
  ) {}

  of(invoiceId: string): InvoiceRows {
    let rows = this.rows.get(invoiceId);
    if (!rows) this.rows.set(invoiceId, (rows = new InvoiceRows(this.subject, invoiceId, this.now)));
    return rows;
  }

  /** An action an invoice workflow wrote goes to its invoice's row; answers whether it was one. */
  takeAction(entry: TimelineRow, origin: { prefix: string; cause: string }): boolean {
    if (!origin.prefix.startsWith('invoice:')) return false;
    this.of(origin.prefix.slice('invoice:'.length, -1)).apply(entry, origin.cause);
    return true;
  }

  ledgers(): LeakLedger[] {
    return [...this.rows.values()].map((r) => r.ledger);
  }
}

/** Rebuilds the rows of one customer from its timeline (oldest first), with its playbook of the time. */
export function customerLedger(subject: Subject, playbook: HomeServicePlaybook, timeline: readonly TimelineRow[], asOf: number): LeakRecord[] {
  let clock = 0;
  const now = () => clock;
  const leaks = new CustomerLeaks([], playbook, customerWorkflowId(subject.tenantId, subject.id), now);
  const jobs = new Map<string, { service: string; scheduledAt: string; estimate?: number; ledger?: LeakLedger; noShowAt?: number }>();
  const invoices = new InvoiceLedgers(subject, now);
  const booked = new Set<string>();
  let inquiryOpen = false;
  let followUps = 0;
  let lastService: string | undefined;
  let reactivationMessages = 0;
  let lastReview: { eventId: string; jobId?: string } | undefined;
  const jobLedger = (jobId: string) => {
    const job = jobs.get(jobId);
    if (!job) return undefined;
    job.ledger ??= new LeakLedger([], { currency: subject.currency, workflowId: jobWorkflowId(subject.tenantId, subject.id, jobId), idPrefix: `job:${jobId}/`, now });
    return job.ledger;
  };

  for (const entry of timeline) {
    clock = entry.occurredAt.getTime();
    const d = entry.data;
    if (entry.kind === 'event') {
      switch (entry.type) {
        case 'inquiry.received':
        case 'call.missed':
          leaks.reengaged();
          reactivationMessages = 0;
          if (booked.size === 0) {
            inquiryOpen = true;
            followUps = 0;
          }
          if (entry.type === 'call.missed' && inquiryOpen) leaks.missedCall(entry.id, str(d.from) ?? 'unknown');
          break;
        case 'booking.requested': {
          leaks.reengaged();
          inquiryOpen = false;
          const estimate = num((d.estimate as { amount?: unknown } | undefined)?.amount);
          leaks.booked(estimate);
          const jobId = str(d.jobId)!;
          booked.add(jobId);
          jobs.set(jobId, { service: str(d.service) ?? 'service', scheduledAt: new Date(str(d.scheduledAt)!).toISOString(), ...(estimate !== undefined ? { estimate } : {}) });
          break;
        }
        case 'booking.rescheduled': {
          const job = jobs.get(str(d.jobId)!);
          if (job) job.scheduledAt = new Date(str(d.scheduledAt)!).toISOString();
          jobLedger(str(d.jobId)!)?.recover('no-show');
          break;
        }
        case 'booking.cancelled': {
          const jobId = str(d.jobId)!;
          booked.delete(jobId);
          leaks.cancelled(entry.id, jobId, jobs.get(jobId)?.service ?? 'service');
          jobLedger(jobId)?.lose('no-show');
          break;
        }
        case 'job.started':
          booked.delete(str(d.jobId)!);
          jobLedger(str(d.jobId)!)?.recover('no-show');
          break;
        case 'job.completed':
          booked.delete(str(d.jobId)!);
          jobLedger(str(d.jobId)!)?.recover('no-show');
          lastService = jobs.get(str(d.jobId)!)?.service ?? lastService;
          break;
        case 'payment.failed':
          invoices.of(str(d.invoiceId)!).failed();
          break;
        case 'review.submitted':
          lastReview = { eventId: entry.id, ...(str(d.jobId) ? { jobId: str(d.jobId)! } : {}) };
          break;
      }
      continue;
    }
    // Actions and messages, by the workflow that wrote them.
    const origin = originOf(subject, entry);
    const { prefix, cause } = origin;
    const kind = str(d.kind);
    if (invoices.takeAction(entry, origin)) continue;
    if (prefix.startsWith('job:')) {
      const jobId = prefix.slice('job:'.length, -1);
      const job = jobs.get(jobId);
      if (entry.type === 'job.no_show' && job && !jobLedger(jobId)!.get('no-show')) {
        job.noShowAt = clock;
        jobLedger(jobId)!.open('no_show', {
          slot: 'no-show',
          cause: `no-show@${job.scheduledAt}`,
          atStake: job.estimate ?? leaks.worth(job.service),
          estimated: true,
          ref: jobId,
          summary: `no-show for ${job.service} (job ${jobId})`,
          detail: { jobId, service: job.service },
        });
        jobLedger(jobId)!.note('no-show', {}, 'no_show_outreach');
      }
      continue;
    }
    if (entry.type === 'message.sent') {
      if (kind === 'missed_call.text_back') leaks.textBackSent();
      else if (kind === 'inquiry.follow_up' && inquiryOpen) leaks.followUpSent(cause, (followUps += 1));
      else if (kind === 'retention.outreach') leaks.outreachSent(cause, outreachService(playbook, cause) ?? lastService ?? 'service');
      else if (kind === 'reactivation.outreach') leaks.reactivationSent((reactivationMessages += 1));
    } else if (entry.type === 'message.suppressed' && kind === 'review.request' && entry.summary.includes('opted out')) {
      leaks.reviewNotRequested(cause.replace(/^review\.request:/, '').replace(/@\d+$/, ''), 'the customer opted out');
    } else if (entry.type === 'inquiry.lost') {
      inquiryOpen = false;
      leaks.inquiryLost(cause, playbook.inquiry.lostAfter);
    } else if (entry.type === 'review.skipped') {
      leaks.reviewNotRequested(str(d.jobId) ?? 'unknown', entry.summary.split(': ').at(-1) ?? 'skipped');
    } else if (entry.type === 'task.created' && d.kind === 'service_recovery') {
      leaks.lowRating(lastReview?.eventId ?? cause, num(d.rating) ?? 0, lastReview?.jobId, lastService);
    } else if (entry.type === 'reactivation.started') {
      reactivationMessages = 0;
      leaks.idle(cause, playbook.reactivation.idleAfter, lastService);
    } else if (entry.type === 'customer.dormant') {
      leaks.dormant();
    }
  }
  // A no-show job the customer never rescheduled closed thirty days after its outreach.
  for (const job of jobs.values()) {
    if (job.ledger?.get('no-show') && job.noShowAt !== undefined && asOf >= job.noShowAt + 30 * 86_400_000) {
      clock = job.noShowAt + 30 * 86_400_000;
      job.ledger.lose('no-show');
    }
  }
  return [leaks.ledger, ...[...jobs.values()].flatMap((j) => (j.ledger ? [j.ledger] : [])), ...invoices.ledgers()].flatMap((l) => l.take());
}

/** Rebuilds the rows of one contract from its timeline (oldest first). */
export function contractLedger(subject: Subject, playbook: B2BPlaybook, timeline: readonly TimelineRow[], facts: ContractFacts): LeakRecord[] {
  let clock = 0;
  const now = () => clock;
  const leaks = new ContractLeaks([], subject.currency, contractWorkflowId(subject.tenantId, subject.id), now);
  const yearly = (facts.mrr ?? 0) * 12;
  const held = new Map<string, number>();
  const invoices = new InvoiceLedgers(subject, now);
  let term = 0;
  let ending = 'not renewed';
  let reason = '';
  for (const entry of timeline) {
    clock = entry.occurredAt.getTime();
    const d = entry.data;
    if (entry.kind === 'event') {
      if (entry.type === 'payment.failed') invoices.of(str(d.invoiceId)!).failed();
      // The note that follows a credit or rebill says what it did; the event says why.
      if (entry.type === 'credit.issued' || entry.type === 'invoice.rebilled') reason = str(d.reason) ?? '';
      continue;
    }
    const origin = originOf(subject, entry);
    if (invoices.takeAction(entry, origin)) continue;
    const kind = str(d.kind);
    if (entry.type === 'approval.escalated') leaks.approvalEscalated(yearly, str(d.from) ?? '', str(d.to) ?? '');
    else if (entry.type === 'approval.rejected') leaks.rejected(yearly, `${str(d.approver) ?? 'an approver'} (${str(d.role) ?? ''})`);
    else if (entry.type === 'stage.changed' && d.to === 'approved') leaks.approved();
    else if (entry.type === 'message.sent' && kind === 'quote.expired') leaks.expired(yearly, playbook.approvals.quoteExpiresAfter);
    else if (entry.type === 'invoice.held') {
      held.set(str(d.invoiceId)!, clock);
      leaks.invoiceHeld(str(d.invoiceId)!, facts.invoiceTotals[str(d.invoiceId)!] ?? 0, str(d.reason) ?? '');
    } else if (entry.type === 'invoice.released') leaks.invoiceReleased(str(d.invoiceId)!, clock - (held.get(str(d.invoiceId)!) ?? clock));
    else if (entry.type === 'credit.issued') leaks.credited(str(d.creditId)!, str(d.invoiceId)!, num(d.amount) ?? 0, reason);
    else if (entry.type === 'invoice.rebilled') {
      const id = str(d.invoiceId)!;
      leaks.rebilled(str(d.creditId)!, id, facts.invoiceTotals[id] ?? 0, facts.rebilledTotals[id] ?? 0, reason);
    } else if (entry.type === 'contract.amended' && (num(d.mrrDelta) ?? 0) < 0) leaks.contracted(origin.cause, str(d.lineId) ?? '', num(d.mrrDelta)!);
    else if (entry.type === 'contract.renewed') term += 1;
    else if (entry.type === 'contract.cancelling') ending = 'cancelled';
    else if (entry.type === 'renewal.refused') ending = 'could not renew';
    else if (entry.type === 'stage.changed' && d.to === 'churned') leaks.churned(term, facts.churnedMrr, ending);
    else if (entry.type === 'message.sent' && kind === 'winback.outreach') leaks.winBackSent();
  }
  return [leaks.ledger, ...invoices.ledgers()].flatMap((l) => l.take());
}
