import { z } from 'zod';
import { NonBlank } from '../contact';
import { ClientId } from '../values';
import { NonNegativeMoney } from '../values';
import { decimalNumber } from '../decimals';

/**
 * One line of a B2B quote, and so of the contract signed from it: what is sold, at what list price,
 * with what discount, priced by which model, billed how often and when. Amounts are integer minor
 * units; every line of a quote is in the quote's currency.
 */

export const pricingModels = ['flat', 'per_unit', 'tiered', 'volume', 'hybrid', 'package', 'stairstep', 'percentage'] as const;
export type PricingModelName = (typeof pricingModels)[number];

/**
 * A unit price below the minor unit, as Stripe's `unit_amount_decimal`: minor units as a decimal
 * string with at most 12 places ("0.06" is 0.06 cents, $0.0006 a call). Text, so no float
 * stands between the price a person wrote and the one billed.
 */
export const DecimalUnitPrice = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,12})?$/, 'minor units as a decimal string with at most 12 decimal places, e.g. "0.06"');

/** A percentage as text, exactly: "1.2" is 1.2 %. */
export const DecimalPercent = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,6})?$/, 'a percentage as a decimal string with at most 6 decimal places, e.g. "1.2"')
  .refine((v) => Number(v) <= 100, 'at most 100');

/**
 * A price tier: units up to `upTo` (inclusive; null = no upper bound) cost `unitAmount` each (or
 * `unitAmountDecimal`, below the minor unit), plus `flatAmount` once if reached. A stairstep tier
 * is its `flatAmount` alone, for any quantity in its range.
 */
export const PriceTier = z
  .strictObject({
    upTo: decimalNumber(4).positive().max(1e12).nullable(),
    unitAmount: z.number().int().min(0).default(0),
    unitAmountDecimal: DecimalUnitPrice.optional(),
    flatAmount: z.number().int().min(0).default(0),
  })
  .refine((t) => !(t.unitAmountDecimal !== undefined && t.unitAmount !== 0), { path: ['unitAmountDecimal'], message: 'give the unit price once: unitAmount or unitAmountDecimal' });
export type PriceTier = z.infer<typeof PriceTier>;

export const BillingInterval = z.enum(['month', 'quarter', 'year', 'one_time']);
export type BillingInterval = z.infer<typeof BillingInterval>;
export const BillingTiming = z.enum(['advance', 'arrears']);
export type BillingTiming = z.infer<typeof BillingTiming>;

export const QuoteLine = z
  .strictObject({
    lineId: ClientId,
    sku: NonBlank(100),
    description: z.string().max(500).optional(),
    /** Seats or units for subscription lines; usage lines take their quantity from usage records. */
    quantity: decimalNumber(4).positive().max(1e9).default(1),
    /** flat: the price per period; per_unit: per unit per period; hybrid: per unit of overage; tiered/volume: unused (tiers carry prices). */
    listPrice: NonNegativeMoney,
    discountPercent: decimalNumber(2).min(0).max(100).default(0),
    pricingModel: z.enum(pricingModels),
    tiers: z.array(PriceTier).min(1).max(20).optional(),
    /**
     * hybrid: the committed amount billed every period (in arrears, with the period's overage),
     * which covers `includedUnits` of usage; `tiers`, if given, price the overage units only.
     */
    commitment: NonNegativeMoney.optional(),
    includedUnits: z.number().min(0).optional(),
    billing: z.strictObject({ interval: BillingInterval, timing: BillingTiming }),
    /** per_unit, hybrid overage: the unit price below the minor unit, in place of `listPrice.amount` (which is then 0). */
    unitAmountDecimal: DecimalUnitPrice.optional(),
    /** package: `amount` for every started package of `size` units, after `freeUnits` free ones (Lago's package model). */
    package: z.strictObject({ size: decimalNumber(4).positive().max(1e12), amount: z.number().int().min(0), freeUnits: decimalNumber(4).min(0).max(1e12).default(0) }).optional(),
    /**
     * percentage: a take rate on the period's transactions, whose usage records' quantities are
     * their amounts in minor units (Lago's percentage model): `rate` % of the amount above
     * `freeAmount`, plus `fixedFee` on every transaction after the first `freeTransactions`; each
     * charged transaction's fee held between `perTransactionMin` and `perTransactionMax`.
     */
    percentage: z
      .strictObject({
        rate: DecimalPercent,
        fixedFee: z.number().int().min(0).default(0),
        freeTransactions: z.number().int().min(0).max(1e9).default(0),
        freeAmount: z.number().int().min(0).default(0),
        perTransactionMin: z.number().int().min(0).optional(),
        perTransactionMax: z.number().int().min(0).optional(),
      })
      .optional(),
    /** A minimum commitment for any usage line: a period that rates below it is billed this (after discount), the shortfall said on the line. */
    minimum: NonNegativeMoney.optional(),
    /** Present on usage-priced lines: the metric whose records in a period make its quantity. */
    usageMetric: z
      .string()
      .regex(/^[a-z][a-z0-9_.]{0,63}$/, 'lower-case letters, digits, "_" and "."')
      .optional(),
  })
  .superRefine((line, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const tiered = line.pricingModel === 'tiered' || line.pricingModel === 'volume' || line.pricingModel === 'stairstep';
    if (tiered && !line.tiers) issue('tiers', `required for ${line.pricingModel} pricing`);
    if (line.pricingModel === 'stairstep' && line.tiers?.some((t) => t.unitAmount !== 0 || t.unitAmountDecimal !== undefined)) issue('tiers', 'a stairstep tier is priced by its flatAmount alone');
    if (line.tiers?.some((t) => t.unitAmountDecimal !== undefined) && line.pricingModel !== 'tiered' && line.pricingModel !== 'volume' && line.pricingModel !== 'hybrid') issue('tiers', 'decimal unit prices are for graduated, volume and hybrid tiers');
    if (line.unitAmountDecimal !== undefined) {
      if (line.pricingModel !== 'per_unit' && line.pricingModel !== 'hybrid') issue('unitAmountDecimal', 'per_unit and hybrid lines have a unit price');
      if (line.listPrice.amount !== 0) issue('unitAmountDecimal', 'give the unit price once: listPrice.amount 0 (the currency stays) and unitAmountDecimal');
    }
    if ((line.pricingModel === 'package') !== Boolean(line.package)) issue('package', line.package ? 'only package pricing has a package' : 'required for package pricing');
    if ((line.pricingModel === 'percentage') !== Boolean(line.percentage)) issue('percentage', line.percentage ? 'only percentage pricing has a rate' : 'required for percentage pricing');
    if (line.pricingModel === 'percentage' && !line.usageMetric) issue('usageMetric', 'percentage pricing takes its transactions from usage records');
    const bounds = line.percentage;
    if (bounds?.perTransactionMin !== undefined && bounds.perTransactionMax !== undefined && bounds.perTransactionMin > bounds.perTransactionMax) issue('percentage', 'perTransactionMin must not exceed perTransactionMax');
    if (line.minimum) {
      if (!line.usageMetric) issue('minimum', 'a minimum commitment is for usage lines; a subscription line bills its price');
      if (line.pricingModel === 'hybrid') issue('minimum', 'a hybrid line has its commitment already');
      if (line.minimum.currency !== line.listPrice.currency) issue('minimum', 'must be in the line currency');
    }
    if (line.tiers) {
      const bounds = line.tiers.map((t) => t.upTo);
      if (bounds.slice(0, -1).some((b) => b === null)) issue('tiers', 'only the last tier may be unbounded (upTo: null)');
      if (bounds.at(-1) !== null) issue('tiers', 'the last tier must be unbounded (upTo: null)');
      const finite = bounds.filter((b): b is number => b !== null);
      if (finite.some((b, i) => i > 0 && b <= finite[i - 1]!)) issue('tiers', 'upTo must increase from tier to tier');
    }
    if (line.pricingModel === 'hybrid') {
      if (!line.commitment) issue('commitment', 'required for hybrid pricing');
      if (!line.usageMetric) issue('usageMetric', 'required for hybrid pricing');
    }
    if (line.commitment && line.commitment.currency !== line.listPrice.currency) issue('commitment', 'must be in the line currency');
    // Fields a model would silently ignore are refused, so a quote means what it says.
    if (line.tiers && (line.pricingModel === 'flat' || line.pricingModel === 'per_unit' || line.pricingModel === 'package' || line.pricingModel === 'percentage')) issue('tiers', `not used by ${line.pricingModel} pricing`);
    if (line.pricingModel !== 'hybrid' && (line.commitment || line.includedUnits !== undefined)) issue(line.commitment ? 'commitment' : 'includedUnits', 'only hybrid pricing has a commitment');
    if (line.usageMetric && line.billing.timing !== 'arrears') issue('billing', 'usage is billed in arrears, once the period has closed');
    if (line.usageMetric && line.billing.interval === 'one_time') issue('billing', 'usage lines bill every period, not one time');
    if (line.usageMetric && line.pricingModel === 'flat') issue('pricingModel', 'a flat price does not depend on usage; drop usageMetric or pick another model');
  });
export type QuoteLine = z.output<typeof QuoteLine>;
