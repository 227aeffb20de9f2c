import { proxyActivities, proxyLocalActivities, uuid4, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { MessageDraft } from '../activities/messages';
import type { StepRecords } from '../activities/records';
import type { TimelineEntryInput } from '../activities/timeline';
import { nextSendableInstant, type QuietHours } from '../domain/local-time';
import type { ContractTemplateKey } from '../playbooks/b2b-schema';
import type { MessageTemplate, TemplateKey } from '../playbooks/schema';
import type { AgendaItem } from './agenda';
import type { Scheduler } from './scheduler';

/** Who a lifecycle talks to and how: what every workflow that sends messages needs to know. */
export interface MessagingContext {
  tenantId: string;
  subject: { subjectType: 'customer' | 'contract'; subjectId: string };
  recipient: { name: string; phone?: string; email?: string; timezone: string };
  business: string;
  quietHours: QuietHours | null;
  templates: Partial<Record<TemplateKey | ContractTemplateKey, MessageTemplate>>;
  /** Marketing messages on these channels are suppressed; transactional ones still go. */
  optOuts: Array<'sms' | 'email' | 'call'>;
}

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' };
/** Writes to PostgreSQL are short and idempotent: local activities, one marker each in history. */
export const recordOptions: LocalActivityOptions = { startToCloseTimeout: '30s', retry };
export const records = proxyLocalActivities<Activities>(recordOptions);

/**
 * A tenant's webhook may be down for hours: delivery is a full activity with backoff, and gives up
 * (recording the message as failed) after its last attempt rather than retrying forever.
 */
export const MAX_DELIVERY_ATTEMPTS = 8;
const deliveryOptions: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '30s', backoffCoefficient: 2, maximumInterval: '1h', maximumAttempts: MAX_DELIVERY_ATTEMPTS },
};
const delivery = proxyActivities<Activities>(deliveryOptions);

/**
 * Drafts messages from templates (honouring opt-outs and quiet hours), collects timeline notes,
 * and writes a step's records in one local activity. Channels that deliver (webhook) get a
 * delivery activity per message, tracked so the workflow can wait for them before it ends.
 */
export class Messenger {
  private messages: MessageDraft[] = [];
  private entries: TimelineEntryInput[] = [];
  private readonly deliveries = new Set<Promise<void>>();

  constructor(
    readonly context: MessagingContext,
    private seq: number = 0,
  ) {}

  get sequence(): number {
    return this.seq;
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  setOptOuts(optOuts: MessagingContext['optOuts']): void {
    this.context.optOuts = [...optOuts];
  }

  /**
   * Quiet hours: a message due outside the recipient's sending window is moved to the window's
   * next opening. Returns true when the item was deferred.
   */
  deferForQuietHours<K extends string>(item: AgendaItem<K>, scheduler: Scheduler<K>): boolean {
    const now = Date.now();
    const sendable = nextSendableInstant(now, this.context.recipient.timezone, this.context.quietHours);
    if (sendable <= now) return false;
    const summary = item.summary.endsWith('(quiet hours)') ? item.summary : `${item.summary} (quiet hours)`;
    scheduler.agenda.schedule({ ...item, dueAt: sendable, summary });
    return true;
  }

  /** Drafts a message; it is recorded (and handed to the tenant's channel) with the next flush. */
  send(kind: TemplateKey | ContractTemplateKey, vars: Record<string, string>): void {
    const template = this.context.templates[kind];
    if (!template) throw new Error(`no template ${kind} in this lifecycle's playbook`);
    const { recipient } = this.context;
    const optedOut = template.purpose === 'marketing' && this.context.optOuts.includes(template.channel);
    this.messages.push({
      messageId: uuid4(),
      kind,
      template,
      vars: { name: recipient.name, business: this.context.business, ...vars },
      recipient: (template.channel === 'sms' ? recipient.phone : recipient.email) ?? null,
      at: new Date().toISOString(),
      seq: this.nextSeq(),
      ...(optedOut ? { suppressedReason: `customer opted out of ${template.channel} marketing` } : {}),
    });
  }

  /** An action for the timeline, written with the next flush. */
  note(type: string, summary: string, data: Record<string, unknown> = {}): void {
    this.entries.push({ id: `act:${uuid4()}`, kind: 'action', type, summary, data, occurredAt: new Date().toISOString(), seq: this.nextSeq() });
  }

  /** An accepted event for the timeline, keyed by its id (a redelivery writes nothing new). */
  event(eventId: string, type: string, summary: string, data: Record<string, unknown>): void {
    this.entries.push({ id: eventId, kind: 'event', type, summary, data, occurredAt: new Date().toISOString(), seq: this.nextSeq() });
  }

  /** Events that raced the end of a job or invoice are recorded as ignored rather than silently dropped. */
  async ignoreLateEvents(events: Array<{ type: string; eventId: string }>, why: string): Promise<void> {
    if (events.length === 0) return;
    for (const event of events) this.note('event.ignored', `${event.type} ignored: ${why}`, { eventId: event.eventId });
    await this.flush();
  }

  hasPending(): boolean {
    return this.messages.length > 0 || this.entries.length > 0;
  }

  /** Writes the step: timeline notes, messages and the given records, atomically. */
  async flush(extra: Omit<StepRecords, 'tenantId' | 'subjectType' | 'subjectId' | 'entries' | 'messages'> = {}, summary?: string): Promise<void> {
    const messages = this.messages;
    const entries = this.entries;
    this.messages = [];
    this.entries = [];
    const label = summary ?? (messages.length ? `send ${messages.map((m) => m.kind).join(', ')}` : 'record progress');
    const { deliver } = await records.recordProgress.executeWithOptions({ ...recordOptions, summary: label }, [
      { tenantId: this.context.tenantId, ...this.context.subject, entries, messages, ...extra },
    ]);
    for (const messageId of deliver) this.startDelivery(messageId);
  }

  private startDelivery(messageId: string): void {
    const done: Promise<void> = delivery.deliverMessage
      .executeWithOptions({ ...deliveryOptions, summary: `deliver message ${messageId.slice(0, 8)} to the tenant's webhook` }, [
        { tenantId: this.context.tenantId, messageId, maxAttempts: MAX_DELIVERY_ATTEMPTS },
      ])
      .then(
        () => undefined,
        // The activity records its own final failure; the lifecycle goes on either way.
        () => undefined,
      )
      .finally(() => this.deliveries.delete(done));
    this.deliveries.add(done);
  }

  /** Waits for deliveries still in flight: before continue-as-new or the end of the workflow. */
  async settle(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.all([...this.deliveries]);
  }
}
