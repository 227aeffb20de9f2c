import { describe, expect, it } from 'vitest';
import { usageRecords } from '../../db/schema';
import { contractInvoices, invoicesUntil, lines, linesOf, quietSaasPlaybook, signedContract, state, usd } from '../support/contracts';
import { recordHistory } from '../support/histories';
import { DAY, HOUR, timeSkippingSuite } from '../support/suite';

/**
 * One contract, billed at the close of a month through the real workflow and activities, with a
 * line for each of the pricing models and aggregations beyond a plain sum: a seat gauge that
 * doubles mid-period, a take rate on payments with a per-transaction minimum, active users
 * counted once each, and API calls priced below the cent.
 */
describe('contract usage priced by the models and aggregations beyond sum', () => {
  const suite = timeSkippingSuite();
  const playbook = quietSaasPlaybook({}, { usageMetrics: { seats: { aggregation: 'time_weighted' }, active_users: { aggregation: 'unique_count', property: 'user_id' }, payments: { aggregation: 'sum' } } });
  const arrears = { billing: { interval: 'month', timing: 'arrears' } };

  it('bills a gauge by its time-weighted average, a take rate per transaction, unique users, and sub-cent calls', async () => {
    const db = suite.database.db;
    const { tenantId, contractId, handle } = await signedContract(suite, {
      playbook,
      lines: lines(
        { lineId: 'seats', sku: 'SEAT', description: 'Seats', listPrice: usd(3000), pricingModel: 'per_unit', usageMetric: 'seats', ...arrears },
        { lineId: 'take', sku: 'PAY', description: 'Payments', listPrice: usd(0), pricingModel: 'percentage', percentage: { rate: '1.2', fixedFee: 10, perTransactionMin: 50 }, usageMetric: 'payments', ...arrears },
        { lineId: 'users', sku: 'MAU', description: 'Active users', listPrice: usd(100), pricingModel: 'per_unit', usageMetric: 'active_users', ...arrears },
        { lineId: 'calls', sku: 'API', description: 'API calls', listPrice: usd(0), unitAmountDecimal: '0.06', pricingModel: 'per_unit', usageMetric: 'api_calls', ...arrears },
      ),
    });
    const period = (await state(handle)).currentPeriods.find((p) => p.lineId === 'seats')!;
    const from = Date.parse(period.start);
    const to = Date.parse(period.end);
    const record = (id: string, metric: string, quantity: number, at: number, properties?: Record<string, string>) => ({ tenantId, contractId, id, metric, quantity: String(quantity), occurredAt: new Date(at), ...(properties ? { properties } : {}) });
    await db.insert(usageRecords).values([
      // 10 seats from the start, 20 from the middle of the month: 15 on average.
      record('s1', 'seats', 10, from),
      record('s2', 'seats', 20, from + (to - from) / 2),
      // Three payments: 10.00 pays the 0.50 minimum, 50.00 its 0.70, 1,000.00 its 12.10.
      record('p1', 'payments', 1000, from + DAY),
      record('p2', 'payments', 5000, from + 2 * DAY),
      record('p3', 'payments', 100_000, from + 3 * DAY),
      // Three sessions of two users.
      record('a1', 'active_users', 1, from + DAY, { user_id: 'u-1' }),
      record('a2', 'active_users', 1, from + 2 * DAY, { user_id: 'u-2' }),
      record('a3', 'active_users', 1, from + 3 * DAY, { user_id: 'u-1' }),
      record('c1', 'api_calls', 65_000, from + DAY),
    ]);
    await suite.env.sleep(to - (await suite.now()) + HOUR);
    const [invoice] = await invoicesUntil(db, tenantId, contractId, (rows) => rows.length === 1);
    const billed = await linesOf(db, tenantId, invoice!.id);
    expect(billed.map((l) => [l.lineRef, Number(l.quantity), l.amount])).toEqual([
      ['seats', 15, 45_000],
      ['take', 106_000, 50 + 70 + 1210],
      ['users', 2, 200],
      ['calls', 65_000, 3900],
    ]);
    expect(billed.find((l) => l.lineRef === 'calls')!.description).toContain('65,000 × 0.0006 USD');
    expect(invoice!.total).toBe(45_000 + 1330 + 200 + 3900);
    expect((await contractInvoices(db, tenantId, contractId)).length).toBe(1);
    await recordHistory(handle, 'contract-usage-models');
  });
});
