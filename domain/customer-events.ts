import { z } from 'zod';
import { UtcTimestamp } from './values';
import { ClientId } from './values';
import { linesWithin } from './billing/amounts';
import { BELOW_ZERO, billsBelowZero } from './invoice-lines';
import { MAX_AMOUNT } from './money';
import { Money, PositiveMoney } from './values';
import { decimalNumber } from './decimals';

/**
 * The lifecycle events of a customer relationship, as a frontend or webhook sends them to
 * `POST /v1/customers/{id}/events`. This schema is the contract: the API validates with it, the
 * OpenAPI document is generated from it and the workflow receives exactly these shapes.
 */


const common = {
  /** Deduplication key: the same eventId is applied once, however often it is delivered. */
  eventId: ClientId.optional(),
  /** When it happened at the source; defaults to when Revloop received it. */
  occurredAt: UtcTimestamp.optional(),
};

export const ContactChannel = z.enum(['call', 'sms', 'email']);
export type ContactChannel = z.infer<typeof ContactChannel>;

export const LineItem = z.strictObject({
  description: z.string().min(1).max(500),
  quantity: decimalNumber(4).positive().max(1_000_000),
  unitPrice: Money,
});
export type LineItem = z.infer<typeof LineItem>;

export const CustomerEventInput = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('inquiry.received'), ...common, channel: z.enum(['call', 'web', 'sms', 'email']), message: z.string().max(5000).optional() }),
  z.strictObject({ type: z.literal('call.missed'), ...common, from: z.string().min(3).max(32) }),
  z.strictObject({
    type: z.literal('booking.requested'),
    ...common,
    jobId: ClientId,
    service: z.string().min(1).max(200),
    scheduledAt: UtcTimestamp,
    estimate: Money.optional(),
  }),
  z.strictObject({ type: z.literal('booking.rescheduled'), ...common, jobId: ClientId, scheduledAt: UtcTimestamp }),
  z.strictObject({ type: z.literal('booking.cancelled'), ...common, jobId: ClientId, reason: z.string().max(1000).optional() }),
  z.strictObject({ type: z.literal('job.started'), ...common, jobId: ClientId }),
  z.strictObject({
    type: z.literal('job.completed'),
    ...common,
    jobId: ClientId,
    /** The invoice issued for the job; `inv-{jobId}` when not given. */
    invoiceId: ClientId.optional(),
    lineItems: z
      .array(LineItem)
      .min(1)
      .max(200)
      .refine((items) => items.every((i) => i.unitPrice.currency === items[0]!.unitPrice.currency), 'all line items must be in one currency')
      .refine((items) => linesWithin(items.map((i) => ({ quantity: i.quantity, unitAmount: i.unitPrice.amount })), MAX_AMOUNT), `the invoice may come to at most ${MAX_AMOUNT} minor units`)
      .refine((items) => !billsBelowZero(items), BELOW_ZERO),
  }),
  z.strictObject({ type: z.literal('payment.received'), ...common, invoiceId: ClientId, amount: PositiveMoney, method: z.string().max(50).optional() }),
  z.strictObject({ type: z.literal('payment.failed'), ...common, invoiceId: ClientId, reason: z.string().min(1).max(1000) }),
  z.strictObject({ type: z.literal('invoice.disputed'), ...common, invoiceId: ClientId, reason: z.string().min(1).max(1000) }),
  z.strictObject({
    type: z.literal('invoice.dispute_resolved'),
    ...common,
    invoiceId: ClientId,
    /** Collections resume from where the dispute paused them; settle by paying, or write off through collections. */
    resolution: z.string().max(1000).optional(),
  }),
  z.strictObject({
    type: z.literal('review.submitted'),
    ...common,
    rating: z.number().int().min(1).max(5),
    comment: z.string().max(5000).optional(),
    platform: z.string().max(50).optional(),
    jobId: ClientId.optional(),
  }),
  z.strictObject({ type: z.literal('contact.opted_out'), ...common, channel: z.enum(['sms', 'email', 'call', 'all']) }),
  z.strictObject({ type: z.literal('contact.opted_in'), ...common, channel: z.enum(['sms', 'email', 'call', 'all']) }),
]);
export type CustomerEventInput = z.infer<typeof CustomerEventInput>;
export type CustomerEventType = CustomerEventInput['type'];

/** An event as the workflow receives it: the id and receive time are always filled in by the API. */
export type CustomerEvent = CustomerEventInput & { eventId: string; receivedAt: string };
export type CustomerEventOf<T extends CustomerEventType> = Extract<CustomerEvent, { type: T }>;

/** Events the customer workflow hands to a job's workflow. */
export const jobEventTypes = ['booking.rescheduled', 'booking.cancelled', 'job.started', 'job.completed'] as const;
export type JobEvent = CustomerEventOf<(typeof jobEventTypes)[number]>;

/** Events the customer workflow hands to an invoice's workflow. */
export const invoiceEventTypes = ['payment.received', 'payment.failed', 'invoice.disputed', 'invoice.dispute_resolved'] as const;
export type InvoiceEvent = CustomerEventOf<(typeof invoiceEventTypes)[number]>;

/** Events that name a job or invoice: they go through an Update whose validator checks the reference. */
export function referencesJobOrInvoice(type: CustomerEventType): boolean {
  return type === 'booking.requested' || (jobEventTypes as readonly string[]).includes(type) || (invoiceEventTypes as readonly string[]).includes(type);
}
