import { humanizeMs } from '../../domain/durations';
import { formatMoney } from '../../domain/money';
import type { HomeServicePlaybook } from '../../playbooks/schema';
import { LeakLedger, type OpenLeak } from '../lifecycle/leak-ledger';

/**
 * Where a customer relationship leaks revenue, as the customer workflow sees it: leads, cancelled
 * bookings, reviews, retention and reactivation. (No-shows are the job's; overdue invoices and
 * failed payments the invoice's.) Each method is one thing that happened; the ledger rows and
 * their outcomes follow from it. Values come from the playbook's average ticket (`estimated`).
 */

const LEAD = 'lead';
const IDLE = 'idle';
const OUTREACH = 'outreach';
const LOW_RATING = 'low-rating';
const REBOOK = 'rebook:';

export class CustomerLeaks {
  readonly ledger: LeakLedger;

  constructor(
    open: OpenLeak[],
    private readonly playbook: HomeServicePlaybook,
    workflowId: string,
    now?: () => number,
  ) {
    this.ledger = new LeakLedger(open, { currency: playbook.currency, workflowId, ...(now ? { now } : {}) });
  }

  /** What a lead or booking is worth when nothing better is known. Playbooks from before the ledger have no figure: 0. */
  worth(service?: string): number {
    const figures = this.playbook.leakage as HomeServicePlaybook['leakage'] | undefined;
    return (service !== undefined ? figures?.byService[service] : undefined) ?? figures?.averageTicket ?? 0;
  }

  missedCall(eventId: string, from: string): void {
    const row = this.ledger.get(LEAD);
    if (row) return this.ledger.note(LEAD, { calls: Number(row.detail.calls ?? 1) + 1 });
    this.ledger.open('missed_call', { slot: LEAD, cause: eventId, atStake: this.worth(), estimated: true, summary: `missed call from ${from}`, detail: { calls: 1 } });
  }

  textBackSent(): void {
    this.ledger.note(LEAD, { textBack: true }, 'text_back');
  }

  /** A lead still unbooked when its first follow-up goes out is at risk from then on. */
  followUpSent(cause: string, sent: number): void {
    this.openUnbooked(cause);
    this.ledger.note(LEAD, { followUps: sent }, 'follow_up');
  }

  inquiryLost(cause: string, lostAfter: string): void {
    this.openUnbooked(cause);
    this.ledger.note(LEAD, { lostAfter });
    this.ledger.lose(LEAD);
  }

  /** A booking wins back the open lead and every booking the customer owed: a cancelled one, a low rating, an outreach. */
  booked(estimate: number | undefined): void {
    this.ledger.recover(LEAD, estimate);
    for (const slot of [...this.ledger.slots(REBOOK), LOW_RATING, OUTREACH]) this.ledger.recover(slot);
  }

  cancelled(eventId: string, jobId: string, service: string): void {
    this.ledger.open('booking_cancelled', {
      slot: `${REBOOK}${jobId}`,
      cause: eventId,
      atStake: this.worth(service),
      estimated: true,
      ref: jobId,
      summary: `booking of ${service} (job ${jobId}) cancelled`,
      detail: { jobId, service },
    });
  }

  /** Invoices go out when the job is done; one sent later than the playbook promises is counted, not valued (its money is collections'). */
  invoiceLate(invoiceId: string, total: number, lateByMs: number): void {
    this.ledger.lostAtOnce(
      'invoice_late',
      {
        cause: invoiceId,
        atStake: 0,
        estimated: false,
        ref: invoiceId,
        summary: `invoice ${invoiceId} (${formatMoney({ amount: total, currency: this.playbook.currency })}) issued ${humanizeMs(lateByMs)} after the job was done`,
        detail: { hoursAfterJob: Math.floor(lateByMs / 3_600_000), total },
      },
      0,
    );
  }

  reviewNotRequested(jobId: string, reason: string): void {
    this.ledger.lostAtOnce('review_not_requested', { cause: `review:${jobId}`, atStake: 0, estimated: false, ref: jobId, summary: `review for job ${jobId} not requested: ${reason}`, detail: { reason } }, 0);
  }

  lowRating(eventId: string, rating: number, jobId: string | undefined, service: string | undefined): void {
    if (this.ledger.get(LOW_RATING)) return this.ledger.note(LOW_RATING, { rating });
    this.ledger.open('low_rating', {
      slot: LOW_RATING,
      cause: eventId,
      atStake: this.worth(service),
      estimated: true,
      ref: jobId ?? null,
      summary: `rated ${rating}/5: service recovery`,
      detail: { rating },
    });
    this.ledger.note(LOW_RATING, {}, 'service_recovery');
  }

  /** An outreach that did not bring a booking by the next one is lost; the new one is at stake. */
  outreachSent(cause: string, service: string): void {
    this.ledger.lose(OUTREACH);
    this.ledger.open('retention_outreach', { slot: OUTREACH, cause, atStake: this.worth(service), estimated: true, summary: `${service} outreach`, detail: { service } });
    this.ledger.note(OUTREACH, {}, 'retention_outreach');
  }

  idle(cause: string, idleAfter: string, lastService: string | undefined): void {
    this.ledger.open('customer_idle', { slot: IDLE, cause, atStake: this.worth(lastService), estimated: true, summary: `no activity for ${idleAfter}`, detail: { idleAfter } });
  }

  reactivationSent(sent: number): void {
    this.ledger.note(IDLE, { messages: sent }, 'reactivation');
  }

  /** Any inquiry or booking ends a quiet spell. */
  reengaged(): void {
    this.ledger.recover(IDLE);
  }

  /** No answer to reactivation: whatever the customer still owed the business is lost. */
  dormant(): void {
    for (const slot of [IDLE, OUTREACH, LOW_RATING, ...this.ledger.slots(REBOOK)]) this.ledger.lose(slot);
  }

  private openUnbooked(cause: string): void {
    this.ledger.open('unbooked_inquiry', { slot: LEAD, cause, atStake: this.worth(), estimated: true, summary: 'inquiry not booked on first contact' });
  }
}
