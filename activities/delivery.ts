import { Context } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { contracts, customers, leakageEntries, messages, messagingSettings } from '../db/schema';
import { sealedIn, type SecretBox } from '../db/sealed';
import { contractWorkflowId, customerWorkflowId } from '../domain/ids';
import { leakKinds } from '../domain/leakage';
import { signPayload } from '../domain/webhook-signature';
import { deliveryFailure, isRefusedTarget, postToWebhook, type WebhookTargets } from './outbound-address';

export interface DeliveryDependencies {
  db: Database;
  /** Opens the tenant's webhook secret, sealed at rest with the server key. */
  secrets: SecretBox;
  /** Which addresses a tenant's webhook may reach: public ones only unless the operator says `any`. */
  webhookTargets?: WebhookTargets;
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
      if (!settings?.webhookUrl || !settings.webhookSecret) {
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
              await recordUndeliverable(tx as unknown as Database, message, failure!, info.workflowExecution?.workflowId);
            });
            return { status: 'failed' };
          }
        }
      }

      if (!failure) {
        await db.update(messages).set({ status: 'delivered', statusReason: null, attempts: info.attempt, deliveredAt: new Date() }).where(where);
        return { status: 'delivered' };
      }
      await db.transaction(async (tx) => {
        await tx
          .update(messages)
          .set({ attempts: info.attempt, statusReason: failure, ...(lastAttempt ? { status: 'failed' as const } : {}) })
          .where(where);
        if (lastAttempt) await recordUndeliverable(tx as unknown as Database, message, failure!, info.workflowExecution?.workflowId);
      });
      if (lastAttempt) return { status: 'failed' };
      throw new Error(failure);
    },
  };
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
