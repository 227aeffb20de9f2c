import { formatMoney, MAX_AMOUNT } from '../money';
import { compare, exact, max, min, minus, ONE, plus, ratio, roundMinorExact, times, toNumber, ZERO, type Exact } from './exact';
import type { PriceTier, QuoteLine } from './quote-line';

/**
 * Rating: what one full billing period of a quote line costs at a quantity (seats, or the usage
 * recorded in the period).
 *
 * Rounding rule: Each line of each invoice is rounded once, half away from zero, to the minor unit;
 * totals are sums of rounded lines.
 *
 * So the price arithmetic (quantity × unit price, tiers, the discount) is done exactly and
 * `roundMinor` is applied once to the result, never to an intermediate: rounding each tier, or the
 * list amount before the discount, would make an invoice disagree with a hand calculation by a
 * cent. Proration of a rated amount (proration.ts) starts again from the rounded full-period amount,
 * because that is the amount the customer was shown on the quote and the invoice.
 */

export interface RatedLine {
  /** Before discount, integer minor units. */
  listAmount: number;
  /** After discount, integer minor units: roundMinor(exact list amount × (1 − discountPercent / 100)). */
  amount: number;
  /** One short line for people, e.g. "Seats: 25 × 40.00 USD, 10% off". */
  description: string;
}

/**
 * The charge for one full billing period of `line` at `quantity`.
 * - flat: listPrice, whatever the quantity (a fixed fee per period);
 * - per_unit: quantity × listPrice;
 * - tiered (graduated): each unit at the price of the tier it falls in, plus the flat amount of
 *   every tier reached (a tier is reached when the quantity exceeds the previous tier's upTo);
 * - volume: every unit at the price of the tier the whole quantity falls in (upTo inclusive),
 *   plus that tier's flat amount; no units, no charge;
 * - hybrid: the commitment, plus overage units (quantity − includedUnits, if positive) priced
 *   graduated by `tiers` — whose upTo then counts overage units — or else at listPrice each.
 * The discount applies to the whole line, commitment included.
 */
export function rateQuantity(line: QuoteLine, quantity: number): RatedLine {
  if (!Number.isFinite(quantity) || quantity < 0) throw new RangeError(`quantity must be a finite number ≥ 0, got ${quantity}`);
  const units = exact(quantity);
  const unitPrice = ratio(line.listPrice.amount, 1);
  const price = (minor: number) => formatMoney({ amount: minor, currency: line.listPrice.currency });
  const label = `${line.description?.trim() || line.sku}: `;

  let list: Exact;
  let detail: string;
  switch (line.pricingModel) {
    case 'flat':
      list = unitPrice;
      detail = price(line.listPrice.amount);
      break;
    case 'per_unit':
      list = times(units, unitPrice);
      detail = `${formatQuantity(quantity)} × ${price(line.listPrice.amount)}`;
      break;
    case 'tiered':
      list = graduated(units, requireTiers(line));
      detail = `${formatQuantity(quantity)} (graduated tiers)`;
      break;
    case 'volume': {
      const tiers = requireTiers(line);
      const index = volumeTierIndex(units, tiers);
      const tier = tiers[index]!;
      list = quantity === 0 ? ZERO : plus(times(units, ratio(tier.unitAmount, 1)), ratio(tier.flatAmount, 1));
      detail = `${formatQuantity(quantity)} × ${price(tier.unitAmount)} (volume tier ${index + 1})`;
      break;
    }
    case 'hybrid': {
      if (!line.commitment) throw new RangeError(`hybrid line ${line.lineId} has no commitment`);
      const included = exact(line.includedUnits ?? 0);
      const overage = max(ZERO, minus(units, included));
      const overageAmount = line.tiers ? graduated(overage, line.tiers) : times(overage, unitPrice);
      list = plus(ratio(line.commitment.amount, 1), overageAmount);
      const covered = `${formatQuantity(line.includedUnits ?? 0)} included in ${price(line.commitment.amount)} commitment`;
      const over = line.tiers ? '(graduated tiers)' : `× ${price(line.listPrice.amount)}`;
      detail = compare(overage, ZERO) > 0
        ? `${formatQuantity(quantity)} used, ${covered}, ${formatQuantity(toNumber(overage))} over ${over}`
        : `${formatQuantity(quantity)} used, ${covered}`;
      break;
    }
  }

  const discount = exact(line.discountPercent);
  const payable = times(list, minus(ONE, times(discount, ratio(1, 100))));
  return {
    listAmount: roundMinorExact(list),
    amount: roundMinorExact(payable),
    description: label + detail + (line.discountPercent > 0 ? `, ${line.discountPercent}% off` : ''),
  };
}

/** A usage line rated at `quantity`, or null when its amount would be too large to count exactly. */
export function rateWithinBounds(line: QuoteLine, quantity: number): RatedLine | null {
  try {
    const rated = rateQuantity(line, quantity);
    return Math.abs(rated.amount) <= MAX_AMOUNT ? rated : null;
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

/** Graduated pricing: the units in each tier at that tier's price, plus the flat amount of each tier reached. */
function graduated(units: Exact, tiers: readonly PriceTier[]): Exact {
  let total: Exact = ZERO;
  let floor: Exact = ZERO;
  for (const tier of tiers) {
    if (compare(units, floor) <= 0) return total;
    const ceiling = tier.upTo === null ? units : min(units, exact(tier.upTo));
    total = plus(total, plus(times(minus(ceiling, floor), ratio(tier.unitAmount, 1)), ratio(tier.flatAmount, 1)));
    if (tier.upTo === null) return total;
    floor = exact(tier.upTo);
  }
  if (compare(units, floor) > 0) throw new RangeError('quantity is beyond the last price tier');
  return total;
}

/** The tier whose range holds the whole quantity: the first with quantity ≤ upTo, or the unbounded one. */
function volumeTierIndex(units: Exact, tiers: readonly PriceTier[]): number {
  const index = tiers.findIndex((t) => t.upTo === null || compare(units, exact(t.upTo)) <= 0);
  if (index < 0) throw new RangeError('quantity is beyond the last price tier');
  return index;
}

function requireTiers(line: QuoteLine): PriceTier[] {
  if (!line.tiers?.length) throw new RangeError(`${line.pricingModel} line ${line.lineId} has no tiers`);
  return line.tiers;
}

/** 1250000 → "1,250,000"; grouping by hand, because toLocaleString depends on the host's ICU data. */
function formatQuantity(quantity: number): string {
  const text = String(quantity);
  if (text.includes('e')) return text;
  const [whole = '', fraction] = text.split('.');
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (fraction ? `.${fraction}` : '');
}
