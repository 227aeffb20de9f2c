import { z } from 'zod';
import { UtcTimestamp } from '../values';
import { IsoDuration } from '../values';
import { termIssue } from './bounds';
import { NonBlank } from '../contact';
import { ClientId } from '../values';
import { NonNegativeMoney, PositiveMoney } from '../values';
import { decimalNumber } from '../decimals';

/**
 * Events of a contract's life, as `POST /v1/contracts/{id}/events` takes them. Each goes to the
 * contract workflow as an Update, whose validator refuses what does not fit the contract's state
 * (signing an unapproved quote, an unknown line or invoice) before anything is recorded.
 */

const common = { eventId: ClientId.optional() };

export const ContractEventInput = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('contract.signed'), ...common, signedBy: z.string().min(1).max(200).optional() }),
  z
    .strictObject({
      type: z.literal('contract.amended'),
      ...common,
      lineId: ClientId,
      quantity: decimalNumber(4).positive().max(1e9).optional(),
      listPrice: NonNegativeMoney.optional(),
      discountPercent: decimalNumber(2).min(0).max(100).optional(),
      /** When the change takes effect (prorated by day from then); defaults to now. Must fall in the line's current billing period. */
      effectiveAt: UtcTimestamp.optional(),
    })
    .refine((e) => e.quantity !== undefined || e.listPrice !== undefined || e.discountPercent !== undefined, {
      message: 'change at least one of quantity, listPrice, discountPercent',
      path: ['quantity'],
    }),
  z.strictObject({
    type: z.literal('contract.renewed'),
    ...common,
    /** The next term; the current one when omitted. Longer than zero, at most ten years. */
    term: IsoDuration.refine((term) => termIssue(term) === null, 'must be longer than zero and at most P10Y').optional(),
    /** Price change for the next term, in percent (negative for a discount); the playbook's auto-renew uplift when omitted. */
    upliftPercent: z.number().gt(-100).max(100).optional(),
  }),
  z.strictObject({ type: z.literal('contract.cancelled'), ...common, reason: z.string().min(1).max(1000).optional() }),
  z.strictObject({ type: z.literal('invoice.approved'), ...common, invoiceId: ClientId, approvedBy: z.string().min(1).max(200).optional() }),
  z.strictObject({ type: z.literal('payment.received'), ...common, invoiceId: ClientId, amount: PositiveMoney, method: z.string().max(50).optional() }),
  z.strictObject({ type: z.literal('payment.failed'), ...common, invoiceId: ClientId, reason: z.string().min(1).max(1000) }),
  z.strictObject({ type: z.literal('invoice.disputed'), ...common, invoiceId: ClientId, reason: z.string().min(1).max(1000) }),
  z.strictObject({ type: z.literal('invoice.dispute_resolved'), ...common, invoiceId: ClientId, resolution: z.string().max(1000).optional() }),
  z.strictObject({ type: z.literal('credit.issued'), ...common, invoiceId: ClientId, amount: PositiveMoney, reason: z.string().min(1).max(1000) }),
  /**
   * Prepaid credit into the contract's wallet: money (`amount`) or units of a usage metric
   * (`units`), bought by the customer (`paid`: a top-up, the customer's money) or granted free
   * (promotional credit, a discount). Used by usage before anything is charged, lower `priority`
   * first; worth nothing after `expiresAt`.
   */
  z
    .strictObject({
      type: z.literal('credit.granted'),
      ...common,
      grantId: ClientId,
      amount: PositiveMoney.optional(),
      units: z.strictObject({ metric: z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/), quantity: decimalNumber(4).positive().max(1e12) }).optional(),
      paid: z.boolean().default(false),
      priority: z.number().int().min(0).max(100).default(50),
      expiresAt: UtcTimestamp.optional(),
      reason: z.string().min(1).max(1000).optional(),
    })
    .refine((e) => (e.amount === undefined) !== (e.units === undefined), { message: 'grant money (amount) or units of a metric (units), one of them', path: ['amount'] })
    .refine((e) => !(e.units && e.paid), { message: 'units are granted; a paid top-up is money', path: ['paid'] }),
  /**
   * The invoice was wrong: it is credited in full (a credit note) and billed again with the
   * corrected amounts of the lines named; lines not named are billed again as they were.
   */
  z.strictObject({
    type: z.literal('invoice.rebilled'),
    ...common,
    invoiceId: ClientId,
    reason: NonBlank(1000),
    lines: z
      .array(z.strictObject({ lineId: ClientId, amount: NonNegativeMoney }))
      .min(1)
      .max(50),
  }),
]);
export type ContractEventInput = z.infer<typeof ContractEventInput>;
export type ContractEvent = ContractEventInput & { eventId: string; receivedAt: string };
export type ContractEventOf<T extends ContractEvent['type']> = Extract<ContractEvent, { type: T }>;

/** An approver's decision on a quote: `POST /v1/quotes/{id}/approvals`. */
export const ApprovalDecisionInput = z.strictObject({
  role: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/),
  approver: NonBlank(200),
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
  decisionId: ClientId.optional(),
});
export type ApprovalDecisionInput = z.infer<typeof ApprovalDecisionInput>;

/** A usage batch: `POST /v1/contracts/{id}/usage`. */
export const UsageBatch = z.strictObject({
  records: z
    .array(
      z.strictObject({
        id: ClientId,
        metric: z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/),
        quantity: decimalNumber(4).min(0).max(1e12),
        occurredAt: UtcTimestamp,
        /** What else the record says, e.g. `{ "user_id": "u-17" }` for a metric counted by unique users. */
        properties: z
          .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), z.union([z.string().max(200), z.number().finite(), z.boolean()]))
          .refine((p) => Object.keys(p).length <= 20, 'at most 20 properties')
          .optional(),
      }),
    )
    .min(1)
    .max(1000),
});
export type UsageBatch = z.infer<typeof UsageBatch>;
