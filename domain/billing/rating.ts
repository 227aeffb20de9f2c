import { formatMoney, MAX_AMOUNT, minorDigits } from '../money';
import { ceiling, compare, exact, exactDecimal, max, min, minus, ONE, plus, ratio, reciprocal, roundMinorExact, times, toNumber, ZERO, type Exact } from './exact';
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
 * What a usage period's records add to its quantity, for the models that need more than one
 * number: how many transactions there were, and a percentage line's fee over them when each
 * transaction's fee is bounded (computed by `percentageFee` where the records are).
 */
export interface UsageMeasure {
  records: number;
  percentageFee?: Exact;
}

/**
 * The charge for one full billing period of `line` at `quantity` (exact: a time-weighted average
 * may be a fraction of no finite decimal).
 * - flat: listPrice, whatever the quantity (a fixed fee per period);
 * - per_unit: quantity × listPrice (or × unitAmountDecimal, below the minor unit);
 * - tiered (graduated): each unit at the price of the tier it falls in, plus the flat amount of
 *   every tier reached (a tier is reached when the quantity exceeds the previous tier's upTo);
 * - volume: every unit at the price of the tier the whole quantity falls in (upTo inclusive),
 *   plus that tier's flat amount; no units, no charge;
 * - stairstep: the flat amount of the tier the whole quantity falls in; no units, no charge;
 * - package: every started package of `size` units (after the free units) at the package amount;
 * - percentage: `rate` % of the transactions' amount above the free amount, plus the fixed fee
 *   per transaction after the free ones, each transaction's fee bounded if the line says so;
 * - hybrid: the commitment, plus overage units (quantity − includedUnits, if positive) priced
 *   graduated by `tiers` — whose upTo then counts overage units — or else at the unit price each.
 * The discount applies to the whole line, commitment included; a `minimum` is then the least the
 * period is billed.
 */
export function rateQuantity(line: QuoteLine, quantity: number | Exact, measure?: UsageMeasure): RatedLine {
  if (typeof quantity === 'number' && (!Number.isFinite(quantity) || quantity < 0)) throw new RangeError(`quantity must be a finite number ≥ 0, got ${quantity}`);
  const units = typeof quantity === 'number' ? exact(quantity) : quantity;
  if (compare(units, ZERO) < 0) throw new RangeError('quantity must be ≥ 0');
  const shown = formatQuantity(typeof quantity === 'number' ? quantity : toNumber(quantity));
  const unitPrice = line.unitAmountDecimal !== undefined ? exactDecimal(line.unitAmountDecimal) : ratio(line.listPrice.amount, 1);
  const currency = line.listPrice.currency;
  const price = (minor: number) => formatMoney({ amount: minor, currency });
  const label = `${line.description?.trim() || line.sku}: `;

  let list: Exact;
  let detail: string;
  switch (line.pricingModel) {
    case 'flat':
      list = ratio(line.listPrice.amount, 1);
      detail = price(line.listPrice.amount);
      break;
    case 'per_unit':
      list = times(units, unitPrice);
      detail = `${shown} × ${formatUnitPrice(unitPrice, currency)}`;
      break;
    case 'tiered':
      list = graduated(units, requireTiers(line));
      detail = `${shown} (graduated tiers)`;
      break;
    case 'volume': {
      const tiers = requireTiers(line);
      const index = volumeTierIndex(units, tiers);
      const tier = tiers[index]!;
      list = compare(units, ZERO) === 0 ? ZERO : plus(times(units, tierUnitPrice(tier)), ratio(tier.flatAmount, 1));
      detail = `${shown} × ${formatUnitPrice(tierUnitPrice(tier), currency)} (volume tier ${index + 1})`;
      break;
    }
    case 'stairstep': {
      const tiers = requireTiers(line);
      const index = volumeTierIndex(units, tiers);
      list = compare(units, ZERO) === 0 ? ZERO : ratio(tiers[index]!.flatAmount, 1);
      detail = `${shown} (step ${index + 1}: ${price(tiers[index]!.flatAmount)})`;
      break;
    }
    case 'package': {
      const terms = line.package;
      if (!terms) throw new RangeError(`package line ${line.lineId} has no package`);
      const billable = max(ZERO, minus(units, exact(terms.freeUnits)));
      const packages = ceiling(times(billable, reciprocal(exact(terms.size))));
      list = times({ n: packages, d: 1n }, ratio(terms.amount, 1));
      detail = `${shown}${terms.freeUnits ? ` (${formatQuantity(terms.freeUnits)} free)` : ''}: ${packages} × ${price(terms.amount)} per ${formatQuantity(terms.size)}`;
      break;
    }
    case 'percentage': {
      const terms = line.percentage;
      if (!terms) throw new RangeError(`percentage line ${line.lineId} has no rate`);
      const records = measure?.records ?? 0;
      list = measure?.percentageFee ?? unboundedPercentageFee(terms, units, records);
      detail = `${terms.rate}% of ${formatMoney({ amount: roundMinorExact(units), currency })}${terms.fixedFee ? ` + ${price(terms.fixedFee)} × ${records} transaction(s)` : ''}`;
      break;
    }
    case 'hybrid': {
      if (!line.commitment) throw new RangeError(`hybrid line ${line.lineId} has no commitment`);
      const included = exact(line.includedUnits ?? 0);
      const overage = max(ZERO, minus(units, included));
      const overageAmount = line.tiers ? graduated(overage, line.tiers) : times(overage, unitPrice);
      list = plus(ratio(line.commitment.amount, 1), overageAmount);
      const covered = `${formatQuantity(line.includedUnits ?? 0)} included in ${price(line.commitment.amount)} commitment`;
      const over = line.tiers ? '(graduated tiers)' : `× ${formatUnitPrice(unitPrice, currency)}`;
      detail = compare(overage, ZERO) > 0
        ? `${shown} used, ${covered}, ${formatQuantity(toNumber(overage))} over ${over}`
        : `${shown} used, ${covered}`;
      break;
    }
  }

  const discount = exact(line.discountPercent);
  const payable = times(list, minus(ONE, times(discount, ratio(1, 100))));
  let amount = roundMinorExact(payable);
  let description = label + detail + (line.discountPercent > 0 ? `, ${line.discountPercent}% off` : '');
  if (line.minimum && amount < line.minimum.amount) {
    description += `, minimum ${price(line.minimum.amount)} (${price(line.minimum.amount - amount)} to reach it)`;
    amount = line.minimum.amount;
  }
  return { listAmount: roundMinorExact(list), amount, description };
}

type PercentageTerms = NonNullable<QuoteLine['percentage']>;

/** rate % of the amount above the free amount, plus the fixed fee on each transaction after the free ones. */
function unboundedPercentageFee(terms: PercentageTerms, amount: Exact, transactions: number): Exact {
  if (terms.perTransactionMin !== undefined || terms.perTransactionMax !== undefined) {
    if (compare(amount, ZERO) === 0 && transactions === 0) return ZERO;
    throw new RangeError('a percentage line with per-transaction bounds is rated from its transactions (percentageFee)');
  }
  const rated = times(max(ZERO, minus(amount, ratio(terms.freeAmount, 1))), times(exactDecimal(terms.rate), ratio(1, 100)));
  return plus(rated, ratio(terms.fixedFee * Math.max(0, transactions - terms.freeTransactions), 1));
}

/**
 * A percentage line's fee over one period's transactions (amounts in minor units, in the order
 * they occurred), exact and unrounded: the line rounds once. The free amount is used up by the
 * earliest transactions, the free transactions are the first ones; every transaction that still
 * owes something pays rate % of what is left of it plus the fixed fee, held between the
 * per-transaction minimum and maximum. A transaction that is wholly free stays free.
 */
export function percentageFee(terms: PercentageTerms, transactions: Iterable<Exact>): Exact {
  const rate = times(exactDecimal(terms.rate), ratio(1, 100));
  let freeLeft = ratio(terms.freeAmount, 1);
  let total = ZERO;
  let index = 0;
  for (const amount of transactions) {
    const covered = min(freeLeft, amount);
    freeLeft = minus(freeLeft, covered);
    const fixed = index++ >= terms.freeTransactions ? terms.fixedFee : 0;
    let fee = plus(times(minus(amount, covered), rate), ratio(fixed, 1));
    if (compare(fee, ZERO) > 0) {
      if (terms.perTransactionMin !== undefined) fee = max(fee, ratio(terms.perTransactionMin, 1));
      if (terms.perTransactionMax !== undefined) fee = min(fee, ratio(terms.perTransactionMax, 1));
    }
    total = plus(total, fee);
  }
  return total;
}

/** A usage line rated at `quantity`, or null when its amount would be too large to count exactly. */
export function rateWithinBounds(line: QuoteLine, quantity: number | Exact, measure?: UsageMeasure): RatedLine | null {
  try {
    const rated = rateQuantity(line, quantity, measure);
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
    total = plus(total, plus(times(minus(ceiling, floor), tierUnitPrice(tier)), ratio(tier.flatAmount, 1)));
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

/** A line's price in a few words, for people (the Temporal UI's details, the timeline): "0.0006 USD each", "1.2% + 0.10 USD a transaction". */
export function priceInWords(line: QuoteLine): string {
  const currency = line.listPrice.currency;
  const money = (amount: number) => formatMoney({ amount, currency });
  const unit = formatUnitPrice(line.unitAmountDecimal !== undefined ? exactDecimal(line.unitAmountDecimal) : ratio(line.listPrice.amount, 1), currency);
  switch (line.pricingModel) {
    case 'flat':
      return money(line.listPrice.amount);
    case 'per_unit':
      return `${unit} each`;
    case 'tiered':
    case 'volume':
    case 'stairstep':
      return `${line.pricingModel} in ${line.tiers?.length ?? 0} tier(s)`;
    case 'package':
      return `${money(line.package!.amount)} per ${formatQuantity(line.package!.size)}${line.package!.freeUnits ? ` after ${formatQuantity(line.package!.freeUnits)} free` : ''}`;
    case 'percentage':
      return `${line.percentage!.rate}%${line.percentage!.fixedFee ? ` + ${money(line.percentage!.fixedFee)} a transaction` : ''}`;
    case 'hybrid':
      return `${money(line.commitment!.amount)} for ${formatQuantity(line.includedUnits ?? 0)}, then ${line.tiers ? 'tiers' : `${unit} each`}`;
  }
}

function tierUnitPrice(tier: PriceTier): Exact {
  return tier.unitAmountDecimal !== undefined ? exactDecimal(tier.unitAmountDecimal) : ratio(tier.unitAmount, 1);
}

/**
 * A unit price for people: in major units, with as many places as it needs beyond the currency's
 * own ("0.0006 USD" for 0.06 cents); exact, from the decimal digits, not a float.
 */
export function formatUnitPrice(price: Exact, currency: string): string {
  const digits = minorDigits(currency);
  const major = times(price, { n: 1n, d: 10n ** BigInt(digits) });
  const negative = major.n < 0n;
  const n = negative ? -major.n : major.n;
  const whole = n / major.d;
  let rest = n % major.d;
  let fraction = '';
  // Up to 12 places below the minor unit; a price that goes on for ever (a third) is cut there.
  for (let i = 0; i < digits + 12 && (rest !== 0n || i < digits); i++) {
    rest *= 10n;
    fraction += String(rest / major.d);
    rest %= major.d;
  }
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''} ${currency}`;
}

function requireTiers(line: QuoteLine): PriceTier[] {
  if (!line.tiers?.length) throw new RangeError(`${line.pricingModel} line ${line.lineId} has no tiers`);
  return line.tiers;
}

/** 1250000 → "1,250,000"; grouping by hand, because toLocaleString depends on the host's ICU data. */
export function formatQuantity(quantity: number): string {
  const text = String(quantity);
  if (text.includes('e')) return text;
  const [whole = '', fraction] = text.split('.');
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (fraction ? `.${fraction}` : '');
}
