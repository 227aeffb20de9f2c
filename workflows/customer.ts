import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { StepRecords, TaskRecord } from '../activities/records';
import { type CustomerEvent, type CustomerEventOf, type InvoiceEvent, type JobEvent } from '../domain/customer-events';
import { addDuration, humanizeMs } from '../domain/durations';
import { invoiceIdForJob, invoiceWorkflowId, jobWorkflowId, legacyChildWorkflowIds } from '../domain/ids';
import { formatLocal, nextLocalDate } from '../domain/local-time';
import { priceLines } from '../domain/invoice-lines';
import { formatMoney, type Money } from '../domain/money';
import { causeOf, type AgendaItem } from './agenda';
import { CustomerLeaks } from './customer-leakage';
import { Intake } from './lifecycle/intake';
import { local, localOptions } from './lifecycle/step-writes';
import { patches } from './lifecycle/versions';
import {
  childNoticeSignal,
  contactPreferencesSignal,
  customerEventSignal,
  customerEventUpdate,
  customerStateQuery,
  invoiceEventSignal,
  jobEventSignal,
  UpdateRefusal,
  type ChildNotice,
  type CustomerAgendaKind,
  type CustomerMemory,
  type CustomerStage,
  type CustomerView,
  type CustomerWorkflowInput,
  type NextAction,
  type OpenJob,
} from './definitions';
import type { invoice } from './invoice';
import type { job } from './job';
import { Messenger, type MessagingContext } from './messenger';
import { creditFor, noteCreditAdded, overpaymentOnClose } from './on-account';
import { Scheduler } from './scheduler';
import { RevloopBalanceDue, RevloopCustomer, RevloopNextActionAt, RevloopPlaybook, RevloopStage, RevloopTenant } from './search-attributes';

/** How many applied event ids a run remembers once written; older ones are on the timeline, where the API finds them. */
const RECENT_EVENT_IDS = 500;
/** A slot this far in the past is still taken (a booking entered just after the visit began, clocks a little apart). */
const PAST_SLOT_GRACE_MS = 5 * 60_000;
/** How many closed job and invoice ids are kept to explain late events about them. */
const RECENT_CLOSED = 50;
/** A safety net well under Temporal's 51,200-event limit, for servers that never suggest continue-as-new. */
const DEFAULT_HISTORY_LIMIT = 10_000;
/** Continue as new by here even with children open: far enough under Temporal's 51,200. */
const HARD_HISTORY_LIMIT = 40_000;

/**
 * One customer relationship, for as long as the business has the customer: inquiry, booking,
 * job, invoice, collections, review, retention, reactivation, and round again. Events arrive as a
 * signal (or, when they name a job or invoice, an update that validates the reference). Bookings
 * and invoices run as child workflows so several can be in flight; the relationship's own timers
 * wait in an agenda; continue-as-new keeps the history small while it runs for years.
 */
export async function customer(input: CustomerWorkflowInput): Promise<void> {
  const relationship = new Relationship(input, patched(patches.committedSteps) ? 'committed' : 'legacy');
  setHandler(customerEventSignal, (event) => void relationship.receive(event), { description: 'A lifecycle event (inquiry, missed call, review, opt-out…), applied once per eventId' });
  setHandler(
    customerEventUpdate,
    (event) => ({ eventId: event.eventId, accepted: true as const, duplicate: relationship.receive(event) === 'duplicate' }),
    { validator: (event) => relationship.validate(event), description: 'A lifecycle event naming a job or invoice; refused if the customer has no such open job or invoice' },
  );
  setHandler(childNoticeSignal, (notice) => relationship.onChildNotice(notice), { description: 'A job or invoice workflow reports a change' });
  setHandler(customerStateQuery, () => relationship.view(), { description: 'Live state: stage, open jobs and invoices, balance, next actions' });
  await relationship.run();
}

function freshMemory(now: number): CustomerMemory {
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

class Relationship {
  private readonly memory: CustomerMemory;
  private readonly scheduler: Scheduler<CustomerAgendaKind>;
  private readonly messenger: Messenger;
  private readonly intake: Intake<CustomerEvent>;
  private readonly leaks: CustomerLeaks;
  /** Legacy runs take the whole queue before recording it; validators still count it as waiting. */
  private legacyBatch: CustomerEvent[] = [];
  /** The customer's record, written with the first step of a new relationship. */
  private newCustomer: StepRecords['newCustomer'];
  private tasks: TaskRecord[] = [];
  /** A child reported a change: publish even without an event or a due item. */
  private changed = false;
  /** Between waits: applying events, acting on the agenda or writing the step. */
  private busy = true;
  /** Children this run started that have not closed yet. */
  private readonly running = new Map<string, Promise<unknown>>();
  private published = { searchAttributes: '', snapshot: '' };

  constructor(
    private readonly input: CustomerWorkflowInput,
    private readonly writes: 'committed' | 'legacy',
  ) {
    this.memory = input.memory ?? freshMemory(Date.now());
    this.scheduler = new Scheduler(this.memory.agenda);
    this.intake = new Intake(this.memory, this.memory.inbox, RECENT_EVENT_IDS, writes === 'legacy');
    this.leaks = new CustomerLeaks((this.memory.leaks ??= []), this.playbook, workflowInfo().workflowId);
    this.messenger = new Messenger(this.messagingContext(), { writes, seq: this.memory.seq, ledger: this.leaks.ledger });
  }

  private get playbook() {
    return this.input.playbook.definition;
  }

  private get agenda() {
    return this.scheduler.agenda;
  }

  private get timezone() {
    return this.input.profile.timezone;
  }

  private messagingContext(): MessagingContext {
    const { profile } = this.input;
    return {
      tenantId: this.input.tenantId,
      subject: { subjectType: 'customer', subjectId: this.input.customerId },
      recipient: { name: profile.name, timezone: profile.timezone, ...(profile.phone ? { phone: profile.phone } : {}), ...(profile.email ? { email: profile.email } : {}) },
      business: this.playbook.business,
      quietHours: this.playbook.quietHours,
      templates: this.playbook.templates,
      optOuts: [...this.memory.optOuts],
    };
  }

  // ── the story ────────────────────────────────────────────────────────────────────────────────

  async run(): Promise<void> {
    if (!this.input.memory) await this.recordCreation();
    this.scheduleReactivation();
    this.reconcileSeasonalOutreach();
    for (;;) {
      await this.publish();
      if (this.intake.pending.length === 0 && this.shouldContinueAsNew()) await this.continueAsNew();
      this.busy = false;
      await this.scheduler.wait(() => this.intake.pending.length > 0 || this.changed);
      this.busy = true;
      this.changed = false;
      if (this.writes === 'committed') await this.applyPending();
      else if (this.intake.pending.length > 0) await this.applyInboxLegacy();
      for (const item of this.scheduler.takeDue()) {
        this.messenger.causedBy(item);
        this.perform(item);
        this.trackStage();
      }
    }
  }

  private async recordCreation(): Promise<void> {
    const record = {
      tenantId: this.input.tenantId,
      customerId: this.input.customerId,
      profile: this.input.profile,
      playbook: { id: this.input.playbook.id, version: this.input.playbook.version },
      stage: this.memory.stage,
      currency: this.playbook.currency,
    };
    if (this.writes === 'committed') this.newCustomer = record;
    else await local.upsertCustomer.executeWithOptions({ ...localOptions, summary: 'record customer' }, [record]);
    this.messenger.note('customer.created', `customer created on playbook ${this.input.playbook.id} v${this.input.playbook.version}`, {}, 'created');
  }

  // ── events in ────────────────────────────────────────────────────────────────────────────────

  /** Signal and update handlers only queue: the main loop applies events one at a time, in order. */
  receive(event: CustomerEvent): 'queued' | 'duplicate' {
    return this.intake.receive(event);
  }

  /** Accepted events not applied yet: what validators count on as good as done. */
  private waiting(): readonly CustomerEvent[] {
    return [...this.legacyBatch, ...this.intake.pending];
  }

  /**
   * Rejects, before anything is recorded, an event that names a job or invoice this customer does
   * not have (or no longer has open), a second booking of the same job, or money in another
   * currency. Runs for updates only; it must not change state.
   */
  validate(event: CustomerEvent): void {
    // A redelivery is answered as the duplicate it is, whatever has happened since.
    if (this.intake.has(event.eventId)) return;
    const reject = (message: string, field: string) => {
      throw ApplicationFailure.nonRetryable(message, UpdateRefusal.invalidReference, field);
    };
    const pending = (type: string, key: 'jobId' | 'invoiceId', id: string) =>
      this.waiting().some((e) => e.type === type && (e as Record<string, unknown>)[key] === id);
    const invoiceIdOf = invoiceIdForJob;
    // A slot already past would send a confirmation for it and a no-show notice at once.
    if ((event.type === 'booking.requested' || event.type === 'booking.rescheduled') && Date.parse(event.scheduledAt) < Date.now() - PAST_SLOT_GRACE_MS) {
      reject(`scheduledAt ${event.scheduledAt} is in the past; book a slot to come`, 'scheduledAt');
    }
    switch (event.type) {
      case 'booking.requested':
        if (this.memory.jobs.some((j) => j.jobId === event.jobId) || this.memory.closedJobIds.includes(event.jobId) || pending('booking.requested', 'jobId', event.jobId)) {
          reject(`job ${event.jobId} is already booked for this customer; use booking.rescheduled to move it`, 'jobId');
        }
        if (event.estimate && event.estimate.currency !== this.playbook.currency) reject(`the estimate must be in ${this.playbook.currency}`, 'estimate.currency');
        return;
      case 'booking.rescheduled':
      case 'booking.cancelled':
      case 'job.started':
      case 'job.completed': {
        const open = this.memory.jobs.find((j) => j.jobId === event.jobId);
        if (!open && !pending('booking.requested', 'jobId', event.jobId)) {
          reject(
            this.memory.closedJobIds.includes(event.jobId) ? `job ${event.jobId} is already closed` : `this customer has no job ${event.jobId}; send booking.requested first`,
            'jobId',
          );
        }
        if (event.type === 'job.completed') {
          const currency = event.lineItems[0]!.unitPrice.currency;
          if (currency !== this.playbook.currency) reject(`line items must be in ${this.playbook.currency}, the customer's currency`, 'lineItems.0.unitPrice.currency');
          const invoiceId = invoiceIdOf(event);
          if (this.memory.invoices.some((i) => i.invoiceId === invoiceId) || this.memory.closedInvoiceIds.includes(invoiceId)) {
            reject(`invoice ${invoiceId} already exists`, 'invoiceId');
          }
        }
        return;
      }
      case 'payment.received':
      case 'payment.failed':
      case 'invoice.disputed':
      case 'invoice.dispute_resolved': {
        const open = this.memory.invoices.find((i) => i.invoiceId === event.invoiceId);
        const coming = this.waiting().some((e) => e.type === 'job.completed' && invoiceIdOf(e) === event.invoiceId);
        if (!open && !coming) {
          reject(
            this.memory.closedInvoiceIds.includes(event.invoiceId) ? `invoice ${event.invoiceId} is already closed (paid or written off)` : `this customer has no invoice ${event.invoiceId}`,
            'invoiceId',
          );
        }
        if (event.type === 'payment.received' && event.amount.currency !== (open?.total.currency ?? this.playbook.currency)) {
          reject(`the payment must be in ${open?.total.currency ?? this.playbook.currency}, the invoice's currency`, 'amount.currency');
        }
        return;
      }
      default:
        return;
    }
  }

  /**
   * Applies every waiting event, oldest first. Each stays on the waiting list until it is applied,
   * so an event naming the job or invoice it creates is accepted meanwhile; its timeline row is
   * written by the step, after the step committed.
   */
  private async applyPending(): Promise<void> {
    for (let event = this.intake.next(); event; event = this.intake.next()) {
      this.messenger.cause = event.eventId;
      this.messenger.event(event.eventId, event.type, describeEvent(event), event as unknown as Record<string, unknown>);
      await this.apply(event);
      this.intake.applied(event);
      this.trackStage();
    }
  }

  /**
   * Runs from before `patches.committedSteps`: records every waiting event in one local activity,
   * then applies those seen for the first time. Kept so their histories replay; such a run moves
   * to `applyPending` at its next continue-as-new.
   */
  private async applyInboxLegacy(): Promise<void> {
    const batch = this.intake.takeAll();
    this.legacyBatch = batch;
    const now = new Date().toISOString();
    const entries = batch.map((event) => ({
      id: event.eventId,
      kind: 'event' as const,
      type: event.type,
      summary: describeEvent(event),
      data: event as unknown as Record<string, unknown>,
      occurredAt: now,
      seq: this.messenger.nextSeq(),
    }));
    const summary = batch.length === 1 ? `record ${batch[0]!.type}` : `record ${batch.length} events`;
    const { applied } = await local.recordEvents.executeWithOptions({ ...localOptions, summary }, [
      { tenantId: this.input.tenantId, subjectType: 'customer', subjectId: this.input.customerId, entries },
    ]);
    const fresh = new Set(applied);
    for (const event of batch) {
      this.intake.remember(event.eventId);
      // Not fresh: recorded in an earlier run, and applied then.
      if (fresh.has(event.eventId)) {
        this.messenger.cause = event.eventId;
        await this.apply(event);
        this.trackStage();
      }
      this.legacyBatch = this.legacyBatch.filter((e) => e.eventId !== event.eventId);
    }
    this.legacyBatch = [];
  }

  private async apply(event: CustomerEvent): Promise<void> {
    this.memory.eventsApplied += 1;
    if (event.type !== 'contact.opted_out' && event.type !== 'contact.opted_in') {
      this.memory.lastActivityAt = Date.now();
      this.scheduleReactivation();
    }
    switch (event.type) {
      case 'inquiry.received':
        this.reengage();
        this.openInquiry(event.channel);
        if (this.playbook.speedToLead.acknowledgeInquiry) {
          this.agenda.schedule({ key: 'inquiry.acknowledgement', kind: 'inquiry.acknowledgement', dueAt: Date.now(), summary: 'inquiry acknowledgement' });
        }
        return;
      case 'call.missed':
        this.reengage();
        this.openInquiry('call');
        if (this.memory.inquiry) this.leaks.missedCall(event.eventId, event.from);
        // One text-back answers every missed call made before it goes out: a caller who tries
        // three times at night gets one message when quiet hours end, not three.
        if (patched(patches.onePendingTextBack) && this.agenda.list().some((i) => i.kind === 'missed_call.text_back')) {
          this.messenger.note('missed_call.repeated', `another missed call from ${event.from}; the text-back already waiting answers it`);
          return;
        }
        this.agenda.schedule({
          key: `missed_call.text_back:${event.eventId}`,
          kind: 'missed_call.text_back',
          dueAt: Date.now(),
          summary: `missed-call text-back (within ${this.playbook.speedToLead.missedCallTextBackWithin})`,
        });
        return;
      case 'booking.requested':
        this.reengage();
        this.closeInquiry();
        this.leaks.booked(event.estimate?.amount);
        return this.book(event);
      case 'job.completed': {
        const target = this.jobWorkflowIdOf(event.jobId);
        const job = this.closeJob(event.jobId);
        await this.forwardToJob(target, event);
        return this.onJobCompleted(event, job?.service ?? 'service');
      }
      case 'booking.cancelled': {
        const target = this.jobWorkflowIdOf(event.jobId);
        const cancelled = this.closeJob(event.jobId);
        this.leaks.cancelled(event.eventId, event.jobId, cancelled?.service ?? 'service');
        return this.forwardToJob(target, event);
      }
      case 'booking.rescheduled':
        this.updateJob(event.jobId, { status: 'booked', scheduledAt: new Date(event.scheduledAt).toISOString() });
        return this.forwardToJob(this.jobWorkflowIdOf(event.jobId), event);
      case 'job.started':
        this.updateJob(event.jobId, { status: 'in_progress' });
        return this.forwardToJob(this.jobWorkflowIdOf(event.jobId), event);
      case 'invoice.disputed':
        this.skipReviewFor(event.invoiceId, 'invoice disputed');
        return this.forwardToInvoice(event);
      case 'payment.received':
      case 'payment.failed':
      case 'invoice.dispute_resolved':
        return this.forwardToInvoice(event);
      case 'review.submitted':
        return this.onReview(event);
      case 'contact.opted_out':
      case 'contact.opted_in':
        return this.onContactPreference(event);
    }
  }

  /** The customer is back: a reactivation sequence stops, dormant and lost are over. */
  private reengage(): void {
    if (this.memory.reactivation || this.agenda.has('reactivation.dormant')) {
      this.agenda.cancelWhere((i) => i.kind === 'reactivation.message' || i.kind === 'reactivation.dormant');
      this.messenger.note('reactivation.succeeded', 'customer re-engaged during reactivation');
    }
    this.leaks.reengaged();
    this.memory.reactivation = null;
    this.memory.dormant = false;
    this.memory.lost = false;
  }

  /**
   * An unbooked lead: follow-ups while it stays unbooked, then `lost`. A new inquiry from a
   * customer with a job already booked does not reopen the chase.
   */
  private openInquiry(channel: string): void {
    if (this.memory.jobs.some((j) => j.status === 'booked')) return;
    const now = Date.now();
    this.memory.inquiry = { openedAt: now, followUpsSent: 0 };
    this.agenda.cancelWhere((i) => i.kind === 'inquiry.follow_up' || i.kind === 'inquiry.lost');
    const followUps = this.playbook.inquiry.followUps;
    followUps.forEach((after, step) =>
      this.agenda.schedule({
        key: `inquiry.follow_up:${step}`,
        kind: 'inquiry.follow_up',
        dueAt: addDuration(now, after),
        summary: `inquiry follow-up ${step + 1}/${followUps.length}`,
        data: { step },
      }),
    );
    this.agenda.schedule({ key: 'inquiry.lost', kind: 'inquiry.lost', dueAt: addDuration(now, this.playbook.inquiry.lostAfter), summary: 'unbooked inquiry becomes lost' });
    this.messenger.note('inquiry.opened', `inquiry opened (${channel}); ${followUps.length} follow-up(s) while unbooked`);
  }

  private closeInquiry(): void {
    this.memory.inquiry = null;
    this.agenda.cancelWhere((i) => i.kind === 'inquiry.follow_up' || i.kind === 'inquiry.lost' || i.kind === 'inquiry.acknowledgement');
  }

  // ── jobs and invoices (child workflows) ─────────────────────────────────────────────────────

  private async book(event: CustomerEventOf<'booking.requested'>): Promise<void> {
    const workflowId = this.writes === 'committed' ? jobWorkflowId(this.input.tenantId, this.input.customerId, event.jobId) : legacyChildWorkflowIds.job(this.input.tenantId, event.jobId);
    this.memory.jobs.push({
      jobId: event.jobId,
      service: event.service,
      scheduledAt: new Date(event.scheduledAt).toISOString(),
      status: 'booked',
      nextAction: null,
      workflowId,
    });
    await this.startChildOnce(() =>
      startChild<typeof job>('job', {
        workflowId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Job ${event.jobId} · ${event.service} for ${this.input.profile.name}`,
        args: [
          {
            tenantId: this.input.tenantId,
            customerId: this.input.customerId,
            jobId: event.jobId,
            parentWorkflowId: workflowInfo().workflowId,
            service: event.service,
            scheduledAt: event.scheduledAt,
            ...(event.estimate ? { estimate: event.estimate } : {}),
            booking: this.playbook.booking,
            messaging: this.messagingContext(),
            worth: { amount: this.leaks.worth(event.service), currency: this.playbook.currency },
          },
        ],
      }),
    );
  }

  private updateJob(jobId: string, change: Partial<OpenJob>): void {
    this.memory.jobs = this.memory.jobs.map((j) => (j.jobId === jobId ? { ...j, ...change } : j));
  }

  /** Takes the job off the open list, remembering its id for late events; returns what it was. */
  private closeJob(jobId: string): OpenJob | undefined {
    const job = this.memory.jobs.find((j) => j.jobId === jobId);
    this.memory.jobs = this.memory.jobs.filter((j) => j.jobId !== jobId);
    this.memory.closedJobIds = [...this.memory.closedJobIds.filter((id) => id !== jobId), jobId].slice(-RECENT_CLOSED);
    return job;
  }

  private async onJobCompleted(event: CustomerEventOf<'job.completed'>, service: string): Promise<void> {
    const now = Date.now();
    const firstJob = this.memory.completedJobs === 0;
    this.memory.completedJobs += 1;
    this.memory.lastService = { jobId: event.jobId, service, completedAt: now };
    const invoiceId = invoiceIdForJob(event);

    // Invoice the same minute the job is done. The invoice workflow reports its own state; until
    // its first notice the relationship already knows what it will say.
    const currency = event.lineItems[0]!.unitPrice.currency;
    const total = { amount: priceLines(event.lineItems).total, currency };
    const dueAt = new Date(addDuration(now, this.playbook.invoicing.netTerms)).toISOString();
    // Money on account (an earlier overpayment) pays what it can of the new invoice at once.
    const onAccount = this.memory.onAccount?.[currency] ?? 0;
    const openingCredit = creditFor(onAccount, total.amount);
    if (openingCredit > 0) this.memory.onAccount![currency] = onAccount - openingCredit;
    const balance = { amount: total.amount - openingCredit, currency };
    const doneAt = event.occurredAt ? Date.parse(event.occurredAt) : null;
    if (doneAt !== null && now > addDuration(doneAt, this.playbook.invoicing.issueWithin ?? 'P1D')) this.leaks.invoiceLate(invoiceId, total.amount, now - doneAt);
    const workflowId =
      this.writes === 'committed' ? invoiceWorkflowId(this.input.tenantId, { type: 'customer', id: this.input.customerId }, invoiceId) : legacyChildWorkflowIds.invoice(this.input.tenantId, invoiceId);
    this.memory.invoices.push({
      invoiceId,
      jobId: event.jobId,
      total,
      balance,
      status: balance.amount === 0 ? 'paid' : 'open',
      dueAt,
      nextAction: null,
      workflowId,
    });
    await this.startChildOnce(() =>
      startChild<typeof invoice>('invoice', {
        workflowId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Invoice ${invoiceId} · job ${event.jobId} for ${this.input.profile.name}`,
        args: [
          {
            tenantId: this.input.tenantId,
            invoiceId,
            parentWorkflowId: workflowInfo().workflowId,
            jobId: event.jobId,
            lines: event.lineItems,
            currency,
            ...(openingCredit > 0 ? { openingCredit: { amount: openingCredit, currency } } : {}),
            collections: { netTerms: this.playbook.invoicing.netTerms, steps: this.playbook.collections.steps, paymentRetries: this.playbook.collections.paymentRetries },
            messaging: this.messagingContext(),
          },
        ],
      }),
    );

    this.agenda.schedule({
      key: `review.request:${event.jobId}`,
      kind: 'review.request',
      dueAt: addDuration(now, this.playbook.review.requestAfter),
      summary: `review request for ${service}`,
      data: { jobId: event.jobId, invoiceId, service },
    });
    for (const outreach of this.playbook.retention.afterService) {
      this.agenda.schedule({
        key: `retention.after_service:${outreach.id}`,
        kind: 'retention.after_service',
        dueAt: addDuration(now, outreach.after),
        summary: `${outreach.service} outreach (${outreach.after} after service)`,
        data: { id: outreach.id, service: outreach.service },
      });
    }
    if (firstJob) this.reconcileSeasonalOutreach();
  }

  /**
   * Starts a job or invoice workflow and follows it until it closes. Starting is idempotent: one
   * that already runs under the id is the one we meant.
   */
  private async startChildOnce(start: () => Promise<{ workflowId: string; result(): Promise<unknown> }>): Promise<void> {
    try {
      const child = await start();
      const closed = child
        .result()
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(child.workflowId);
          this.changed = true;
        });
      this.running.set(child.workflowId, closed);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  /**
   * The workflow of this customer's job: the id it was started under (remembered with the job),
   * or, for one this run has not opened, the id it would be started under.
   */
  private jobWorkflowIdOf(jobId: string): string {
    const open = this.memory.jobs.find((j) => j.jobId === jobId);
    if (open) return open.workflowId ?? legacyChildWorkflowIds.job(this.input.tenantId, jobId);
    return this.writes === 'committed' ? jobWorkflowId(this.input.tenantId, this.input.customerId, jobId) : legacyChildWorkflowIds.job(this.input.tenantId, jobId);
  }

  private invoiceWorkflowIdOf(invoiceId: string): string {
    const open = this.memory.invoices.find((i) => i.invoiceId === invoiceId);
    if (open) return open.workflowId ?? legacyChildWorkflowIds.invoice(this.input.tenantId, invoiceId);
    return this.writes === 'committed' ? invoiceWorkflowId(this.input.tenantId, { type: 'customer', id: this.input.customerId }, invoiceId) : legacyChildWorkflowIds.invoice(this.input.tenantId, invoiceId);
  }

  private async forwardToJob(workflowId: string, event: JobEvent): Promise<void> {
    await this.forward(workflowId, event, () => getExternalWorkflowHandle(workflowId).signal(jobEventSignal, event));
  }

  private async forwardToInvoice(event: InvoiceEvent): Promise<void> {
    const workflowId = this.invoiceWorkflowIdOf(event.invoiceId);
    await this.forward(workflowId, event, () => getExternalWorkflowHandle(workflowId).signal(invoiceEventSignal, event));
  }

  /** A child that closed in the meantime cannot take the event; the timeline says so. */
  private async forward(workflowId: string, event: CustomerEvent, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch {
      this.messenger.note('event.ignored', `${event.type} not delivered: ${workflowId} has already closed`, { eventId: event.eventId });
    }
  }

  /** Jobs and invoices report every change; the relationship's stage and balance follow from them. */
  onChildNotice(notice: ChildNotice): void {
    this.changed = true;
    if (notice.kind === 'job') {
      // The relationship applies booked, started, completed and cancelled itself, as the events
      // come in. The job only knows what its own timers decide: a no-show, and when it gives up.
      const local = this.memory.jobs.find((j) => j.jobId === notice.jobId);
      if (!local) return;
      if (notice.status === 'no_show' && notice.nextAction === null) {
        this.closeJob(notice.jobId);
        return;
      }
      const noShow = notice.status === 'no_show' && local.status === 'booked' && local.scheduledAt === notice.scheduledAt;
      this.updateJob(notice.jobId, { nextAction: notice.nextAction, ...(noShow ? { status: 'no_show' as const } : {}) });
      return;
    }
    const existing = this.memory.invoices.find((i) => i.invoiceId === notice.invoiceId);
    this.memory.invoices = this.memory.invoices.filter((i) => i.invoiceId !== notice.invoiceId);
    // `existing` is the open invoice; it is gone once the notice that pays it has been taken in.
    const overpaid = overpaymentOnClose(notice, existing !== undefined);
    if (overpaid) {
      const account = (this.memory.onAccount ??= {});
      account[overpaid.currency] = (account[overpaid.currency] ?? 0) + overpaid.amount;
      noteCreditAdded(this.messenger, notice.invoiceId, overpaid, { amount: account[overpaid.currency]!, currency: overpaid.currency });
    }
    if (notice.status === 'paid' || notice.status === 'written_off') {
      this.memory.closedInvoiceIds = [...this.memory.closedInvoiceIds.filter((id) => id !== notice.invoiceId), notice.invoiceId].slice(-RECENT_CLOSED);
    } else {
      this.memory.invoices.push({
        invoiceId: notice.invoiceId,
        ...(existing?.jobId ? { jobId: existing.jobId } : {}),
        total: notice.total,
        balance: notice.balance,
        status: notice.status,
        dueAt: notice.dueAt,
        nextAction: notice.nextAction,
        ...(existing?.workflowId ? { workflowId: existing.workflowId } : {}),
      });
    }
  }

  // ── reviews ──────────────────────────────────────────────────────────────────────────────────

  /** A disputed invoice means no review request for its job: asking now would only make it worse. */
  private skipReviewFor(invoiceId: string, reason: string): void {
    const skipped = this.agenda.cancelWhere((i) => i.kind === 'review.request' && i.data?.invoiceId === invoiceId);
    for (const item of skipped) {
      this.messenger.note('review.skipped', `review request for job ${item.data?.jobId} skipped: ${reason}`, { jobId: item.data?.jobId });
      this.leaks.reviewNotRequested(String(item.data?.jobId), reason);
    }
  }

  private onReview(event: CustomerEventOf<'review.submitted'>): void {
    this.memory.review = null;
    this.agenda.cancelWhere((i) => i.kind === 'review.window_closed');
    // Reviewed already: asking for it would be noise. A review naming no job answers every pending request.
    if (patched(patches.noRequestAfterReview)) this.agenda.cancelWhere((i) => i.kind === 'review.request' && (!event.jobId || i.data?.jobId === event.jobId));
    if (event.rating <= this.playbook.review.serviceRecoveryAtOrBelow) {
      const summary = `service recovery: ${this.input.profile.name} rated ${event.rating}/5${event.comment ? ` — "${event.comment.slice(0, 120)}"` : ''}`;
      this.tasks.push({ taskId: `task:${event.eventId}`, kind: 'service_recovery', summary, dueAt: new Date(addDuration(Date.now(), 'P1D')).toISOString(), createdAt: new Date().toISOString() });
      this.messenger.note('task.created', summary, { kind: 'service_recovery', rating: event.rating });
      this.leaks.lowRating(event.eventId, event.rating, event.jobId, this.memory.lastService?.service);
      return;
    }
    // A good private rating earns the ask to say it in public, unless it already is public.
    if (!event.platform) this.messenger.send('review.public_push', { rating: String(event.rating) });
  }

  // ── contact preferences ──────────────────────────────────────────────────────────────────────

  private async onContactPreference(event: CustomerEventOf<'contact.opted_out' | 'contact.opted_in'>): Promise<void> {
    const channels = event.channel === 'all' ? (['sms', 'email', 'call'] as const) : [event.channel];
    const optOuts = new Set(this.memory.optOuts);
    for (const c of channels) {
      if (event.type === 'contact.opted_out') optOuts.add(c);
      else optOuts.delete(c);
    }
    this.memory.optOuts = [...optOuts].sort();
    this.messenger.setOptOuts(this.memory.optOuts);
    // Open jobs and invoices draft their own messages: they must hear of it at once.
    const children = [
      ...this.memory.jobs.map((j) => this.jobWorkflowIdOf(j.jobId)),
      ...this.memory.invoices.map((i) => this.invoiceWorkflowIdOf(i.invoiceId)),
    ];
    for (const id of children) {
      try {
        await getExternalWorkflowHandle(id).signal(contactPreferencesSignal, { optOuts: this.memory.optOuts });
      } catch {
        // Closed since; nothing left for it to send.
      }
    }
  }

  // ── retention and reactivation ───────────────────────────────────────────────────────────────

  /** Seasonal outreach (AC tune-up every March…) for customers who have had a job, in their time zone. */
  private reconcileSeasonalOutreach(): void {
    const seasonal = this.memory.completedJobs > 0 ? this.playbook.retention.seasonal : [];
    const wanted = new Set(seasonal.map((s) => `retention.seasonal:${s.id}`));
    this.agenda.cancelWhere((i) => i.kind === 'retention.seasonal' && !wanted.has(i.key));
    for (const s of seasonal) {
      const key = `retention.seasonal:${s.id}`;
      if (this.agenda.has(key)) continue;
      this.agenda.schedule({ key, kind: 'retention.seasonal', dueAt: nextLocalDate(Date.now(), s.month, s.day, s.at, this.timezone), summary: `${s.service} outreach`, data: { id: s.id, service: s.service } });
    }
  }

  /** The idle clock: no activity for the playbook's window starts the reactivation sequence. */
  private scheduleReactivation(): void {
    const since = this.memory.lastActivityAt ?? this.memory.createdAt;
    this.agenda.schedule({
      key: 'reactivation.start',
      kind: 'reactivation.start',
      dueAt: addDuration(since, this.playbook.reactivation.idleAfter),
      summary: `reactivation after ${this.playbook.reactivation.idleAfter} without activity`,
    });
  }

  // ── the agenda ───────────────────────────────────────────────────────────────────────────────

  private perform(item: AgendaItem<CustomerAgendaKind>): void {
    const messenger = this.messenger;
    const quiet = () => messenger.deferForQuietHours(item, this.scheduler);
    switch (item.kind) {
      case 'inquiry.acknowledgement':
        if (!quiet()) messenger.send('inquiry.acknowledgement', {});
        return;
      case 'missed_call.text_back':
        if (quiet()) return;
        messenger.send('missed_call.text_back', {});
        this.leaks.textBackSent();
        return;
      case 'inquiry.follow_up':
        // Booked (or lost) in the meantime: the follow-up has nothing left to chase.
        if (!this.memory.inquiry || quiet()) return;
        messenger.send('inquiry.follow_up', {});
        this.memory.inquiry.followUpsSent = Number(item.data?.step ?? 0) + 1;
        this.leaks.followUpSent(causeOf(item), this.memory.inquiry.followUpsSent);
        return;
      case 'inquiry.lost':
        if (!this.memory.inquiry) return;
        this.closeInquiry();
        this.memory.lost = true;
        messenger.note('inquiry.lost', `inquiry never booked within ${this.playbook.inquiry.lostAfter}`);
        this.leaks.inquiryLost(causeOf(item), this.playbook.inquiry.lostAfter);
        return;
      case 'review.request': {
        const invoiceId = String(item.data?.invoiceId);
        if (this.memory.invoices.some((i) => i.invoiceId === invoiceId && i.status === 'disputed')) {
          messenger.note('review.skipped', `review request for job ${item.data?.jobId} skipped: invoice disputed`);
          this.leaks.reviewNotRequested(String(item.data?.jobId), 'invoice disputed');
          return;
        }
        if (quiet()) return;
        if (messenger.suppresses('review.request')) this.leaks.reviewNotRequested(String(item.data?.jobId), 'the customer opted out');
        messenger.send('review.request', { service: String(item.data?.service ?? 'service') });
        this.memory.review = { jobId: String(item.data?.jobId), requestedAt: Date.now() };
        this.agenda.schedule({ key: 'review.window_closed', kind: 'review.window_closed', dueAt: addDuration(Date.now(), this.playbook.review.windowAfterRequest), summary: 'review request expires' });
        return;
      }
      case 'review.window_closed':
        this.memory.review = null;
        return;
      case 'retention.seasonal': {
        const season = this.playbook.retention.seasonal.find((s) => s.id === item.data?.id);
        if (!season || quiet()) return;
        // Already booked in: no need to ask.
        if (!this.memory.jobs.some((j) => j.status === 'booked')) this.sendOutreach(item, season.service);
        // Next year's outreach is an item of its own: it is named after its own due time.
        const { cause: _thisYear, ...season_item } = item;
        this.agenda.schedule({ ...season_item, dueAt: nextLocalDate(Date.now(), season.month, season.day, season.at, this.timezone) });
        return;
      }
      case 'retention.after_service':
        if (quiet()) return;
        this.sendOutreach(item, String(item.data?.service ?? 'service'));
        return;
      case 'reactivation.start':
        if (this.memory.reactivation || this.memory.dormant) return;
        this.memory.reactivation = { step: 0, startedAt: Date.now() };
        messenger.note('reactivation.started', `no activity for ${this.playbook.reactivation.idleAfter}: reactivation sequence starts`);
        this.leaks.idle(causeOf(item), this.playbook.reactivation.idleAfter, this.memory.lastService?.service);
        this.agenda.schedule({ key: 'reactivation.message', kind: 'reactivation.message', dueAt: Date.now(), summary: `reactivation message 1/${this.playbook.reactivation.messages}`, data: { step: 0 } });
        return;
      case 'reactivation.message': {
        if (!this.memory.reactivation || quiet()) return;
        const step = Number(item.data?.step ?? 0);
        const total = this.playbook.reactivation.messages;
        if (!messenger.suppresses('reactivation.outreach')) this.leaks.reactivationSent(step + 1);
        messenger.send('reactivation.outreach', {});
        this.memory.reactivation.step = step + 1;
        const at = addDuration(Date.now(), this.playbook.reactivation.interval);
        if (step + 1 < total) {
          this.agenda.schedule({ key: 'reactivation.message', kind: 'reactivation.message', dueAt: at, summary: `reactivation message ${step + 2}/${total}`, data: { step: step + 1 } });
        } else {
          this.agenda.schedule({ key: 'reactivation.dormant', kind: 'reactivation.dormant', dueAt: at, summary: 'no answer to reactivation: dormant' });
        }
        return;
      }
      case 'reactivation.dormant':
        if (!this.memory.reactivation) return;
        this.memory.reactivation = null;
        this.memory.dormant = true;
        messenger.note('customer.dormant', `no answer to ${this.playbook.reactivation.messages} reactivation messages: dormant until the next inquiry`);
        this.leaks.dormant();
        return;
    }
  }

  /** Retention outreach (seasonal or after a service): at stake until the customer books, unless the customer opted out of it. */
  private sendOutreach(item: AgendaItem<CustomerAgendaKind>, service: string): void {
    if (!this.messenger.suppresses('retention.outreach')) this.leaks.outreachSent(causeOf(item), service);
    this.messenger.send('retention.outreach', { service });
  }

  // ── state, visibility, continue-as-new ───────────────────────────────────────────────────────

  /** The stage follows from the state: the most pressing thing going on with this customer. */
  private deriveStage(): CustomerStage {
    const m = this.memory;
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

  /** Cash on account, by currency, leaving out currencies that have none left. */
  private onAccount(): Money[] {
    return Object.entries(this.memory.onAccount ?? {})
      .filter(([, amount]) => amount > 0)
      .map(([currency, amount]) => ({ amount, currency }));
  }

  private balanceDue(): number {
    return this.memory.invoices.reduce((sum, i) => sum + i.balance.amount, 0);
  }

  private nextActions(): NextAction[] {
    return [
      ...this.scheduler.nextActions(),
      ...this.memory.jobs.flatMap((j) => (j.nextAction ? [j.nextAction] : [])),
      ...this.memory.invoices.flatMap((i) => (i.nextAction ? [i.nextAction] : [])),
    ].sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  }

  /** Notes a change of stage on the timeline, after every event and action, so each stage passed through is on record. */
  private trackStage(): CustomerStage {
    const stage = this.deriveStage();
    if (stage !== this.memory.stage) {
      this.messenger.note('stage.changed', `${this.memory.stage} → ${stage}`, { from: this.memory.stage, to: stage });
      this.memory.stage = stage;
      this.memory.stageSince = Date.now();
    }
    return stage;
  }

  /** Brings PostgreSQL (timeline, outbox, read model), the search attributes and the UI's details up to date. */
  private async publish(): Promise<void> {
    const stage = this.trackStage();
    const next = this.nextActions()[0];
    const customer = {
      stage,
      balanceDue: this.balanceDue(),
      nextActionAt: next?.dueAt ?? null,
      lastActivityAt: this.memory.lastActivityAt ? new Date(this.memory.lastActivityAt).toISOString() : null,
    };
    const snapshotKey = JSON.stringify(customer);
    if (this.messenger.hasPending() || this.tasks.length > 0 || snapshotKey !== this.published.snapshot) {
      const tasks = this.tasks;
      this.tasks = [];
      const newCustomer = this.newCustomer;
      this.newCustomer = undefined;
      const applied = this.intake.toWrite();
      await this.messenger.flush({ ...(newCustomer ? { newCustomer } : {}), customer, ...(tasks.length ? { tasks } : {}) });
      this.intake.written(applied);
      this.published.snapshot = snapshotKey;
    }
    this.memory.seq = this.messenger.sequence;
    const searchAttributes = JSON.stringify([stage, customer.balanceDue, customer.nextActionAt, this.input.playbook.version]);
    if (searchAttributes !== this.published.searchAttributes) {
      upsertSearchAttributes([
        { key: RevloopTenant, value: this.input.tenantId },
        { key: RevloopCustomer, value: this.input.customerId },
        { key: RevloopPlaybook, value: `${this.input.playbook.id}@v${this.input.playbook.version}` },
        { key: RevloopStage, value: stage },
        { key: RevloopBalanceDue, value: customer.balanceDue },
        { key: RevloopNextActionAt, value: next ? new Date(next.dueAt) : null },
      ]);
      this.published.searchAttributes = searchAttributes;
    }
    setCurrentDetails(this.details());
  }

  private waitingFor(): string {
    const m = this.memory;
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

  private details(): string {
    const now = Date.now();
    const next = this.nextActions().slice(0, 6);
    const currency = this.playbook.currency;
    return [
      `**${this.input.profile.name}** · playbook \`${this.input.playbook.id}\` v${this.input.playbook.version} · ${this.timezone}`,
      '',
      `Stage **${this.memory.stage}** since ${new Date(this.memory.stageSince).toISOString()}.`,
      `Waiting for ${this.waitingFor()}${next[0] ? `, or ${next[0].summary} in ${humanizeMs(Date.parse(next[0].dueAt) - now)}` : ''}.`,
      '',
      next.length ? '| due (UTC) | local | action |\n|---|---|---|' : 'Nothing scheduled.',
      ...next.map((i) => `| ${i.dueAt} | ${formatLocal(Date.parse(i.dueAt), this.timezone)} | ${i.summary} |`),
      '',
      `Open jobs: ${this.memory.jobs.map((j) => `${j.jobId} (${j.status})`).join(', ') || 'none'} · open invoices: ${
        this.memory.invoices.map((i) => `${i.invoiceId} ${formatMoney(i.balance)} (${i.status})`).join(', ') || 'none'
      }`,
      `Balance due **${formatMoney({ amount: this.balanceDue(), currency })}**${this.onAccount().map((c) => ` · ${formatMoney(c)} on account`).join('')} · ${this.memory.completedJobs} job(s) completed · ${this.memory.eventsApplied} events applied · run ${this.memory.runs + 1}`,
      this.memory.optOuts.length ? `Opted out of: ${this.memory.optOuts.join(', ')}` : '',
    ].join('\n');
  }

  view(): CustomerView {
    const m = this.memory;
    return {
      tenantId: this.input.tenantId,
      customerId: this.input.customerId,
      name: this.input.profile.name,
      timezone: this.timezone,
      stage: m.stage,
      stageSince: new Date(m.stageSince).toISOString(),
      playbook: { id: this.input.playbook.id, version: this.input.playbook.version },
      openJobs: m.jobs,
      openInvoices: m.invoices,
      balanceDue: { amount: this.balanceDue(), currency: this.playbook.currency },
      onAccount: this.onAccount(),
      nextActions: this.nextActions(),
      inquiry: m.inquiry ? { openedAt: new Date(m.inquiry.openedAt).toISOString(), followUpsSent: m.inquiry.followUpsSent } : null,
      completedJobs: m.completedJobs,
      lastActivityAt: m.lastActivityAt ? new Date(m.lastActivityAt).toISOString() : null,
      optOuts: m.optOuts,
      eventsApplied: m.eventsApplied,
      recentEventIds: this.intake.recent(20),
      pendingEvents: this.intake.pending.length,
      busy: this.busy,
      runs: m.runs,
    };
  }

  /**
   * Continue as new when Temporal suggests it or the run reaches its limit, at a moment when no
   * job or invoice this run started is still open: a child's completion then lands in the run that
   * started it. A relationship that always has children open still continues as new well before
   * Temporal's hard limit.
   */
  private shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    const limit = this.input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    // A run from before committed steps moves onto them at the first moment it may.
    const leaveLegacy = this.writes === 'legacy' && patched(patches.leaveLegacySteps);
    if (!leaveLegacy && !info.continueAsNewSuggested && info.historyLength < limit) return false;
    return this.running.size === 0 || info.historyLength >= Math.min(4 * limit, HARD_HISTORY_LIMIT);
  }

  /** The newest version of the pinned playbook; the pinned one itself if it can no longer be resolved. */
  private async newestPlaybook() {
    try {
      return await local.resolvePlaybook.executeWithOptions({ ...localOptions, summary: 'adopt the newest playbook version' }, [
        { tenantId: this.input.tenantId, playbookId: this.input.playbook.id },
      ]);
    } catch {
      this.messenger.note('playbook.kept', `playbook ${this.input.playbook.id} could not be resolved; keeping v${this.input.playbook.version}`, {}, `run:${this.memory.runs}`);
      return this.input.playbook;
    }
  }

  /** Hands the relationship to a fresh run: same memory, the newest playbook version, nothing lost. */
  private async continueAsNew(): Promise<never> {
    await this.messenger.settle();
    await condition(allHandlersFinished);
    const playbook = await this.newestPlaybook();
    if (playbook.version !== this.input.playbook.version) {
      this.messenger.note('playbook.adopted', `playbook ${playbook.id} v${this.input.playbook.version} → v${playbook.version}`, { from: this.input.playbook.version, to: playbook.version }, `run:${this.memory.runs}`);
      await this.messenger.flush();
    }
    // A child's notice taken in while this run waited wrote a note that must not be left behind.
    if (this.writes === 'committed') while (this.messenger.hasPending()) await this.messenger.flush();
    this.intake.written();
    this.memory.seq = this.messenger.sequence;
    const memory: CustomerMemory = { ...this.memory, runs: this.memory.runs + 1, agenda: [...this.agenda.list()], inbox: [...this.intake.pending] };
    return continueAsNew<typeof customer>({ ...this.input, playbook, memory });
  }
}

function describeEvent(event: CustomerEvent): string {
  switch (event.type) {
    case 'inquiry.received':
      return `inquiry by ${event.channel}${event.message ? `: ${event.message.slice(0, 80)}` : ''}`;
    case 'call.missed':
      return `missed call from ${event.from}`;
    case 'booking.requested':
      return `booking requested: ${event.service} at ${event.scheduledAt} (job ${event.jobId})`;
    case 'booking.rescheduled':
      return `job ${event.jobId} rescheduled to ${event.scheduledAt}`;
    case 'booking.cancelled':
      return `job ${event.jobId} cancelled${event.reason ? `: ${event.reason}` : ''}`;
    case 'job.started':
      return `job ${event.jobId} started`;
    case 'job.completed':
      return `job ${event.jobId} completed with ${event.lineItems.length} line item(s)`;
    case 'payment.received':
      return `payment of ${formatMoney(event.amount)} for invoice ${event.invoiceId}`;
    case 'payment.failed':
      return `payment failed for invoice ${event.invoiceId}: ${event.reason}`;
    case 'invoice.disputed':
      return `invoice ${event.invoiceId} disputed: ${event.reason}`;
    case 'invoice.dispute_resolved':
      return `dispute of invoice ${event.invoiceId} resolved${event.resolution ? `: ${event.resolution}` : ''}`;
    case 'review.submitted':
      return `review ${event.rating}/5${event.platform ? ` on ${event.platform}` : ''}`;
    case 'contact.opted_out':
      return `opted out of ${event.channel}`;
    case 'contact.opted_in':
      return `opted in to ${event.channel}`;
  }
}
