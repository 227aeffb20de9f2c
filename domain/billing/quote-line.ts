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

export const pricingModels = ['flat', 'per_unit', 'tiered', 'volume', 'hybrid'] as const;
export type PricingModelName = (typeof pricingModels)[number];

/** A price tier: units up to `upTo` (inclusive; null = no upper bound) cost `unitAmount` each, plus `flatAmount` once if reached. */
export const PriceTier = z.strictObject({
  upTo: decimalNumber(4).positive().max(1e12).nullable(),
  unitAmount: z.number().int().min(0),
  flatAmount: z.number().int().min(0).default(0),
});
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
    /** Present on usage-priced lines: the metric whose records in a period make its quantity. */
    usageMetric: z
      .string()
      .regex(/^[a-z][a-z0-9_.]{0,63}$/, 'lower-case letters, digits, "_" and "."')
      .optional(),
  })
  .superRefine((line, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if ((line.pricingModel === 'tiered' || line.pricingModel === 'volume') && !line.tiers) issue('tiers', `required for ${line.pricingModel} pricing`);
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
    if (line.tiers && (line.pricingModel === 'flat' || line.pricingModel === 'per_unit')) issue('tiers', `not used by ${line.pricingModel} pricing`);
    if (line.pricingModel !== 'hybrid' && (line.commitment || line.includedUnits !== undefined)) issue(line.commitment ? 'commitment' : 'includedUnits', 'only hybrid pricing has a commitment');
    if (line.usageMetric && line.billing.timing !== 'arrears') issue('billing', 'usage is billed in arrears, once the period has closed');
    if (line.usageMetric && line.billing.interval === 'one_time') issue('billing', 'usage lines bill every period, not one time');
    if (line.usageMetric && line.pricingModel === 'flat') issue('pricingModel', 'a flat price does not depend on usage; drop usageMetric or pick another model');
  });
export type QuoteLine = z.output<typeof QuoteLine>;
