import { formatMoney, type Money } from '../money';
import { uplifted, upliftedDecimal } from './amounts';
import { exactDecimal } from './exact';
import { formatUnitPrice } from './rating';
import type { QuoteLine } from './quote-line';

/** How a contract line changes over its life: an amendment, a renewal's uplift, and how a line reads on the timeline. */

export interface LineAmendment {
  quantity?: number;
  listPrice?: Money;
  discountPercent?: number;
}

/** A line as an amendment changes it. */
export function amendedLine(before: QuoteLine, amendment: LineAmendment): QuoteLine {
  return {
    ...before,
    ...(amendment.quantity !== undefined ? { quantity: amendment.quantity } : {}),
    ...(amendment.listPrice ? { listPrice: amendment.listPrice } : {}),
    ...(amendment.discountPercent !== undefined ? { discountPercent: amendment.discountPercent } : {}),
  };
}

/**
 * A line with every price raised (or cut) by `percent`: list price, decimal unit prices, tiers,
 * commitment, package price, minimum, and a percentage line's fixed fee and bounds alike. A take
 * rate itself stays as signed: it is a share, not a price.
 */
export function uplift(line: QuoteLine, percent: number): QuoteLine {
  const up = (amount: number) => uplifted(amount, percent);
  const upDecimal = (price: string | undefined) => (price === undefined ? {} : { unitAmountDecimal: upliftedDecimal(price, percent) });
  const pct = line.percentage;
  return {
    ...line,
    listPrice: { ...line.listPrice, amount: up(line.listPrice.amount) },
    ...upDecimal(line.unitAmountDecimal),
    ...(line.tiers ? { tiers: line.tiers.map((t) => ({ ...t, unitAmount: up(t.unitAmount), flatAmount: up(t.flatAmount), ...upDecimal(t.unitAmountDecimal) })) } : {}),
    ...(line.commitment ? { commitment: { ...line.commitment, amount: up(line.commitment.amount) } } : {}),
    ...(line.package ? { package: { ...line.package, amount: up(line.package.amount) } } : {}),
    ...(line.minimum ? { minimum: { ...line.minimum, amount: up(line.minimum.amount) } } : {}),
    ...(pct
      ? {
          percentage: {
            ...pct,
            fixedFee: up(pct.fixedFee),
            ...(pct.perTransactionMin !== undefined ? { perTransactionMin: up(pct.perTransactionMin) } : {}),
            ...(pct.perTransactionMax !== undefined ? { perTransactionMax: up(pct.perTransactionMax) } : {}),
          },
        }
      : {}),
  };
}

/** "25 × 40.00 USD −10%". */
export function describeLine(line: QuoteLine): string {
  const price = line.unitAmountDecimal !== undefined ? formatUnitPrice(exactDecimal(line.unitAmountDecimal), line.listPrice.currency) : formatMoney(line.listPrice);
  return `${line.quantity} × ${price}${line.discountPercent ? ` −${line.discountPercent}%` : ''}`;
}
