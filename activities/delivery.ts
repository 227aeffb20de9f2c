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
     * POSTs one outbox message, signed, to the tenant's webhook. Each failed attempt is counted on
     * the message and thrown so Temporal retries with backoff; the last allowed attempt records the
     * message as failed instead. Already delivered (a retry after success) is a no-op.
     */
    async deliverMessage(input: { tenantId: string; messageId: string; maxAttempts: number }): Promise<{ status: 'delivered' | 'failed' | 'skipped' }> {
      const { db } = deps;
      const load = async (id: string) => (await db.select().from(messages).where(and(eq(messages.tenantId, input.tenantId), eq(messages.id, id))))[0];
      let message = await load(input.messageId);
      // A retry after an email bounced and fell back to SMS goes on with the SMS.
      if (message?.status === 'failed' && message.channel === 'email') message = await load(fallbackIdOf(message.id));
      if (!message || message.status !== 'pending') return { status: 'skipped' };
      const [settings] = await db.select().from(messagingSettings).where(eq(messagingSettings.tenantId, input.tenantId));
      const info = Context.current().info;
      // The workflow passes its retry policy's attempt limit: the last attempt records the failure.
      const lastAttempt = info.attempt >= input.maxAttempts;
      const whereOf = (m: Message) => and(eq(messages.tenantId, m.tenantId), eq(messages.id, m.id));

      let failure: string | undefined;
      if (settings?.transport === 'smtp' && message.channel === 'email') {
        const outcome = await deliverEmail(deps, settings, message);
        if (outcome.kind === 'accepted') {
          const sent = message;
          await db.transaction(async (tx) => {
            await tx.update(messages).set({ status: 'delivered', statusReason: outcome.response.slice(0, 300), attempts: info.attempt, deliveredAt: new Date() }).where(whereOf(sent));
            await recordOutcome(tx as unknown as Database, sent, 'delivered', `${sent.kind} delivered to ${sent.recipient} by email`);
          });
          return { status: 'delivered' };
        }
        if (outcome.kind === 'bounced') {
          // A hard bounce: the address will refuse every retry. Recorded at once; the message goes
          // by SMS instead where the customer has a number, has not opted out of texts, and the
          // tenant has a webhook to send texts through. Otherwise it is a row in the ledger.
          const reason = `bounced: ${outcome.reason}`;
          const bounced = message;
          const fallback = settings.webhookUrl && settings.webhookSecret ? await smsFallbackOf(db, bounced) : undefined;
          await db.transaction(async (tx) => {
            await tx.update(messages).set({ attempts: info.attempt, statusReason: reason, status: 'failed' }).where(whereOf(bounced));
            await recordOutcome(tx as unknown as Database, bounced, 'bounced', `${bounced.kind} to ${bounced.recipient} bounced: ${outcome.reason}${fallback ? `; sent by SMS to ${fallback.recipient} instead` : ''}`);
            if (fallback) await recordFallback(tx as unknown as Database, bounced, fallback);
            else await recordUndeliverable(tx as unknown as Database, bounced, reason, info.workflowExecution?.workflowId);
          });
          if (!fallback) return { status: 'failed' };
          const next = await load(fallback.id);
          if (!next || next.status !== 'pending') return { status: 'skipped' };
          message = next;
        } else failure = `SMTP: ${outcome.reason}`;
      }
      if (!failure && !(settings?.transport === 'smtp' && message.channel === 'email')) {
        const posted = await postSigned(deps, settings, message);
        failure = posted.failure;
        // An address refused now is refused on every retry: say so at once.
        if (posted.refused) {
          const refused = message;
          await db.transaction(async (tx) => {
            await tx.update(messages).set({ attempts: info.attempt, statusReason: failure, status: 'failed' }).where(whereOf(refused));
            await recordOutcome(tx as unknown as Database, refused, 'failed', `${refused.kind} (${refused.channel}) could not be delivered: ${failure!.slice(0, 200)}`);
            await recordUndeliverable(tx as unknown as Database, refused, failure!, info.workflowExecution?.workflowId);
          });
          return { status: 'failed' };
        }
      }

      const done = message;
      if (!failure) {
        await db.transaction(async (tx) => {
          await tx.update(messages).set({ status: 'delivered', statusReason: null, attempts: info.attempt, deliveredAt: new Date() }).where(whereOf(done));
          await recordOutcome(tx as unknown as Database, done, 'delivered', `${done.kind} (${done.channel}) delivered to the tenant's webhook`);
        });
        return { status: 'delivered' };
      }
      await db.transaction(async (tx) => {
        await tx
          .update(messages)
          .set({ attempts: info.attempt, statusReason: failure, ...(lastAttempt ? { status: 'failed' as const } : {}) })
          .where(whereOf(done));
        if (lastAttempt) {
          await recordOutcome(tx as unknown as Database, done, 'failed', `${done.kind} (${done.channel}) could not be delivered: ${failure!.slice(0, 200)}`);
          await recordUndeliverable(tx as unknown as Database, done, failure!, info.workflowExecution?.workflowId);
        }
      });
      if (lastAttempt) return { status: 'failed' };
      throw new Error(failure);
    },
  };
}

type Message = typeof messages.$inferSelect;
type Settings = typeof messagingSettings.$inferSelect;

/**
 * One signed POST of a message to the tenant's webhook (their SMS bridge, their own system): why
 * it failed, if it did, and whether the address is refused for good.
 */
export async function postSigned(deps: DeliveryDependencies, settings: Settings | undefined, message: Message): Promise<{ failure?: string; refused?: boolean }> {
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
    return status >= 200 && status < 300 ? {} : { failure: `webhook answered ${status}` };
  } catch (error) {
    return { failure: deliveryFailure(error), refused: isRefusedTarget(error) };
  }
}

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

/** The text standing in for a bounced email, and the timeline entry that says it was sent, once. */
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
      summary: `${fallback.kind} sent by sms: the email to ${bounced.recipient} bounced`,
      data: { messageId: fallback.id, kind: fallback.kind, channel: 'sms', purpose: fallback.purpose, fallbackFor: bounced.id },
      occurredAt: new Date(),
      seq: 0,
    })
    .onConflictDoNothing();
}

/** The SMS that stands in for a bounced email: its id follows from the email's, so a retry finds it. */
export const fallbackIdOf = (emailMessageId: string) => `${emailMessageId}~sms`;

/**
 * The text a bounced email becomes, when the customer can take one: a phone number on record and
 * no opt-out of texts standing on the timeline (the latest of `contact.opted_out` and
 * `contact.opted_in` for sms or all decides). The body is the email's, without its subject line.
 */
export async function smsFallbackOf(db: Database, email: Message): Promise<typeof messages.$inferInsert | undefined> {
  if (email.subjectType !== 'customer') return undefined;
  const [owner] = await db.select({ phone: customers.phone }).from(customers).where(and(eq(customers.tenantId, email.tenantId), eq(customers.id, email.subjectId)));
  if (!owner?.phone) return undefined;
  const choices = await db
    .select({ type: timelineEntries.type, data: timelineEntries.data })
    .from(timelineEntries)
    .where(and(eq(timelineEntries.tenantId, email.tenantId), eq(timelineEntries.subjectType, 'customer'), eq(timelineEntries.subjectId, email.subjectId), inArray(timelineEntries.type, ['contact.opted_out', 'contact.opted_in'])))
    .orderBy(desc(timelineEntries.position));
  const latest = choices.find((c) => c.data.channel === 'sms' || c.data.channel === 'all');
  if (latest?.type === 'contact.opted_out') return undefined;
  const { text } = emailParts(email.body, email.kind);
  return {
    tenantId: email.tenantId,
    id: fallbackIdOf(email.id),
    subjectType: email.subjectType,
    subjectId: email.subjectId,
    kind: email.kind,
    purpose: email.purpose,
    channel: 'sms',
    recipient: owner.phone,
    template: email.template,
    body: text,
    status: 'pending',
    statusReason: `the email to ${email.recipient} bounced`,
    transport: 'webhook',
    attempts: 0,
    sentAt: email.sentAt,
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
export async function recordOutcome(db: Database, message: Message, outcome: 'delivered' | 'bounced' | 'failed', summary: string): Promise<void> {
  await db
    .insert(timelineEntries)
    .values({
      tenantId: message.tenantId,
      subjectType: message.subjectType,
      subjectId: message.subjectId,
      id: `delivery:${message.id}`,
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
