import { z } from 'zod';
import { IsoDuration } from '../domain/values';
import { TimeZone } from '../domain/values';
import { Currency } from '../domain/values';
import { CollectionsStep, PlaybookId } from './schema';
import { usageAggregations } from '../domain/billing/aggregation';
import { ContractTemplates } from './templates';

export { contractTemplateKeys, type ContractTemplateKey } from './templates';

/**
 * A B2B contract playbook: the pricing guardrails and approval chain a quote passes, how invoices
 * are checked before they go out and collected after, and when renewals and win-back happen. The
 * `contract` workflow follows it; a tenant's sales policy is data, not code.
 */

export const ApproverRole = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'lower-case letters, digits and "_"');

export const B2BPlaybook = z
  .strictObject({
    id: PlaybookId,
    kind: z.literal('b2b'),
    name: z.string().min(1).max(100),
    description: z.string().max(2000).default(''),
    business: z.string().min(1).max(100).default('our team'),
    currency: Currency.default('USD'),
    defaultTimezone: TimeZone.default('UTC'),
    guardrails: z.strictObject({
      /** Discounts up to this (percent, on any line) need no approval. */
      autoApproveDiscountUpTo: z.number().min(0).max(100),
      /** Higher discounts need the role of the first tier that covers them; above the last tier, refused. */
      discountTiers: z.array(z.strictObject({ upTo: z.number().min(0).max(100), role: ApproverRole })).min(1).max(6),
      /** Terms a quote may have without legal review. */
      standardTerms: z.array(IsoDuration).min(1).max(10),
      nonStandardTermRole: ApproverRole,
    }),
    approvals: z.strictObject({
      /** No decision this long after an approval is requested: it moves to the next role in `escalation`. */
      escalateAfter: IsoDuration,
      /** Who a pending approval escalates to, by role; a role without an entry stays where it is. */
      escalation: z.record(ApproverRole, ApproverRole).default({}),
      /** A quote not signed this long after it was created expires. */
      quoteExpiresAfter: IsoDuration,
    }),
    billing: z.strictObject({
      /** Due date = issue date + this. */
      netTerms: IsoDuration,
      /** Usage reported this long after its period was invoiced is still billed (a dated adjustment), and counted in the leakage ledger (default P3D). */
      lateUsageGrace: IsoDuration.optional(),
      /** Where late usage is billed: on the next period's invoice (default) or on an adjustment invoice of its own, issued beside it. */
      lateUsageOn: z.enum(['next_invoice', 'adjustment_invoice']).optional(),
      /** Prepaid credit: a low-balance alert below `lowBalanceBelow` (minor units), and paid money overdrawn by up to `overdraftUpTo` (default 0: never below zero). */
      wallet: z.strictObject({ lowBalanceBelow: z.number().int().min(0).max(1e13).optional(), overdraftUpTo: z.number().int().min(0).max(1e13).default(0) }).optional(),
      anomaly: z.strictObject({
        /** How many earlier invoices of the line make its trailing average. */
        trailingInvoices: z.number().int().min(1).max(12),
        /** Held when a line's amount or usage departs from its trailing average by more than this percent. */
        thresholdPercent: z.number().positive().max(1000),
        /** A first invoice above this (minor units of the contract currency) is held for review. */
        firstInvoiceAbove: z.number().int().min(0),
      }),
    }),
    collections: z.strictObject({
      steps: z.array(CollectionsStep).min(1).max(12),
      paymentRetries: z.array(IsoDuration).max(6).default(['P1D', 'P3D', 'P7D']),
    }),
    renewal: z.strictObject({
      /** Measured back from the end of the term: renewal tasks and messages. */
      noticeBefore: z.array(IsoDuration).max(6),
      /** Price increase an automatic renewal applies, in percent. */
      autoRenewUpliftPercent: z.number().min(0).max(100),
    }),
    winBack: z.strictObject({ after: IsoDuration }),
    /**
     * How each usage metric's records make a period's quantity (`domain/billing/aggregation.ts`):
     * sum (the default for a metric not named), count, max, unique_count of a record property,
     * latest, or time_weighted for a gauge such as seats or storage.
     */
    usageMetrics: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/, 'lower-case letters, digits, "_" and "."'),
        z
          .strictObject({ aggregation: z.enum(usageAggregations), property: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a property name: letters, digits and "_"').optional() })
          .refine((m) => (m.aggregation === 'unique_count') === (m.property !== undefined), { path: ['property'], message: 'unique_count counts the distinct values of a property: name one (and only for unique_count)' }),
      )
      .refine((m) => Object.keys(m).length <= 50, 'at most 50 metrics')
      .optional(),
    /** Every message's wording; a key left out (or added by a later release) takes the default wording. */
    templates: ContractTemplates,
  })
  .superRefine((p, ctx) => {
    const tiers = p.guardrails.discountTiers.map((t) => t.upTo);
    if (tiers.some((upTo, i) => (i === 0 ? upTo <= p.guardrails.autoApproveDiscountUpTo : upTo <= tiers[i - 1]!))) {
      ctx.addIssue({ code: 'custom', path: ['guardrails', 'discountTiers'], message: 'each tier must allow more discount than the one before (and than auto-approval)' });
    }
  });

export type B2BPlaybookInput = z.input<typeof B2BPlaybook>;
export type B2BPlaybook = z.output<typeof B2BPlaybook>;
