import {
  allHandlersFinished,
  CancellationScope,
  ApplicationFailure,
  condition,
  continueAsNew,
  isCancellation,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { MessageDraft } from '../activities/messages';
import type { TimelineEntryInput } from '../activities/timeline';
import type { CustomerEvent, CustomerEventOf } from '../domain/customer-events';
import { addDuration, humanizeMs } from '../domain/durations';
import { formatLocal, nextSendableInstant } from '../domain/local-time';
import { formatMoney, zero } from '../domain/money';
import type { TemplateKey } from '../playbooks/schema';
import { Agenda, type AgendaItem } from './agenda';
import {
  customerEventSignal,
  customerEventUpdate,
  customerStateQuery,
  type CustomerAgendaKind,
  type CustomerMemory,
  type CustomerStage,
  type CustomerView,
  type CustomerWorkflowInput,
} from './definitions';
import { RevloopBalanceDue, RevloopCustomer, RevloopNextActionAt, RevloopPlaybook, RevloopStage, RevloopTenant } from './search-attributes';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };
/**
 * Writes to PostgreSQL are short and idempotent, so they run as local activities: one marker in
 * history instead of three events and a task round trip, which keeps a years-long history small.
 */
const recordOptions: LocalActivityOptions = { startToCloseTimeout: '30s', retry };
const records = proxyLocalActivities<Activities>(recordOptions);

/** How many recent event ids a run remembers; older duplicates are caught by PostgreSQL's key. */
const RECENT_EVENT_IDS = 500;
/** A safety net well under Temporal's 51,200-event limit, for servers that never suggest continue-as-new. */
const MAX_HISTORY_EVENTS = 10_000;

/**
 * One customer relationship, for as long as the business has the customer: inquiry, booking,
 * job, invoice, collections, review, retention, reactivation. Events arrive as a signal (or, when
 * they reference a job or invoice, an update that validates the reference); the playbook's timers
 * wait in an agenda; continue-as-new keeps the history small while the relationship runs for years.
 */
export async function customer(input: CustomerWorkflowInput): Promise<void> {
  const lifecycle = new CustomerLifecycle(input);
  setHandler(customerEventSignal, (event) => lifecycle.receive(event));
  setHandler(
    customerEventUpdate,
    (event) => {
      lifecycle.receive(event);
      return { eventId: event.eventId, accepted: true as const };
    },
    { validator: (event) => lifecycle.validate(event) },
  );
  setHandler(customerStateQuery, () => lifecycle.view());
  await lifecycle.run();
}

class CustomerLifecycle {
  private readonly memory: CustomerMemory;
  private readonly agenda: Agenda<CustomerAgendaKind>;
  private readonly inbox: CustomerEvent[];
  /** Timeline entries of the current step, written with the next `publish`. */
  private pendingEntries: TimelineEntryInput[] = [];
  /** Messages of the current step, recorded into the outbox with the next `publish`. */
  private pendingMessages: MessageDraft[] = [];
  private published = { searchAttributes: '', snapshot: '' };
  /** The one timer waiting for the earliest agenda item. */
  private timer: { dueAt: number; fired: boolean; scope: CancellationScope } | undefined;

  constructor(private readonly input: CustomerWorkflowInput) {
    const now = Date.now();
    this.memory = input.memory ?? {
      stage: 'inquiry',
      stageSince: now,
      createdAt: now,
      lastActivityAt: null,
      seq: 0,
      eventsApplied: 0,
      runs: 0,
      recentEventIds: [],
      optOuts: [],
      inquiry: null,
      agenda: [],
      inbox: [],
    };
    this.agenda = new Agenda(this.memory.agenda);
    this.inbox = [...this.memory.inbox];
  }

  private get playbook() {
    return this.input.playbook.definition;
  }

  private get timezone() {
    return this.input.profile.timezone;
  }

  // ── the story ────────────────────────────────────────────────────────────────────────────────

  async run(): Promise<void> {
    if (!this.input.memory) await this.recordCreation();
    for (;;) {
      await this.publish();
      if (this.inbox.length === 0 && this.shouldContinueAsNew()) {
        await this.continueAsNew();
      }
      await this.waitForWork();
      if (this.inbox.length > 0) await this.applyInbox();
      for (let item = this.agenda.takeDue(Date.now()); item; item = this.agenda.takeDue(Date.now())) await this.perform(item);
    }
  }

  private async recordCreation(): Promise<void> {
    await records.upsertCustomer.executeWithOptions({ ...recordOptions, summary: 'record customer' }, [
      {
        tenantId: this.input.tenantId,
        customerId: this.input.customerId,
        profile: this.input.profile,
        playbook: { id: this.input.playbook.id, version: this.input.playbook.version },
        stage: this.memory.stage,
        currency: this.playbook.currency,
      },
    ]);
    this.note('customer.created', `customer created on playbook ${this.input.playbook.id} v${this.input.playbook.version}`);
  }

  /**
   * Sleeps until the next agenda item is due or an event arrives. The timer outlives the wait: an
   * event that leaves the earliest due time unchanged does not cancel and restart it, which keeps
   * two history events per event out of a history that runs for years.
   */
  private async waitForWork(): Promise<void> {
    if (this.inbox.length > 0) return;
    const next = this.agenda.next();
    if (!next) {
      this.cancelTimer();
      await condition(() => this.inbox.length > 0);
      return;
    }
    const wait = next.dueAt - Date.now();
    if (wait <= 0) return;
    if (this.timer?.dueAt !== next.dueAt) {
      this.cancelTimer();
      const scope = new CancellationScope();
      const timer = { dueAt: next.dueAt, fired: false, scope };
      scope
        .run(() => sleep(wait, { summary: `${next.summary} in ${humanizeMs(wait)}` }))
        .then(
          () => void (timer.fired = true),
          (error) => {
            if (!isCancellation(error)) throw error;
          },
        );
      this.timer = timer;
    }
    const timer = this.timer!;
    await condition(() => this.inbox.length > 0 || timer.fired);
    if (timer.fired) this.timer = undefined;
  }

  private cancelTimer(): void {
    if (this.timer && !this.timer.fired) this.timer.scope.cancel();
    this.timer = undefined;
  }

  // ── events ───────────────────────────────────────────────────────────────────────────────────

  /** Signal and update handlers only queue: the main loop applies events one at a time, in order. */
  receive(event: CustomerEvent): void {
    if (this.memory.recentEventIds.includes(event.eventId)) return;
    if (this.inbox.some((e) => e.eventId === event.eventId)) return;
    this.inbox.push(event);
  }

  /** Rejects, before anything is recorded, an event that references a job or invoice this customer does not have. */
  validate(event: CustomerEvent): void {
    if (!event.eventId) throw ApplicationFailure.nonRetryable('event without id', 'InvalidEvent');
  }

  /** Records every waiting event in one write, then applies those seen for the first time, in arrival order. */
  private async applyInbox(): Promise<void> {
    const batch = this.inbox.splice(0, this.inbox.length);
    const now = new Date().toISOString();
    const entries = batch.map((event) => ({
      id: event.eventId,
      kind: 'event' as const,
      type: event.type,
      summary: describeEvent(event),
      data: event as unknown as Record<string, unknown>,
      occurredAt: now,
      seq: this.nextSeq(),
    }));
    const summary = batch.length === 1 ? `record ${batch[0]!.type}` : `record ${batch.length} events`;
    const { applied } = await records.recordEvents.executeWithOptions({ ...recordOptions, summary }, [{ ...this.subject, entries }]);
    const fresh = new Set(applied);
    for (const event of batch) {
      this.rememberEventId(event.eventId);
      // Not fresh: recorded in an earlier run, and applied then.
      if (fresh.has(event.eventId)) this.apply(event);
    }
  }

  private apply(event: CustomerEvent): void {
    this.memory.eventsApplied += 1;
    this.memory.lastActivityAt = Date.now();
    switch (event.type) {
      case 'inquiry.received':
        return this.onInquiry(event);
      case 'call.missed':
        return this.onMissedCall(event);
      case 'booking.requested':
        return this.onBookingRequested(event);
      case 'contact.opted_out':
      case 'contact.opted_in':
        return this.onContactPreference(event);
      default:
        return;
    }
  }

  private onInquiry(event: CustomerEventOf<'inquiry.received'>): void {
    this.openInquiry(event.channel);
    if (this.playbook.speedToLead.acknowledgeInquiry) {
      this.schedule({ key: 'inquiry.acknowledgement', kind: 'inquiry.acknowledgement', dueAt: Date.now(), summary: 'inquiry acknowledgement' });
    }
  }

  private onMissedCall(event: CustomerEventOf<'call.missed'>): void {
    this.openInquiry('call');
    this.schedule({
      key: `missed_call.text_back:${event.eventId}`,
      kind: 'missed_call.text_back',
      dueAt: Date.now(),
      summary: 'missed-call text-back',
      data: { from: event.from },
    });
  }

  /** An unbooked lead: follow-ups while it stays unbooked, then `lost`. A lead already booked is left alone. */
  private openInquiry(channel: string): void {
    if (this.memory.stage === 'booking' || this.memory.stage === 'job') return;
    const now = Date.now();
    this.setStage('inquiry', `new inquiry by ${channel}`);
    this.memory.inquiry = { openedAt: now, followUpsSent: 0 };
    this.agenda.cancelWhere((i) => i.kind === 'inquiry.follow_up' || i.kind === 'inquiry.lost');
    const followUps = this.playbook.inquiry.followUps;
    followUps.forEach((after, step) =>
      this.schedule({
        key: `inquiry.follow_up:${step}`,
        kind: 'inquiry.follow_up',
        dueAt: addDuration(now, after),
        summary: `inquiry follow-up ${step + 1}/${followUps.length}`,
        data: { step },
      }),
    );
    this.schedule({ key: 'inquiry.lost', kind: 'inquiry.lost', dueAt: addDuration(now, this.playbook.inquiry.lostAfter), summary: 'unbooked inquiry becomes lost' });
  }

  private onBookingRequested(event: CustomerEventOf<'booking.requested'>): void {
    this.closeInquiry();
    this.setStage('booking', `booked ${event.service} for ${event.scheduledAt}`);
  }

  private closeInquiry(): void {
    this.memory.inquiry = null;
    this.agenda.cancelWhere((i) => i.kind === 'inquiry.follow_up' || i.kind === 'inquiry.lost');
  }

  private onContactPreference(event: CustomerEventOf<'contact.opted_out' | 'contact.opted_in'>): void {
    const channels = event.channel === 'all' ? (['sms', 'email', 'call'] as const) : [event.channel];
    const optOuts = new Set(this.memory.optOuts);
    for (const c of channels) {
      if (event.type === 'contact.opted_out') optOuts.add(c);
      else optOuts.delete(c);
    }
    this.memory.optOuts = [...optOuts].sort();
  }

  // ── the agenda ───────────────────────────────────────────────────────────────────────────────

  private schedule(item: AgendaItem<CustomerAgendaKind>): void {
    this.agenda.schedule(item);
  }

  private async perform(item: AgendaItem<CustomerAgendaKind>): Promise<void> {
    switch (item.kind) {
      case 'inquiry.acknowledgement':
        if (this.deferForQuietHours(item)) return;
        this.send('inquiry.acknowledgement', {});
        return;
      case 'inquiry.follow_up': {
        // Booked (or lost) in the meantime: the follow-up has nothing left to chase.
        if (this.memory.stage !== 'inquiry' || !this.memory.inquiry) return;
        if (this.deferForQuietHours(item)) return;
        this.send('inquiry.follow_up', {});
        this.memory.inquiry.followUpsSent = Number(item.data?.step ?? 0) + 1;
        return;
      }
      case 'missed_call.text_back':
        if (this.deferForQuietHours(item)) return;
        this.send('missed_call.text_back', {});
        return;
      case 'inquiry.lost':
        if (this.memory.stage !== 'inquiry') return;
        this.closeInquiry();
        this.setStage('lost', 'inquiry never booked');
        return;
    }
  }

  /** Quiet hours: a message due outside the customer's sending window waits for the window to open. */
  private deferForQuietHours(item: AgendaItem<CustomerAgendaKind>): boolean {
    const now = Date.now();
    const sendable = nextSendableInstant(now, this.timezone, this.playbook.quietHours);
    if (sendable <= now) return false;
    this.agenda.schedule({ ...item, dueAt: sendable, summary: item.summary.endsWith('(quiet hours)') ? item.summary : `${item.summary} (quiet hours)` });
    return true;
  }

  /** Drafts a message from the playbook's template; it is recorded with the step's other writes. */
  private send(kind: TemplateKey, extraVars: Record<string, string>): void {
    const template = this.playbook.templates[kind];
    const profile = this.input.profile;
    const optedOut = template.purpose === 'marketing' && this.memory.optOuts.includes(template.channel);
    this.pendingMessages.push({
      messageId: uuid4(),
      kind,
      template,
      vars: { name: profile.name, business: this.playbook.business, ...extraVars },
      recipient: (template.channel === 'sms' ? profile.phone : profile.email) ?? null,
      at: new Date().toISOString(),
      seq: this.nextSeq(),
      ...(optedOut ? { suppressedReason: `customer opted out of ${template.channel} marketing` } : {}),
    });
  }

  // ── state, visibility, continue-as-new ───────────────────────────────────────────────────────

  private get subject() {
    return { tenantId: this.input.tenantId, subjectType: 'customer' as const, subjectId: this.input.customerId };
  }

  private nextSeq(): number {
    this.memory.seq += 1;
    return this.memory.seq;
  }

  private rememberEventId(eventId: string): void {
    this.memory.recentEventIds.push(eventId);
    if (this.memory.recentEventIds.length > RECENT_EVENT_IDS) this.memory.recentEventIds.splice(0, this.memory.recentEventIds.length - RECENT_EVENT_IDS);
  }

  private setStage(stage: CustomerStage, reason: string): void {
    if (this.memory.stage === stage) return;
    const from = this.memory.stage;
    this.memory.stage = stage;
    this.memory.stageSince = Date.now();
    this.note('stage.changed', `${from} → ${stage}: ${reason}`, { from, to: stage });
  }

  /** An action for the timeline, written with the next publish. */
  private note(type: string, summary: string, data: Record<string, unknown> = {}): void {
    this.pendingEntries.push({ id: `act:${uuid4()}`, kind: 'action', type, summary, data, occurredAt: new Date().toISOString(), seq: this.nextSeq() });
  }

  /** Brings PostgreSQL's read model, the search attributes and the UI's current details up to date. */
  private async publish(): Promise<void> {
    const next = this.agenda.next();
    const snapshot = {
      stage: this.memory.stage,
      balanceDue: 0,
      nextActionAt: next ? new Date(next.dueAt).toISOString() : null,
      lastActivityAt: this.memory.lastActivityAt ? new Date(this.memory.lastActivityAt).toISOString() : null,
    };
    const snapshotKey = JSON.stringify(snapshot);
    if (this.pendingEntries.length > 0 || this.pendingMessages.length > 0 || snapshotKey !== this.published.snapshot) {
      const entries = this.pendingEntries;
      const messages = this.pendingMessages;
      this.pendingEntries = [];
      this.pendingMessages = [];
      const summary = messages.length ? `send ${messages.map((m) => m.kind).join(', ')}` : `record ${this.memory.stage}`;
      await records.recordProgress.executeWithOptions({ ...recordOptions, summary }, [{ ...this.subject, entries, messages, snapshot }]);
      this.published.snapshot = snapshotKey;
    }
    const searchAttributes = JSON.stringify([snapshot.stage, snapshot.balanceDue, snapshot.nextActionAt]);
    if (searchAttributes !== this.published.searchAttributes) {
      upsertSearchAttributes([
        { key: RevloopTenant, value: this.input.tenantId },
        { key: RevloopCustomer, value: this.input.customerId },
        { key: RevloopPlaybook, value: `${this.input.playbook.id}@v${this.input.playbook.version}` },
        { key: RevloopStage, value: snapshot.stage },
        { key: RevloopBalanceDue, value: snapshot.balanceDue },
        { key: RevloopNextActionAt, value: next ? new Date(next.dueAt) : null },
      ]);
      this.published.searchAttributes = searchAttributes;
    }
    setCurrentDetails(this.details());
  }

  private details(): string {
    const now = Date.now();
    const next = this.agenda.list().slice(0, 5);
    const waitingFor =
      this.memory.stage === 'inquiry' && this.memory.inquiry
        ? 'a booking for the open inquiry'
        : this.memory.stage === 'lost' || this.memory.stage === 'dormant'
          ? 'a new inquiry'
          : 'the next lifecycle event';
    return [
      `**${this.input.profile.name}** · playbook \`${this.input.playbook.id}\` v${this.input.playbook.version} · ${this.timezone}`,
      '',
      `Stage **${this.memory.stage}** since ${new Date(this.memory.stageSince).toISOString()}.`,
      `Waiting for ${waitingFor}${next[0] ? `, or ${next[0].summary} in ${humanizeMs(next[0].dueAt - now)}` : ''}.`,
      '',
      next.length ? '| due (UTC) | local | action |\n|---|---|---|' : 'Nothing scheduled.',
      ...next.map((i) => `| ${new Date(i.dueAt).toISOString()} | ${formatLocal(i.dueAt, this.timezone)} | ${i.summary} |`),
      '',
      `Balance due ${formatMoney(zero(this.playbook.currency))} · ${this.memory.eventsApplied} events applied · run ${this.memory.runs + 1}`,
      this.memory.optOuts.length ? `Opted out of: ${this.memory.optOuts.join(', ')}` : '',
    ].join('\n');
  }

  view(): CustomerView {
    return {
      tenantId: this.input.tenantId,
      customerId: this.input.customerId,
      name: this.input.profile.name,
      timezone: this.timezone,
      stage: this.memory.stage,
      stageSince: new Date(this.memory.stageSince).toISOString(),
      playbook: { id: this.input.playbook.id, version: this.input.playbook.version },
      openJobs: [],
      openInvoices: [],
      balanceDue: zero(this.playbook.currency),
      nextActions: this.agenda.list().map((i) => ({ kind: i.kind, dueAt: new Date(i.dueAt).toISOString(), summary: i.summary })),
      inquiry: this.memory.inquiry ? { openedAt: new Date(this.memory.inquiry.openedAt).toISOString(), followUpsSent: this.memory.inquiry.followUpsSent } : null,
      lastActivityAt: this.memory.lastActivityAt ? new Date(this.memory.lastActivityAt).toISOString() : null,
      optOuts: this.memory.optOuts,
      eventsApplied: this.memory.eventsApplied,
      recentEventIds: this.memory.recentEventIds.slice(-20),
      pendingEvents: this.inbox.length,
      runs: this.memory.runs,
    };
  }

  private shouldContinueAsNew(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= MAX_HISTORY_EVENTS;
  }

  private async continueAsNew(): Promise<never> {
    await condition(allHandlersFinished);
    const playbook = await records.resolvePlaybook.executeWithOptions({ ...recordOptions, summary: 'adopt the newest playbook version' }, [
      { tenantId: this.input.tenantId, playbookId: this.input.playbook.id },
    ]);
    if (playbook.version !== this.input.playbook.version) {
      this.note('playbook.adopted', `playbook ${playbook.id} v${this.input.playbook.version} → v${playbook.version}`);
      await this.publish();
    }
    const memory: CustomerMemory = { ...this.memory, runs: this.memory.runs + 1, agenda: [...this.agenda.list()], inbox: [...this.inbox] };
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
    case 'review.submitted':
      return `review ${event.rating}/5${event.platform ? ` on ${event.platform}` : ''}`;
    case 'contact.opted_out':
      return `opted out of ${event.channel}`;
    case 'contact.opted_in':
      return `opted in to ${event.channel}`;
  }
}
