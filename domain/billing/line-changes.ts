import { formatMoney, type Money } from '../money';
import { uplifted } from './amounts';
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

/** A line with every price raised (or cut) by `percent`: list price, tiers and commitment alike. */
export function uplift(line: QuoteLine, percent: number): QuoteLine {
  const up = (amount: number) => uplifted(amount, percent);
  return {
    ...line,
    listPrice: { ...line.listPrice, amount: up(line.listPrice.amount) },
    ...(line.tiers ? { tiers: line.tiers.map((t) => ({ ...t, unitAmount: up(t.unitAmount), flatAmount: up(t.flatAmount) })) } : {}),
    ...(line.commitment ? { commitment: { ...line.commitment, amount: up(line.commitment.amount) } } : {}),
  };
}

/** "25 × 40.00 USD −10%". */
export function describeLine(line: QuoteLine): string {
  return `${line.quantity} × ${formatMoney(line.listPrice)}${line.discountPercent ? ` −${line.discountPercent}%` : ''}`;
}
