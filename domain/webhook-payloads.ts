import { createHash } from 'node:crypto';
import { z } from 'zod';
import { UtcTimestamp } from './values';
import { NonBlank, PhoneNumber } from './contact';
import { CustomerEventInput, type CustomerEventInput as CustomerEventInputType } from './customer-events';
import { ClientId } from './values';
import { PositiveMoney } from './values';

/**
 * What providers send to `POST /v1/webhooks/{source}`, and the lifecycle events each payload means.
 * These are Revloop's own normalised shapes: a small relay (or the provider's templating) turns a
 * Twilio call status or a Stripe charge into one of them and signs it. The provider's id becomes
 * the event id, so a provider that delivers twice is applied once.
 */

export const webhookSources = ['telephony', 'payments', 'reviews', 'generic'] as const;
export type WebhookSource = (typeof webhookSources)[number];

/** The provider's own id for the call, charge or review. */
const ProviderId = z.string().min(1).max(200);

export const TelephonyPayload = z.strictObject({
  id: ProviderId,
  type: z.enum(['call.missed', 'call.answered', 'sms.received']),
  from: PhoneNumber,
  to: PhoneNumber.optional(),
  /** When the caller is already known by id; otherwise the customer is found (or created) by `from`. */
  customerId: ClientId.optional(),
  callerName: NonBlank(200).optional(),
  text: z.string().max(5000).optional(),
  occurredAt: UtcTimestamp.optional(),
});

const paymentCommon = {
  id: ProviderId,
  /** Whose invoice: a customer's (home service) or a contract's (B2B). Exactly one. */
  customerId: ClientId.optional(),
  contractId: ClientId.optional(),
  invoiceId: ClientId,
  reason: z.string().min(1).max(1000).optional(),
  occurredAt: UtcTimestamp.optional(),
};
export const PaymentsPayload = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('payment.succeeded'), ...paymentCommon, amount: PositiveMoney, method: z.string().max(50).optional() }),
    z.strictObject({ type: z.enum(['payment.failed', 'payment.disputed', 'dispute.closed']), ...paymentCommon }),
  ])
  .refine((p) => (p.customerId === undefined) !== (p.contractId === undefined), { message: 'name exactly one of customerId and contractId', path: ['customerId'] });

export const ReviewsPayload = z.strictObject({
  id: ProviderId,
  customerId: ClientId,
  rating: z.number().int().min(1).max(5),
  comment: z.string().max(5000).optional(),
  platform: z.string().max(50).optional(),
  jobId: ClientId.optional(),
  occurredAt: UtcTimestamp.optional(),
});

/** Any lifecycle event, for senders that already speak Revloop's events. */
export const GenericPayload = z.strictObject({ customerId: ClientId, event: CustomerEventInput });

export const webhookPayloads = {
  telephony: TelephonyPayload,
  payments: PaymentsPayload,
  reviews: ReviewsPayload,
  generic: GenericPayload,
} as const satisfies Record<WebhookSource, z.ZodType>;

export type WebhookPayload<S extends WebhookSource> = z.output<(typeof webhookPayloads)[S]>;

/** Who the event is for: a known customer id, or a caller to find (or create) by phone number. */
export type WebhookSubject = { customerId: string } | { contractId: string } | { phone: string; name: string };

export interface MappedWebhook {
  subject: WebhookSubject;
  event: CustomerEventInputType & { eventId: string };
}

/**
 * The lifecycle event a payload means. `rawBody` names events that carry no provider id (generic
 * ones without an `eventId`): the same body delivered again is the same event.
 */
export function mapWebhook<S extends WebhookSource>(source: S, payload: WebhookPayload<S>, rawBody: Buffer | string): MappedWebhook {
  switch (source) {
    case 'telephony': {
      const p = payload as WebhookPayload<'telephony'>;
      const common = { eventId: providerEventId('tel', p.id), ...(p.occurredAt ? { occurredAt: p.occurredAt } : {}) };
      const event: MappedWebhook['event'] =
        p.type === 'call.missed'
          ? { type: 'call.missed', ...common, from: p.from }
          : { type: 'inquiry.received', ...common, channel: p.type === 'sms.received' ? 'sms' : 'call', ...(p.text ? { message: p.text } : {}) };
      return { subject: p.customerId ? { customerId: p.customerId } : { phone: p.from, name: p.callerName ?? `Caller ${p.from}` }, event };
    }
    case 'payments': {
      const p = payload as WebhookPayload<'payments'>;
      const common = { eventId: providerEventId('pay', p.id), invoiceId: p.invoiceId, ...(p.occurredAt ? { occurredAt: p.occurredAt } : {}) };
      const reason = p.reason ?? 'reported by the payments provider';
      const event: MappedWebhook['event'] =
        p.type === 'payment.succeeded'
          ? { type: 'payment.received', ...common, amount: p.amount, ...(p.method ? { method: p.method } : {}) }
          : p.type === 'payment.failed'
            ? { type: 'payment.failed', ...common, reason }
            : p.type === 'payment.disputed'
              ? { type: 'invoice.disputed', ...common, reason }
              : { type: 'invoice.dispute_resolved', ...common, resolution: reason };
      return { subject: p.contractId ? { contractId: p.contractId } : { customerId: p.customerId! }, event };
    }
    case 'reviews': {
      const p = payload as WebhookPayload<'reviews'>;
      const { id, customerId, ...review } = p;
      return { subject: { customerId }, event: { type: 'review.submitted', eventId: providerEventId('rev', id), ...review } };
    }
    case 'generic': {
      const p = payload as WebhookPayload<'generic'>;
      const eventId = p.event.eventId ?? `gen.${createHash('sha256').update(rawBody).digest('hex').slice(0, 40)}`;
      return { subject: { customerId: p.customerId }, event: { ...p.event, eventId } };
    }
  }
  throw new Error(`unknown webhook source ${String(source)}`);
}

/** `tel.CA123…` when the provider's id is a valid event id, else a digest of it: same id, same event. */
function providerEventId(prefix: string, id: string): string {
  const readable = `${prefix}.${id}`;
  return ClientId.safeParse(readable).success ? readable : `${prefix}.${createHash('sha256').update(id).digest('hex').slice(0, 40)}`;
}
