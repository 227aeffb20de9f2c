import { Context } from '@temporalio/activity';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client';
import { contracts, customers, leakageEntries, messages, messagingSettings, timelineEntries } from '../db/schema';
import { sealedIn, type SecretBox } from '../db/sealed';
import { contractWorkflowId, customerWorkflowId } from '../domain/ids';
import { leakKinds } from '../domain/leakage';
import { signPayload } from '../domain/webhook-signature';
import { deliveryFailure, isRefusedTarget, postToWebhook, type WebhookTargets } from './outbound-address';
import { htmlBody, sendEmail } from './smtp';
import { unsubscribeToken } from './unsubscribe';

export interface DeliveryDependencies {
  db: Database;
  /** Opens the tenant's webhook secret, sealed at rest with the server key. */
  secrets: SecretBox;
  /** Which addresses a tenant's webhook may reach: public ones only unless the operator says `any`. */
  webhookTargets?: WebhookTargets;
  /** Where the API answers the public: unsubscribe links in emails point here (REVLOOP_PUBLIC_URL). */
  publicUrl?: string;
}

const TIMEOUT_MS = 10_000;

export function createDeliveryActivities(deps: DeliveryDependencies) {
  return {
    /**
     * Sends one outbox message: email over the tenant's SMTP server when that is its transport,
     * everything else signed to its webhook. Each failed attempt is counted on the message and
     * thrown so Temporal retries with backoff; the last allowed attempt records the message as
     * failed instead. A recipient who can never take it on this channel (a hard bounce) fails it
     * at once and sends it on the customer's other channel where they have one. Already
     * delivered (a retry after success) is a no-op.
     */
    async deliverMessage(input: { tenantId: string; messageId: string; maxAttempts: number }): Promise<{ status: 'delivered' | 'failed' | 'skipped' }> {
      const { db } = deps;
      const load = async (id: string) => (await db.select().from(messages).where(and(eq(messages.tenantId, input.tenantId), eq(messages.id, id))))[0];
      let message = await load(input.messageId);
      // A retry after the message bounced and fell back to the other channel goes on with that.
      if (message?.status === 'failed' && otherChannel(message)) message = (await load(fallbackIdOf(message.id, message.channel))) ?? message;
      if (!message || message.status !== 'pending') return { status: 'skipped' };
      const [settings] = await db.select().from(messagingSettings).where(eq(messagingSettings.tenantId, input.tenantId));
      const info = Context.current().info;
      // The workflow passes its retry policy's attempt limit: the last attempt records the failure.
      const lastAttempt = info.attempt >= input.maxAttempts;
      const sender = info.workflowExecution?.workflowId;

      for (;;) {
        const sent = message;
        const attempt = await attemptDelivery(deps, settings, sent);
        if (attempt.kind === 'delivered') {
          await recordDelivered(db, sent, attempt, info.attempt);
          return { status: 'delivered' };
        }
        if (attempt.kind === 'bounced') {
          // The recipient will refuse every retry: recorded at once, and sent on the other channel
          // where the customer can take it, or else a row in the ledger.
          const fallback = await fallbackOf(db, sent, settings);
          await recordBounce(db, sent, { attempts: info.attempt, statusReason: `bounced: ${attempt.reason}`, summary: `${sent.kind} to ${sent.recipient} bounced: ${attempt.reason}` }, fallback, sender);
          if (!fallback) return { status: 'failed' };
          const next = await load(fallback.id);
          if (!next || next.status !== 'pending') return { status: 'skipped' };
          message = next;
          continue;
        }
        // An address refused now is refused on every retry: say so at once.
        if (attempt.kind === 'refused' || lastAttempt) {
          await recordFailed(db, sent, attempt.failure, info.attempt, sender);
          return { status: 'failed' };
        }
        await db.update(messages).set({ attempts: info.attempt, statusReason: attempt.failure }).where(whereOf(sent));
        throw new Error(attempt.failure);
      }
    },
  };
}

const whereOf = (m: Message) => and(eq(messages.tenantId, m.tenantId), eq(messages.id, m.id));

/** What one try at sending a message came to. */
export type Attempt =
  | { kind: 'delivered'; summary: string; statusReason: string | null }
  /** The recipient can never take it on this channel (an SMTP 5xx; the webhook's 410 or 422). */
  | { kind: 'bounced'; reason: string }
  /** The tenant's webhook address is refused for good. */
  | { kind: 'refused'; failure: string }
  /** Worth another try. */
  | { kind: 'failed'; failure: string };

/** One try: email over SMTP when that is the tenant's transport, anything else to its webhook. */
export async function attemptDelivery(deps: DeliveryDependencies, settings: Settings | undefined, message: Message): Promise<Attempt> {
  if (settings?.transport === 'smtp' && message.channel === 'email') {
    const outcome = await deliverEmail(deps, settings, message);
    if (outcome.kind === 'accepted') return { kind: 'delivered', statusReason: outcome.response.slice(0, 300), summary: `${message.kind} delivered to ${message.recipient} by email` };
    if (outcome.kind === 'bounced') return { kind: 'bounced', reason: outcome.reason };
    return { kind: 'failed', failure: `SMTP: ${outcome.reason}` };
  }
  const posted = await postSigned(deps, settings, message);
  if (posted.unreachable) return { kind: 'bounced', reason: `the webhook answered ${posted.unreachable}: this ${message.channel === 'sms' ? 'number' : 'address'} cannot take it` };
  if (posted.failure) return posted.refused ? { kind: 'refused', failure: posted.failure } : { kind: 'failed', failure: posted.failure };
  return { kind: 'delivered', statusReason: null, summary: `${message.kind} (${message.channel}) delivered to the tenant's webhook` };
}

/** A message delivered: its row says so, and its subject's timeline. */
export async function recordDelivered(db: Database, message: Message, attempt: Extract<Attempt, { kind: 'delivered' }>, attempts: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(messages).set({ status: 'delivered', statusReason: attempt.statusReason, attempts, deliveredAt: new Date() }).where(whereOf(message));
    await recordOutcome(tx as unknown as Database, message, 'delivered', attempt.summary);
  });
}

/** A message that will not arrive: failed, said so on the timeline (as `message.failed` or `message.bounced`), and a row in the ledger. */
export async function recordFailed(db: Database, message: Message, failure: string, attempts: number, sender: string | undefined, outcome: 'failed' | 'bounced' = 'failed'): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(messages).set({ attempts, statusReason: failure, status: 'failed' }).where(whereOf(message));
    await recordOutcome(tx as unknown as Database, message, outcome, `${message.kind} (${message.channel}) could not be delivered: ${failure.slice(0, 200)}`);
    await recordUndeliverable(tx as unknown as Database, message, failure, sender);
  });
}

/**
 * A hard bounce, once: the message failed, its timeline says so (and where it went instead), and
 * either the stand-in on the other channel is written or the ledger has an undeliverable row.
 */
export async function recordBounce(
  db: Database,
  bounced: Message,
  how: { attempts?: number; statusReason: string; summary: string; timelineId?: string; onlyIfStatus?: Message['status'] },
  fallback: typeof messages.$inferInsert | undefined,
  sender: string | undefined,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const changed = await tx
      .update(messages)
      .set({ status: 'failed', statusReason: how.statusReason, ...(how.attempts !== undefined ? { attempts: how.attempts } : {}) })
      .where(how.onlyIfStatus ? and(whereOf(bounced), eq(messages.status, how.onlyIfStatus)) : whereOf(bounced))
      .returning({ id: messages.id });
    // Only the first report of a bounce changes anything.
    if (changed.length === 0) return false;
    const instead = fallback ? `; sent by ${fallback.channel === 'sms' ? 'SMS' : 'email'} to ${fallback.recipient} instead` : '';
    await recordOutcome(tx as unknown as Database, bounced, 'bounced', `${how.summary}${instead}`, how.timelineId);
    if (fallback) await recordFallback(tx as unknown as Database, bounced, fallback);
    else await recordUndeliverable(tx as unknown as Database, bounced, how.statusReason, sender);
    return true;
  });
}

type Message = typeof messages.$inferSelect;
type Settings = typeof messagingSettings.$inferSelect;

/**
 * One signed POST of a message to the tenant's webhook (their SMS bridge, their own system): why
 * it failed, if it did; whether the address is refused for good; and whether the bridge said the
 * recipient can never take it (410 or 422: a landline, an invalid number, a carrier block).
 */
export async function postSigned(deps: DeliveryDependencies, settings: Settings | undefined, message: Message): Promise<{ failure?: string; refused?: boolean; unreachable?: number }> {
  if (!settings?.webhookUrl || !settings.webhookSecret) return { failure: 'no webhook configured for this tenant' };
  const body = JSON.stringify({
    id: message.id,
    kind: message.kind,
    purpose: message.purpose,
    channel: message.channel,
    recipient: message.recipient,
    body: message.body,
    subject: { type: message.subjectType, id: message.subjectId },
    sentAt: message.sentAt.toISOString(),
  });
  try {
    const secret = deps.secrets.open(settings.webhookSecret, sealedIn.messagingWebhookSecret(message.tenantId));
    const headers = {
      'Content-Type': 'application/json',
      'Revloop-Signature': signPayload(secret, body, Math.floor(Date.now() / 1000)),
      'Revloop-Message-Id': message.id,
    };
    const { status } = await postToWebhook(settings.webhookUrl, headers, body, { targets: deps.webhookTargets ?? 'public', timeoutMs: TIMEOUT_MS });
    // A redirect is an answer, not a new address to try: the tenant's URL is the one it gave.
    if (status >= 200 && status < 300) return {};
    return UNREACHABLE_RECIPIENT.has(status) ? { failure: `webhook answered ${status}`, unreachable: status } : { failure: `webhook answered ${status}` };
  } catch (error) {
    return { failure: deliveryFailure(error), refused: isRefusedTarget(error) };
  }
}

/** The webhook's answers that mean "this recipient, never": the message bounces instead of being retried. */
const UNREACHABLE_RECIPIENT = new Set([410, 422]);

/**
 * The Message-ID an email carries: the message's own id, base64url so that any id survives the
 * header, and a bounce reported later (a delivery-status notice) names the message exactly.
 */
export const emailMessageId = (messageId: string) => `<${Buffer.from(messageId, 'utf8').toString('base64url')}@revloop>`;

/** The message a Message-ID names (as `emailMessageId` wrote it), or the text as given when it is a plain id. */
export function messageIdFromEmail(header: string): string {
  const m = /^<?([A-Za-z0-9_-]+)@revloop>?$/.exec(header.trim());
  return m ? Buffer.from(m[1]!, 'base64url').toString('utf8') : header.trim();
}

/** The message standing in for a bounced one, and the timeline entry that says it was sent, once. */
export async function recordFallback(db: Database, bounced: Message, fallback: typeof messages.$inferInsert): Promise<void> {
  await db.insert(messages).values(fallback).onConflictDoNothing();
  await db
    .insert(timelineEntries)
    .values({
      tenantId: fallback.tenantId,
      subjectType: fallback.subjectType,
      subjectId: fallback.subjectId,
      id: `msg:${fallback.id}`,
      kind: 'action',
      type: 'message.sent',
      summary: `${fallback.kind} sent by ${fallback.channel}: the ${bounced.channel === 'sms' ? 'text' : 'email'} to ${bounced.recipient} bounced`,
      data: { messageId: fallback.id, kind: fallback.kind, channel: fallback.channel, purpose: fallback.purpose, fallbackFor: bounced.id },
      occurredAt: new Date(),
      seq: 0,
    })
    .onConflictDoNothing();
}

/**
 * The channel a bounced message goes on instead: an email becomes a text, a text an email. A
 * stand-in (its id ends `~sms` or `~email`) has no stand-in of its own.
 */
export function otherChannel(message: Pick<Message, 'id' | 'channel'>): 'sms' | 'email' | undefined {
  if (/~(sms|email)$/.test(message.id)) return undefined;
  return message.channel === 'email' ? 'sms' : message.channel === 'sms' ? 'email' : undefined;
}

/** The stand-in for a bounced message: its id follows from the message's, so a retry finds it. */
export const fallbackIdOf = (messageId: string, channel: string) => `${messageId}~${channel === 'email' ? 'sms' : 'email'}`;

/**
 * What a bounced message becomes, when the customer can take it on the other channel: a phone
 * number (for a text) or an address (for an email) on record, no opt-out of that channel standing
 * on the timeline (the latest of `contact.opted_out` and `contact.opted_in` for it or all
 * decides), and a way for the tenant to send it: texts through the webhook, email through SMTP
 * when that is the transport or else the webhook. A text is the email's body without its subject
 * line; an email of a text has the text as its body.
 */
export async function fallbackOf(db: Database, message: Message, settings: Settings | undefined): Promise<typeof messages.$inferInsert | undefined> {
  const channel = otherChannel(message);
  if (!channel || message.subjectType !== 'customer') return undefined;
  const webhook = Boolean(settings?.webhookUrl && settings.webhookSecret);
  const transport = channel === 'email' && settings?.transport === 'smtp' && settings.smtp ? 'smtp' : webhook ? 'webhook' : undefined;
  if (!transport) return undefined;
  const [owner] = await db.select({ phone: customers.phone, email: customers.email }).from(customers).where(and(eq(customers.tenantId, message.tenantId), eq(customers.id, message.subjectId)));
  const recipient = channel === 'sms' ? owner?.phone : owner?.email;
  if (!recipient) return undefined;
  const choices = await db
    .select({ type: timelineEntries.type, data: timelineEntries.data })
    .from(timelineEntries)
    .where(and(eq(timelineEntries.tenantId, message.tenantId), eq(timelineEntries.subjectType, 'customer'), eq(timelineEntries.subjectId, message.subjectId), inArray(timelineEntries.type, ['contact.opted_out', 'contact.opted_in'])))
    .orderBy(desc(timelineEntries.position));
  const latest = choices.find((c) => c.data.channel === channel || c.data.channel === 'all');
  if (latest?.type === 'contact.opted_out') return undefined;
  return {
    tenantId: message.tenantId,
    id: fallbackIdOf(message.id, message.channel),
    subjectType: message.subjectType,
    subjectId: message.subjectId,
    kind: message.kind,
    purpose: message.purpose,
    channel,
    recipient,
    template: message.template,
    body: channel === 'sms' ? emailParts(message.body, message.kind).text : message.body,
    status: 'pending',
    statusReason: `the ${message.channel === 'sms' ? 'text' : 'email'} to ${message.recipient} bounced`,
    transport,
    attempts: 0,
    sentAt: message.sentAt,
  };
}

/** One email: the template's text as the plain part, the same escaped as HTML, an unsubscribe link in both. */
async function deliverEmail(deps: DeliveryDependencies, settings: Settings, message: Message) {
  if (!settings.smtp) return { kind: 'deferred' as const, reason: 'SMTP is chosen but not configured' };
  if (!message.recipient) return { kind: 'bounced' as const, reason: 'the customer has no email address' };
  const token = unsubscribeToken(deps.secrets, { tenantId: message.tenantId, subjectType: message.subjectType, subjectId: message.subjectId, channel: 'email' });
  const unsubscribeUrl = `${(deps.publicUrl ?? 'http://localhost:3000').replace(/\/$/, '')}/v1/unsubscribe?token=${token}`;
  const password = settings.smtpPassword ? deps.secrets.open(settings.smtpPassword, sealedIn.smtpPassword(message.tenantId)) : undefined;
  const { subject, text } = emailParts(message.body, message.kind);
  return sendEmail(settings.smtp, password, {
    to: message.recipient,
    subject,
    text: `${text}\n\nUnsubscribe: ${unsubscribeUrl}\n`,
    html: htmlBody(text, unsubscribeUrl),
    unsubscribeUrl,
    messageId: emailMessageId(message.id),
  });
}

/**
 * A template's first line is the email's subject when more follows and it is short enough to be
 * one; otherwise the subject comes from the kind and the whole text is the body.
 */
export function emailParts(body: string, kind: string): { subject: string; text: string } {
  const [first, ...rest] = body.split('\n');
  const text = rest.join('\n').trim();
  return text && first!.length <= 120 ? { subject: first!, text } : { subject: subjectOf(kind), text: body };
}

/** "inquiry.follow_up" → "Inquiry follow up": a subject when the template gives none. */
function subjectOf(kind: string): string {
  const words = kind.replace(/[._]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * What became of a message, on its subject's timeline (`message.delivered`, `message.bounced`,
 * `message.failed`), keyed by the message: a retried delivery writes it once.
 */
export async function recordOutcome(db: Database, message: Message, outcome: 'delivered' | 'bounced' | 'failed', summary: string, id = `delivery:${message.id}`): Promise<void> {
  await db
    .insert(timelineEntries)
    .values({
      tenantId: message.tenantId,
      subjectType: message.subjectType,
      subjectId: message.subjectId,
      id,
      kind: 'action',
      type: `message.${outcome}`,
      summary,
      data: { messageId: message.id, channel: message.channel, kind: message.kind },
      occurredAt: new Date(),
      seq: 0,
    })
    .onConflictDoNothing();
}

/**
 * A message that never reached the customer is a row in the leakage ledger (counted, not valued:
 * what it was for is at stake in its own row), keyed by the message, so a retry writes it once.
 */
export async function recordUndeliverable(db: Database, message: typeof messages.$inferSelect, failure: string, sender: string | undefined): Promise<boolean> {
  const customer = message.subjectType === 'customer';
  const [owner] = customer
    ? await db.select({ currency: customers.currency }).from(customers).where(and(eq(customers.tenantId, message.tenantId), eq(customers.id, message.subjectId)))
    : await db.select({ currency: contracts.currency }).from(contracts).where(and(eq(contracts.tenantId, message.tenantId), eq(contracts.id, message.subjectId)));
  const workflowId = sender ?? (customer ? customerWorkflowId(message.tenantId, message.subjectId) : contractWorkflowId(message.tenantId, message.subjectId));
  const now = new Date();
  const added = await db
    .insert(leakageEntries)
    .values({
      tenantId: message.tenantId,
      subjectType: message.subjectType,
      subjectId: message.subjectId,
      id: `leak:message_undeliverable:${message.id}`,
      kind: 'message_undeliverable',
      step: leakKinds.message_undeliverable.step,
      status: 'lost',
      occurredAt: message.sentAt,
      currency: owner?.currency ?? 'USD',
      atStake: 0,
      estimated: false,
      recovered: 0,
      lost: 0,
      resolvedAt: now,
      ref: message.kind,
      summary: `${message.kind} (${message.channel}) could not be delivered: ${failure.slice(0, 200)}`,
      workflowId,
      detail: { messageId: message.id, channel: message.channel },
    })
    .onConflictDoNothing()
    .returning({ id: leakageEntries.id });
  return added.length > 0;
}
