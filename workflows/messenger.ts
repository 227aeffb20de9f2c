import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { MessageDraft } from '../activities/messages';
import type { StepRecords } from '../activities/records';
import type { TimelineEntryInput } from '../activities/timeline';
import { nextSendableInstant, type QuietHours } from '../domain/local-time';
import type { ContractTemplateKey } from '../playbooks/b2b-schema';
import type { MessageTemplate, TemplateKey } from '../playbooks/schema';
import type { AgendaItem } from './agenda';
import type { StepWrites } from './lifecycle/versions';
import { causeOf } from './agenda';
import type { LeakLedger } from './lifecycle/leak-ledger';
import { writeStep } from './lifecycle/step-writes';
import type { Scheduler } from './scheduler';

/** Who a lifecycle talks to and how: what every workflow that sends messages needs to know. */
/** Every template a lifecycle may send. */
export type AnyTemplateKey = TemplateKey | ContractTemplateKey;

/** Who and how a lifecycle writes to; `K`, the templates it may send (a child carries only its own). */
export interface MessagingContext<K extends string = AnyTemplateKey> {
  tenantId: string;
  subject: { subjectType: 'customer' | 'contract'; subjectId: string };
  recipient: { name: string; phone?: string; email?: string; timezone: string };
  business: string;
  quietHours: QuietHours | null;
  templates: Partial<Record<K, MessageTemplate>>;
  /** Marketing messages on these channels are suppressed; transactional ones still go. */
  optOuts: Array<'sms' | 'email' | 'call'>;
}

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

export interface MessengerOptions {
  /** How the step's rows are written: see `lifecycle/step-writes.ts`. */
  writes: StepWrites;
  /** Running sequence of timeline entries, carried across continue-as-new (ordering only). */
  seq?: number;
  /**
   * Names this workflow inside the subject's rows (`job:J-7/`), so a job's causes never meet its
   * customer's: both write to the customer's timeline and outbox.
   */
  causePrefix?: string;
  /** The workflow's part of the leakage ledger: its changed rows go with every step write. */
  ledger?: LeakLedger;
}

/**
 * Drafts messages from templates (honouring opt-outs and quiet hours), collects timeline notes,
 * and writes a step's records. Every row gets an id derived from what caused it, the event id or
 * the agenda item's key and due time (`cause`), and the kind of row: a step redone for whatever
 * reason computes the same ids and its upserts land on the same rows. Channels that deliver
 * (webhook) get a delivery activity per message, tracked so the workflow can wait for them
 * before it ends.
 */
/**
 * The templates of `context` a child sends, and no others: a job's or invoice's input carries
 * these rather than the playbook's every template (which made each child start ~4 KB in the
 * parent's history). Only the payload changes, which replay does not compare.
 */
export function messagingFor<K extends AnyTemplateKey>(context: MessagingContext, keys: readonly K[]): MessagingContext<K> {
  const templates: Partial<Record<K, MessageTemplate>> = {};
  for (const key of keys) {
    const template = context.templates[key];
    if (template) templates[key] = template;
  }
  return { ...context, templates };
}

export class Messenger<K extends AnyTemplateKey = AnyTemplateKey> {
  private messages: MessageDraft[] = [];
  private entries: TimelineEntryInput[] = [];
  private readonly deliveries = new Set<Promise<void>>();
  /** Row keys used in this step: the second note of a kind for one cause is `#2`. */
  private used = new Map<string, number>();
  private seq: number;
  /** What the lifecycle is handling now (an event id, an agenda item's cause); set by the lifecycle. */
  cause: string | undefined;

  constructor(
    readonly context: MessagingContext<K>,
    private readonly options: MessengerOptions,
  ) {
    this.seq = options.seq ?? 0;
  }

  get sequence(): number {
    return this.seq;
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Handles `item` under its own cause, which survives quiet-hours deferrals. */
  causedBy(item: AgendaItem): void {
    this.cause = causeOf(item);
  }

  /**
   * The key of a row: this workflow's prefix, the cause (or, for what no event or item caused,
   * the workflow time of the step) and the row's kind, numbered when a cause makes several.
   */
  private rowKey(kind: string, cause: string | undefined): string {
    const base = `${this.options.causePrefix ?? ''}${cause ?? `@${Date.now()}`}|${kind}`;
    const n = (this.used.get(base) ?? 0) + 1;
    this.used.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  }

  setOptOuts(optOuts: MessagingContext['optOuts']): void {
    this.context.optOuts = [...optOuts];
  }

  /**
   * Quiet hours: a message due outside the recipient's sending window is moved to the window's
   * next opening, keeping its cause. Returns true when the item was deferred.
   */
  deferForQuietHours<K extends string>(item: AgendaItem<K>, scheduler: Scheduler<K>): boolean {
    const now = Date.now();
    const sendable = nextSendableInstant(now, this.context.recipient.timezone, this.context.quietHours);
    if (sendable <= now) return false;
    const summary = item.summary.endsWith('(quiet hours)') ? item.summary : `${item.summary} (quiet hours)`;
    scheduler.agenda.schedule({ ...item, dueAt: sendable, summary, cause: causeOf(item) });
    return true;
  }

  /** The customer opted out of the channel this (marketing) message would go on: it would be recorded suppressed. */
  suppresses(kind: K): boolean {
    const template = this.context.templates[kind];
    return template !== undefined && template.purpose === 'marketing' && this.context.optOuts.includes(template.channel);
  }

  /** Drafts a message; it is recorded (and handed to the tenant's channel) with the next flush. */
  send(kind: K, vars: Record<string, string>, cause = this.cause): void {
    const template = this.context.templates[kind];
    if (!template) throw new Error(`no template ${kind} in this lifecycle's playbook`);
    const { recipient, subject } = this.context;
    const optedOut = template.purpose === 'marketing' && this.context.optOuts.includes(template.channel);
    this.messages.push({
      // Message ids are unique per tenant: the subject is part of them.
      messageId: `${subject.subjectType}:${subject.subjectId}:${this.rowKey(kind, cause)}`,
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
  note(type: string, summary: string, data: Record<string, unknown> = {}, cause = this.cause): void {
    this.entries.push({ id: `act:${this.rowKey(type, cause)}`, kind: 'action', type, summary, data, occurredAt: new Date().toISOString(), seq: this.nextSeq() });
  }

  /** An accepted event for the timeline, keyed by its id: the row that says it was applied. */
  event(eventId: string, type: string, summary: string, data: Record<string, unknown>): void {
    this.entries.push({ id: eventId, kind: 'event', type, summary, data, occurredAt: new Date().toISOString(), seq: this.nextSeq() });
  }

  /** Events that raced the end of a job or invoice are recorded as ignored rather than silently dropped. */
  async ignoreLateEvents(events: Array<{ type: string; eventId: string }>, why: string): Promise<void> {
    if (events.length === 0) return;
    for (const event of events) this.note('event.ignored', `${event.type} ignored: ${why}`, { eventId: event.eventId }, event.eventId);
    await this.flush();
  }

  hasPending(): boolean {
    return this.messages.length > 0 || this.entries.length > 0 || (this.options.ledger?.hasChanges() ?? false);
  }

  /** Writes the step: timeline notes, messages and the given records, atomically. */
  async flush(extra: Omit<StepRecords, 'tenantId' | 'subjectType' | 'subjectId' | 'entries' | 'messages'> = {}, summary?: string): Promise<void> {
    const messages = this.messages;
    const entries = this.entries;
    this.messages = [];
    this.entries = [];
    this.used = new Map();
    this.cause = undefined;
    const label = summary ?? (messages.length ? `send ${messages.map((m) => m.kind).join(', ')}` : 'record progress');
    const version = this.nextSeq();
    const leaks = this.options.ledger?.take() ?? [];
    const records: StepRecords = { tenantId: this.context.tenantId, ...this.context.subject, version, entries, messages, ...extra, ...(leaks.length ? { leaks } : {}) };
    const { deliver } = await writeStep(records, label, this.options.writes);
    for (const messageId of deliver) this.startDelivery(messageId);
  }

  private startDelivery(messageId: string): void {
    const done: Promise<void> = delivery.deliverMessage
      .executeWithOptions({ ...deliveryOptions, summary: `deliver ${messageId.split('|').at(-1)?.split('#')[0] ?? 'message'} to the tenant's webhook` }, [
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
