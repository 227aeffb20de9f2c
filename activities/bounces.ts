import { and, eq } from 'drizzle-orm';
import { messages, messagingSettings, timelineEntries } from '../db/schema';
import { attemptDelivery, fallbackOf, messageIdFromEmail, recordBounce, recordDelivered, recordFailed, type DeliveryDependencies } from './delivery';

/**
 * Bounces that arrive after a message was handed over: a delivery-status notice or an email
 * provider's bounce webhook for an email, an SMS provider's delivery receipt ("undelivered") for a
 * text, passed on by the tenant (`POST /v1/messaging/bounces`). A hard bounce makes the message
 * failed, says so on the timeline, and sends it on the customer's other channel where they can
 * take it (one attempt, here: the delivery activity's retries are over), or else is an
 * undeliverable row in the ledger. A soft bounce (a full mailbox, a phone switched off) is noted
 * and changes nothing. Each is applied once, however often it is reported.
 */

export interface LateBounce {
  /** The Revloop message id, or the Message-ID header the bounce quotes (`<…@revloop>`). */
  messageId: string;
  kind: 'hard' | 'soft';
  reason: string;
}

export type BounceOutcome = 'bounced' | 'fell_back_to_sms' | 'fell_back_to_email' | 'noted' | 'already_bounced' | 'not_sent' | 'unknown';

export async function recordLateBounce(deps: DeliveryDependencies, tenantId: string, bounce: LateBounce): Promise<{ messageId: string; outcome: BounceOutcome }> {
  const { db } = deps;
  const id = messageIdFromEmail(bounce.messageId);
  const where = and(eq(messages.tenantId, tenantId), eq(messages.id, id));
  const [message] = await db.select().from(messages).where(where);
  // Another tenant's message, or none: nothing is said about it.
  if (!message || (message.channel !== 'email' && message.channel !== 'sms')) return { messageId: bounce.messageId, outcome: 'unknown' };
  if (message.status === 'recorded' || message.status === 'suppressed') return { messageId: id, outcome: 'not_sent' };
  if (message.status === 'failed') return { messageId: id, outcome: 'already_bounced' };
  const reason = bounce.reason.slice(0, 300);
  const to = `${message.kind} to ${message.recipient}`;
  if (bounce.kind === 'soft') {
    await db
      .insert(timelineEntries)
      .values({ tenantId, subjectType: message.subjectType, subjectId: message.subjectId, id: `soft-bounce:${id}`, kind: 'action', type: 'message.soft_bounced', summary: `${to} soft-bounced: ${reason}`, data: { messageId: id, channel: message.channel, kind: message.kind }, occurredAt: new Date(), seq: 0 })
      .onConflictDoNothing();
    return { messageId: id, outcome: 'noted' };
  }
  const [settings] = await db.select().from(messagingSettings).where(eq(messagingSettings.tenantId, tenantId));
  const fallback = await fallbackOf(db, message, settings);
  const applied = await recordBounce(
    db,
    message,
    { statusReason: `bounced later: ${reason}`, summary: `${to} bounced after it was sent: ${reason}`, timelineId: `late-bounce:${id}`, onlyIfStatus: message.status },
    fallback,
    undefined,
  );
  if (!applied) return { messageId: id, outcome: 'already_bounced' };
  if (!fallback) return { messageId: id, outcome: 'bounced' };
  const outcome = fallback.channel === 'sms' ? 'fell_back_to_sms' : 'fell_back_to_email';
  // A message still pending is the delivery activity's: its next attempt sends the stand-in, with retries.
  if (message.status === 'pending') return { messageId: id, outcome };
  const [standIn] = await db.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.id, fallback.id!)));
  const attempt = await attemptDelivery(deps, settings, standIn!);
  if (attempt.kind === 'delivered') await recordDelivered(db, standIn!, attempt, 1);
  else if (attempt.kind === 'bounced') await recordFailed(db, standIn!, `bounced: ${attempt.reason}`, 1, undefined, 'bounced');
  else await recordFailed(db, standIn!, attempt.failure, 1, undefined);
  return { messageId: id, outcome };
}
