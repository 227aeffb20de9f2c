import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { messages, messagingSettings, timelineEntries } from '../db/schema';
import { messageIdFromEmail, postSigned, recordFallback, recordOutcome, recordUndeliverable, smsFallbackOf, type DeliveryDependencies } from './delivery';

/**
 * Bounces that arrive after the SMTP conversation: a delivery-status notice, or an email
 * provider's bounce webhook, passed on by the tenant (`POST /v1/messaging/bounces`). A hard
 * bounce of an email Revloop sent makes it failed, says so on the timeline, and sends it as a
 * text instead where the customer can take one (one attempt to the tenant's webhook, here: the
 * delivery activity's retries are over), or else is an undeliverable row in the ledger. A soft
 * bounce (a full mailbox) is noted and changes nothing. Each is applied once, however often it
 * is reported.
 */

export interface LateBounce {
  /** The Revloop message id, or the Message-ID header the bounce quotes (`<…@revloop>`). */
  messageId: string;
  kind: 'hard' | 'soft';
  reason: string;
}

export type BounceOutcome = 'bounced' | 'fell_back_to_sms' | 'noted' | 'already_bounced' | 'not_sent' | 'unknown';

export async function recordLateBounce(deps: DeliveryDependencies, tenantId: string, bounce: LateBounce): Promise<{ messageId: string; outcome: BounceOutcome }> {
  const { db } = deps;
  const id = messageIdFromEmail(bounce.messageId);
  const where = and(eq(messages.tenantId, tenantId), eq(messages.id, id));
  const [message] = await db.select().from(messages).where(where);
  // Another tenant's message, or none: nothing is said about it.
  if (!message || message.channel !== 'email') return { messageId: bounce.messageId, outcome: 'unknown' };
  if (message.status === 'recorded' || message.status === 'suppressed') return { messageId: id, outcome: 'not_sent' };
  if (message.status === 'failed') return { messageId: id, outcome: 'already_bounced' };
  const reason = bounce.reason.slice(0, 300);
  if (bounce.kind === 'soft') {
    await db
      .insert(timelineEntries)
      .values({ tenantId, subjectType: message.subjectType, subjectId: message.subjectId, id: `soft-bounce:${id}`, kind: 'action', type: 'message.soft_bounced', summary: `${message.kind} to ${message.recipient} soft-bounced: ${reason}`, data: { messageId: id, channel: 'email', kind: message.kind }, occurredAt: new Date(), seq: 0 })
      .onConflictDoNothing();
    return { messageId: id, outcome: 'noted' };
  }
  const [settings] = await db.select().from(messagingSettings).where(eq(messagingSettings.tenantId, tenantId));
  const fallback = settings?.webhookUrl && settings.webhookSecret ? await smsFallbackOf(db, message) : undefined;
  const applied = await db.transaction(async (tx) => {
    // Only the first report of it changes the message.
    const changed = await tx.update(messages).set({ status: 'failed', statusReason: `bounced later: ${reason}` }).where(and(where, eq(messages.status, message.status))).returning({ id: messages.id });
    if (changed.length === 0) return false;
    await tx
      .insert(timelineEntries)
      .values({
        tenantId,
        subjectType: message.subjectType,
        subjectId: message.subjectId,
        id: `late-bounce:${id}`,
        kind: 'action',
        type: 'message.bounced',
        summary: `${message.kind} to ${message.recipient} bounced after it was sent: ${reason}${fallback ? `; sent by SMS to ${fallback.recipient} instead` : ''}`,
        data: { messageId: id, channel: 'email', kind: message.kind },
        occurredAt: new Date(),
        seq: 0,
      })
      .onConflictDoNothing();
    if (fallback) await recordFallback(tx as unknown as Database, message, fallback);
    else await recordUndeliverable(tx as unknown as Database, message, `bounced later: ${reason}`, undefined);
    return true;
  });
  if (!applied) return { messageId: id, outcome: 'already_bounced' };
  if (!fallback) return { messageId: id, outcome: 'bounced' };
  // A message still pending is the delivery activity's: its next attempt sends the text, with retries.
  if (message.status === 'pending') return { messageId: id, outcome: 'fell_back_to_sms' };
  const [text] = await db.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, fallback.id)));
  const posted = await postSigned(deps, settings, text!);
  await db.transaction(async (tx) => {
    const textWhere = and(eq(messages.tenantId, tenantId), eq(messages.id, text!.id));
    if (!posted.failure) {
      await tx.update(messages).set({ status: 'delivered', statusReason: null, attempts: 1, deliveredAt: new Date() }).where(textWhere);
      await recordOutcome(tx as unknown as Database, text!, 'delivered', `${text!.kind} (sms) delivered to the tenant's webhook`);
    } else {
      await tx.update(messages).set({ status: 'failed', statusReason: posted.failure, attempts: 1 }).where(textWhere);
      await recordOutcome(tx as unknown as Database, text!, 'failed', `${text!.kind} (sms) could not be delivered: ${posted.failure.slice(0, 200)}`);
      await recordUndeliverable(tx as unknown as Database, text!, posted.failure, undefined);
    }
  });
  return { messageId: id, outcome: 'fell_back_to_sms' };
}
