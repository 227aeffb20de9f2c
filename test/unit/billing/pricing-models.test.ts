import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateUsage, type UsageRow } from '../../../domain/billing/aggregation';
import { upliftedDecimal } from '../../../domain/billing/amounts';
import { exactDecimal, exactFromText, exactText, ratio } from '../../../domain/billing/exact';
import { uplift } from '../../../domain/billing/line-changes';
import { QuoteLine } from '../../../domain/billing/quote-line';
import { formatUnitPrice, percentageFee, rateQuantity } from '../../../domain/billing/rating';
import { committedPerPeriod } from '../../../domain/billing/recurring';

const USD = (amount: number) => ({ amount, currency: 'USD' });
const usage = { usageMetric: 'api.calls', billing: { interval: 'month', timing: 'arrears' } };

function line(fields: Record<string, unknown>): QuoteLine {
  return QuoteLine.parse({ lineId: 'line-1', sku: 'api', billing: { interval: 'month', timing: 'advance' }, listPrice: USD(0), ...fields });
}
const issues = (fields: Record<string, unknown>) => {
  const parsed = QuoteLine.safeParse({ lineId: 'line-1', sku: 'api', listPrice: USD(0), ...usage, ...fields });
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('sub-cent unit prices (decimal minor units, up to 12 places)', () => {
  it("Lago's volume example: 65,000 API calls at $0.0006 plus the $10 tier fee cost $49", () => {
    // https://getlago.com/docs/guide/plans/charges/charge-models/volume
    // Tier 1 ≤ 10,000 at $0.0010, tier 2 ≤ 50,000 at $0.0008, tier 3 ≤ 100,000 at $0.0006, tier 4 at $0.0004; $10 fixed fee each.
    const lago = line({
      description: 'API calls',
      pricingModel: 'volume',
      tiers: [
        { upTo: 10_000, unitAmountDecimal: '0.1', flatAmount: 1000 },
        { upTo: 50_000, unitAmountDecimal: '0.08', flatAmount: 1000 },
        { upTo: 100_000, unitAmountDecimal: '0.06', flatAmount: 1000 },
        { upTo: null, unitAmountDecimal: '0.04', flatAmount: 1000 },
      ],
      ...usage,
    });
    expect(rateQuantity(lago, 65_000)).toEqual({ listAmount: 4900, amount: 4900, description: 'API calls: 65,000 × 0.0006 USD (volume tier 3)' });
  });

  it.each([
    // Stripe's unit_amount_decimal: "the unit amount in cents … as a decimal string with at most 12 decimal places"
    // (https://docs.stripe.com/api/prices/object#price_object-unit_amount_decimal).
    { what: 'half a cent × 3 is 1.5 cents: rounded once, half away from zero, to 2', price: '0.5', quantity: 3, amount: 2 },
    { what: 'half a cent × 4 is exactly 2 cents', price: '0.5', quantity: 4, amount: 2 },
    { what: 'a trillionth of a cent × a trillion calls is a cent', price: '0.000000000001', quantity: 1e12, amount: 1 },
    { what: 'a price with 12 places × 1,000 keeps every place', price: '1.234567890123', quantity: 1000, amount: 1235 },
    { what: '0.0049 cents × 100 is 0.49 cents: nothing', price: '0.0049', quantity: 100, amount: 0 },
    { what: '0.005 cents × 100 is half a cent: one cent', price: '0.005', quantity: 100, amount: 1 },
  ])('per unit: $what', ({ price, quantity, amount }) => {
    expect(rateQuantity(line({ pricingModel: 'per_unit', unitAmountDecimal: price, ...usage }), quantity).amount).toBe(amount);
  });

  it('prices a whole-cent decimal exactly as the integer price (any price, any quantity)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 100 }), (price, quantity, discountPercent) => {
        const integer = rateQuantity(line({ pricingModel: 'per_unit', listPrice: USD(price), discountPercent, ...usage }), quantity);
        const decimal = rateQuantity(line({ pricingModel: 'per_unit', unitAmountDecimal: String(price), discountPercent, ...usage }), quantity);
        expect(decimal.amount).toBe(integer.amount);
      }),
    );
  });

  it('shows the price with the places it needs, in major units', () => {
    expect(formatUnitPrice(exactDecimal('0.06'), 'USD')).toBe('0.0006 USD');
    expect(formatUnitPrice(exactDecimal('4000'), 'USD')).toBe('40.00 USD');
    expect(formatUnitPrice(exactDecimal('0.5'), 'JPY')).toBe('0.5 JPY');
    expect(formatUnitPrice(exactDecimal('1.234567890123'), 'USD')).toBe('0.01234567890123 USD');
  });

  it('refuses what would not be exact or not be meant', () => {
    expect(issues({ pricingModel: 'per_unit', unitAmountDecimal: '0.0000000000001' })).toEqual([expect.stringMatching(/^unitAmountDecimal: minor units as a decimal string with at most 12 decimal places/)]);
    expect(issues({ pricingModel: 'per_unit', unitAmountDecimal: '1e-3' })).toHaveLength(1);
    expect(issues({ pricingModel: 'per_unit', unitAmountDecimal: '0.06', listPrice: USD(1) })).toEqual(['unitAmountDecimal: give the unit price once: listPrice.amount 0 (the currency stays) and unitAmountDecimal']);
    expect(issues({ pricingModel: 'tiered', tiers: [{ upTo: null, unitAmount: 1, unitAmountDecimal: '0.5' }] })).toEqual(['tiers.0.unitAmountDecimal: give the unit price once: unitAmount or unitAmountDecimal']);
  });

  it('a renewal uplift raises a decimal price exactly, to 12 places at most', () => {
    expect(upliftedDecimal('0.06', 5)).toBe('0.063');
    expect(upliftedDecimal('1', 33.3333)).toBe('1.333333');
    expect(upliftedDecimal('0.000000000001', 50)).toBe('0.000000000002');
    expect(upliftedDecimal('999999999999.999999999999', 0)).toBe('999999999999.999999999999');
    const renewed = uplift(line({ pricingModel: 'per_unit', unitAmountDecimal: '0.06', ...usage }), 10);
    expect(renewed.unitAmountDecimal).toBe('0.066');
  });
});

describe('percentage charges (take rates)', () => {
  const take = (fields: Record<string, unknown> = {}) => line({ description: 'Payments', pricingModel: 'percentage', percentage: { rate: '1.2', fixedFee: 10, ...fields }, ...usage });
  const cents = (...amounts: number[]) => amounts.map((a) => ratio(a, 1));

  it("Lago's 1.2 % + $0.10 a transaction: $0.70 on a $50 transaction", () => {
    // https://getlago.com/docs/guide/plans/charges/charge-models/percentage (1.2 % on transactions, $0.10 per transaction)
    expect(rateQuantity(take(), 5000, { records: 1 })).toEqual({ listAmount: 70, amount: 70, description: 'Payments: 1.2% of 50.00 USD + 0.10 USD × 1 transaction(s)' });
    expect(rateQuantity(take(), 5000, { records: 1, percentageFee: percentageFee(take().percentage!, cents(5000)) }).amount).toBe(70);
  });

  it('rounds once over the period, not per transaction', () => {
    // 1.2 % of 1.25 USD is 1.5 cents; ten of them are 15 cents, not 10 × 2.
    const fee = percentageFee({ ...take().percentage!, fixedFee: 0 }, cents(...Array(10).fill(125)));
    expect(rateQuantity(take({ fixedFee: 0 }), 1250, { records: 10, percentageFee: fee }).amount).toBe(15);
  });

  it.each([
    { what: 'a small transaction is raised to the minimum', transactions: [1000], fee: 50 },
    { what: 'a mid-size one pays its rate and fee', transactions: [5000], fee: 70 },
    { what: 'a large one is held at the maximum', transactions: [100_000], fee: 500 },
    { what: 'the three together', transactions: [1000, 5000, 100_000], fee: 620 },
  ])('per-transaction minimum 0.50 and maximum 5.00: $what', ({ transactions, fee }) => {
    const terms = take({ perTransactionMin: 50, perTransactionMax: 500 });
    const sum = transactions.reduce((a, b) => a + b, 0);
    expect(rateQuantity(terms, sum, { records: transactions.length, percentageFee: percentageFee(terms.percentage!, cents(...transactions)) }).amount).toBe(fee);
  });

  it("Lago's free units: the first 3 transactions or the first $500 are free", () => {
    // https://getlago.com/docs/guide/plans/charges/charge-models/percentage ("the first 3 events or $500 are free")
    const terms = take({ freeTransactions: 3, freeAmount: 50_000 }).percentage!;
    // Four transactions of $200: the first $500 covers two and a half; the fourth pays the fixed fee.
    const fee = percentageFee(terms, cents(20_000, 20_000, 20_000, 20_000));
    // 1.2 % of the $300 above $500 is $3.60, plus one $0.10 fixed fee.
    expect(rateQuantity(take({ freeTransactions: 3, freeAmount: 50_000 }), 80_000, { records: 4, percentageFee: fee }).amount).toBe(370);
    // Without bounds, the period's sum and count give the same fee.
    expect(rateQuantity(take({ freeTransactions: 3, freeAmount: 50_000 }), 80_000, { records: 4 }).amount).toBe(370);
  });

  it('needs a usage metric, and a minimum no larger than the maximum', () => {
    expect(QuoteLine.safeParse({ lineId: 'l', sku: 'p', listPrice: USD(0), pricingModel: 'percentage', percentage: { rate: '1.2' }, billing: { interval: 'month', timing: 'arrears' } }).success).toBe(false);
    expect(issues({ pricingModel: 'percentage', percentage: { rate: '1.2', perTransactionMin: 500, perTransactionMax: 50 } })).toEqual(['percentage: perTransactionMin must not exceed perTransactionMax']);
    expect(issues({ pricingModel: 'percentage', percentage: { rate: '100.5' } })).toHaveLength(1);
  });
});

describe('package, stairstep and minimum commitments', () => {
  it("Lago's package example: $5 per 100 units after 100 free; 201 units cost $10", () => {
    // https://getlago.com/docs/guide/plans/charges/charge-models/package
    const packaged = line({ description: 'API calls', pricingModel: 'package', package: { size: 100, amount: 500, freeUnits: 100 }, ...usage });
    expect(rateQuantity(packaged, 201)).toEqual({ listAmount: 1000, amount: 1000, description: 'API calls: 201 (100 free): 2 × 5.00 USD per 100' });
    expect(rateQuantity(packaged, 100).amount).toBe(0);
    expect(rateQuantity(packaged, 200).amount).toBe(500);
    expect(rateQuantity(packaged, 0).amount).toBe(0);
  });

  it("stairstep (Chargebee's model): one price for the whole step the quantity is on", () => {
    // Chargebee, "Pricing models": stairstep charges a flat price for a range of units.
    // 1–10 users 100.00, 11–25 users 200.00, more 300.00.
    const steps = line({ description: 'Users', pricingModel: 'stairstep', tiers: [{ upTo: 10, flatAmount: 10_000 }, { upTo: 25, flatAmount: 20_000 }, { upTo: null, flatAmount: 30_000 }], ...usage });
    expect([0, 1, 10, 11, 25, 26, 1000].map((q) => rateQuantity(steps, q).amount)).toEqual([0, 10_000, 10_000, 20_000, 20_000, 30_000, 30_000]);
    expect(rateQuantity(steps, 11).description).toBe('Users: 11 (step 2: 200.00 USD)');
    expect(issues({ pricingModel: 'stairstep', tiers: [{ upTo: null, unitAmount: 5, flatAmount: 100 }] })).toEqual(['tiers: a stairstep tier is priced by its flatAmount alone']);
  });

  it('a minimum commitment: a period below it is billed the minimum, the shortfall said', () => {
    // Lago's charge "spending minimum": usage of $50 against a $100 minimum is invoiced $100.
    const metered = line({ description: 'API calls', pricingModel: 'per_unit', listPrice: USD(5), minimum: USD(10_000), ...usage });
    expect(rateQuantity(metered, 1000)).toEqual({ listAmount: 5000, amount: 10_000, description: 'API calls: 1,000 × 0.05 USD, minimum 100.00 USD (50.00 USD to reach it)' });
    expect(rateQuantity(metered, 3000).amount).toBe(15_000);
    // It is what the line commits to every period (its recurring revenue).
    expect(committedPerPeriod(metered)).toBe(10_000);
    expect(issues({ pricingModel: 'per_unit', minimum: USD(1), usageMetric: undefined, billing: { interval: 'month', timing: 'advance' } })).toContain('minimum: a minimum commitment is for usage lines; a subscription line bills its price');
  });
});

describe('usage aggregation beyond sum', () => {
  const H = 3_600_000;
  const period = { from: 0, to: 30 * 24 * H };
  const row = (quantity: string, at: number, value?: string): UsageRow => ({ quantity: exactDecimal(quantity), at, value: value ?? null });
  const rows = [row('3', 1 * H, 'u-1'), row('7', 2 * H, 'u-2'), row('2', 3 * H, 'u-1'), row('5', 4 * H)];

  it.each([
    { aggregation: 'sum', quantity: '17/1' },
    { aggregation: 'count', quantity: '4/1' },
    { aggregation: 'max', quantity: '7/1' },
    { aggregation: 'unique_count', property: 'user_id', quantity: '2/1' },
    { aggregation: 'latest', quantity: '5/1' },
  ] as const)('$aggregation of four records', ({ quantity, ...metric }) => {
    expect(exactText(aggregateUsage(metric, rows, period))).toBe(quantity);
  });

  it.each([
    { what: 'no records: nothing, or the level carried in', rows: [], before: '0', quantity: '0/1' },
    { what: '10 seats all period, carried in from before it', rows: [], before: '10', quantity: '10/1' },
    { what: '10 seats for the first half, 20 for the second: 15', rows: [row('20', 15 * 24 * H)], before: '10', quantity: '15/1' },
    { what: '0 for two thirds, 30 for the last third: 10 exactly', rows: [row('30', 20 * 24 * H)], before: '0', quantity: '10/1' },
    { what: '10 seats, one more for a third of the period: 10⅓', rows: [row('11', 20 * 24 * H)], before: '10', quantity: '31/3' },
    { what: 'a level set at the very start replaces the one carried in', rows: [row('4', 0)], before: '100', quantity: '4/1' },
  ])('time-weighted gauge: $what', ({ rows: given, before, quantity }) => {
    expect(exactText(aggregateUsage({ aggregation: 'time_weighted' }, given, period, exactDecimal(before)))).toBe(quantity);
  });

  it('a gauge rates its exact average: 10⅓ seats at 30.00 is 310.00', () => {
    const seats = line({ description: 'Seats', pricingModel: 'per_unit', listPrice: USD(3000), ...usage });
    expect(rateQuantity(seats, exactFromText('31/3')).amount).toBe(31_000);
  });
});
