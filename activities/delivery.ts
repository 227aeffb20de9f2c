import { Context } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
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
  const targets = deps.webhookTargets ?? 'public';
  return {
    /**
     * POSTs one outbox message, signed, to the tenant's webhook. Each failed attempt is counted on
     * the message and thrown so Temporal retries with backoff; the last allowed attempt records the
     * message as failed instead. Already delivered (a retry after success) is a no-op.
     */
    async deliverMessage(input: { tenantId: string; messageId: string; maxAttempts: number }): Promise<{ status: 'delivered' | 'failed' | 'skipped' }> {
      const { db } = deps;
      const where = and(eq(messages.tenantId, input.tenantId), eq(messages.id, input.messageId));
      const [message] = await db.select().from(messages).where(where);
      if (!message || message.status !== 'pending') return { status: 'skipped' };
      const [settings] = await db.select().from(messagingSettings).where(eq(messagingSettings.tenantId, input.tenantId));
      const info = Context.current().info;
      // The workflow passes its retry policy's attempt limit: the last attempt records the failure.
      const lastAttempt = info.attempt >= input.maxAttempts;

      let failure: string | undefined;
      if (settings?.transport === 'smtp' && message.channel === 'email') {
        const outcome = await deliverEmail(deps, settings, message);
        if (outcome.kind === 'accepted') {
          await db.transaction(async (tx) => {
            await tx.update(messages).set({ status: 'delivered', statusReason: outcome.response.slice(0, 300), attempts: info.attempt, deliveredAt: new Date() }).where(where);
            await recordOutcome(tx as unknown as Database, message, 'delivered', `${message.kind} delivered to ${message.recipient} by email`);
          });
          return { status: 'delivered' };
        }
        if (outcome.kind === 'bounced') {
          // A hard bounce: the address will refuse every retry. Recorded at once, and in the ledger.
          const reason = `bounced: ${outcome.reason}`;
          await db.transaction(async (tx) => {
            await tx.update(messages).set({ attempts: info.attempt, statusReason: reason, status: 'failed' }).where(where);
            await recordOutcome(tx as unknown as Database, message, 'bounced', `${message.kind} to ${message.recipient} bounced: ${outcome.reason}`);
            await recordUndeliverable(tx as unknown as Database, message, reason, info.workflowExecution?.workflowId);
          });
          return { status: 'failed' };
        }
        failure = `SMTP: ${outcome.reason}`;
      } else if (!settings?.webhookUrl || !settings.webhookSecret) {
        failure = 'no webhook configured for this tenant';
      } else {
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
          const secret = deps.secrets.open(settings.webhookSecret, sealedIn.messagingWebhookSecret(input.tenantId));
          const headers = {
            'Content-Type': 'application/json',
            'Revloop-Signature': signPayload(secret, body, Math.floor(Date.now() / 1000)),
            'Revloop-Message-Id': message.id,
          };
          const { status } = await postToWebhook(settings.webhookUrl, headers, body, { targets, timeoutMs: TIMEOUT_MS });
          // A redirect is an answer, not a new address to try: the tenant's URL is the one it gave.
          if (status < 200 || status >= 300) failure = `webhook answered ${status}`;
        } catch (error) {
          failure = deliveryFailure(error);
          // An address refused now is refused on every retry: say so at once.
          if (isRefusedTarget(error)) {
            await db.transaction(async (tx) => {
              await tx.update(messages).set({ attempts: info.attempt, statusReason: failure, status: 'failed' }).where(where);
              await recordOutcome(tx as unknown as Database, message, 'failed', `${message.kind} (${message.channel}) could not be delivered: ${failure!.slice(0, 200)}`);
              await recordUndeliverable(tx as unknown as Database, message, failure!, info.workflowExecution?.workflowId);
            });
            return { status: 'failed' };
          }
        }
      }

      if (!failure) {
        await db.transaction(async (tx) => {
          await tx.update(messages).set({ status: 'delivered', statusReason: null, attempts: info.attempt, deliveredAt: new Date() }).where(where);
          await recordOutcome(tx as unknown as Database, message, 'delivered', `${message.kind} delivered to the tenant's webhook`);
        });
        return { status: 'delivered' };
      }
      await db.transaction(async (tx) => {
        await tx
          .update(messages)
          .set({ attempts: info.attempt, statusReason: failure, ...(lastAttempt ? { status: 'failed' as const } : {}) })
          .where(where);
        if (lastAttempt) {
          await recordOutcome(tx as unknown as Database, message, 'failed', `${message.kind} (${message.channel}) could not be delivered: ${failure!.slice(0, 200)}`);
          await recordUndeliverable(tx as unknown as Database, message, failure!, info.workflowExecution?.workflowId);
        }
      });
      if (lastAttempt) return { status: 'failed' };
      throw new Error(failure);
    },
  };
}

type Message = typeof messages.$inferSelect;
type Settings = typeof messagingSettings.$inferSelect;

/** One email: the template's text as the plain part, the same escaped as HTML, an unsubscribe link in both. */
async function deliverEmail(deps: DeliveryDependencies, settings: Settings, message: Message) {
  if (!settings.smtp) return { kind: 'deferred' as const, reason: 'SMTP is chosen but not configured' };
  if (!message.recipient) return { kind: 'bounced' as const, reason: 'the customer has no email address' };
  const token = unsubscribeToken(deps.secrets, { tenantId: message.tenantId, subjectType: message.subjectType, subjectId: message.subjectId, channel: 'email' });
  const unsubscribeUrl = `${(deps.publicUrl ?? 'http://localhost:3000').replace(/\/$/, '')}/v1/unsubscribe?token=${token}`;
  const password = settings.smtpPassword ? deps.secrets.open(settings.smtpPassword, sealedIn.smtpPassword(message.tenantId)) : undefined;
  const [subject, ...rest] = message.body.split('\n');
  const body = rest.join('\n').trim() || message.body;
  return sendEmail(settings.smtp, password, {
    to: message.recipient,
    subject: rest.length && subject!.length <= 120 ? subject! : subjectOf(message.kind),
    text: `${body}\n\nUnsubscribe: ${unsubscribeUrl}\n`,
    html: htmlBody(body, unsubscribeUrl),
    unsubscribeUrl,
    messageId: `<${message.id.replace(/[^A-Za-z0-9._-]/g, '.')}@revloop>`,
  });
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
