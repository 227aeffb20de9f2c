import { Context } from '@temporalio/activity';
import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { messages, messagingSettings } from '../db/schema';
import { signPayload } from '../domain/webhook-signature';

export interface DeliveryDependencies {
  db: Database;
  /** Overridable for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

const TIMEOUT_MS = 10_000;

export function createDeliveryActivities(deps: DeliveryDependencies) {
  const send = deps.fetch ?? fetch;
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
          const response = await send(settings.webhookUrl, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              'Revloop-Signature': signPayload(settings.webhookSecret, body, Math.floor(Date.now() / 1000)),
              'Revloop-Message-Id': message.id,
            },
            body,
            signal: AbortSignal.timeout(TIMEOUT_MS),
          });
          await response.arrayBuffer();
          if (!response.ok) failure = `webhook answered ${response.status}`;
        } catch (error) {
          failure = `webhook unreachable: ${(error as Error).message}`;
        }
      }

      if (!failure) {
        await db.update(messages).set({ status: 'delivered', statusReason: null, attempts: info.attempt, deliveredAt: new Date() }).where(where);
        return { status: 'delivered' };
      }
      await db
        .update(messages)
        .set({ attempts: info.attempt, statusReason: failure, ...(lastAttempt ? { status: 'failed' as const } : {}) })
        .where(where);
      if (lastAttempt) return { status: 'failed' };
      throw new Error(failure);
    },
  };
}
