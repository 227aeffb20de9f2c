import { describe, expect, it } from 'vitest';
import { messages, payments, usageRecords } from '../../db/schema';
import { scheduleByMonth, type RevenueLine } from '../../domain/billing/recognition';
import { and, eq } from 'drizzle-orm';
import { contractInvoices, invoicesUntil, lines, linesOf, revenueOf, quietSaasPlaybook, send, signedContract, state, usd } from '../support/contracts';
import { timelineOf } from '../support/database';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { DAY, HOUR, timeSkippingSuite } from '../support/suite';

/**
 * A prepaid wallet consumed across a three-month term, through the real contract and invoice
 * workflows: 1,000 prepaid calls, a 10.00 promotional credit, a promotion that expires unused,
 * a 50.00 top-up and, in month three, another. Usage is 0.02 a call.
 */
describe('contract wallet: prepaid units, free credit and paid top-ups used by usage before anything is charged', () => {
  const suite = timeSkippingSuite();
  const playbook = quietSaasPlaybook({ wallet: { lowBalanceBelow: 2000, overdraftUpTo: 0 }, anomaly: { thresholdPercent: 100_000 } });

  it('bills each month net of the wallet, shows the balance, alerts when it runs low, and recognises billed less credits', async () => {
    const db = suite.database.db;
    const { tenantId, contractId, handle, start } = await signedContract(suite, { playbook, term: 'P3M', autoRenew: false, lines: lines({ lineId: 'calls', sku: 'API', description: 'API calls', listPrice: usd(2), pricingModel: 'per_unit', usageMetric: 'api_calls', billing: { interval: 'month', timing: 'arrears' } }) });
    await send(handle, { type: 'credit.granted', grantId: 'calls-1k', units: { metric: 'api_calls', quantity: 1000 }, paid: false, priority: 50 });
    await send(handle, { type: 'credit.granted', grantId: 'promo', amount: usd(1000), paid: false, priority: 10 });
    await send(handle, { type: 'credit.granted', grantId: 'promo-short', amount: usd(800), paid: false, priority: 20, expiresAt: new Date(Date.parse(start) + 5 * DAY).toISOString() });
    await send(handle, { type: 'credit.granted', grantId: 'topup-1', amount: usd(5000), paid: true, priority: 50 });
    expect((await state(handle)).wallet).toMatchObject({ balance: usd(6800), paid: usd(5000), free: usd(1800), units: { api_calls: 1000 } });

    const month = async (calls: number, id: string) => {
      const p = (await state(handle)).currentPeriods[0]!;
      await db.insert(usageRecords).values({ tenantId, contractId, id, metric: 'api_calls', quantity: String(calls), occurredAt: new Date(Date.parse(p.start) + 7 * DAY) });
      const before = (await contractInvoices(db, tenantId, contractId)).length;
      await suite.env.sleep(Date.parse(p.end) - (await suite.now()) + HOUR);
      const rows = await invoicesUntil(db, tenantId, contractId, (r) => r.length === before + 1);
      const invoice = rows.at(-1)!;
      return { invoice, lines: (await linesOf(db, tenantId, invoice.id)).map((l) => [l.description, l.amount]) };
    };

    // Month 1: 3,000 calls; 1,000 are prepaid, 2,000 cost 40.00; the promotion pays 10.00 (the
    // short one expired on day 5), the top-up pays the other 30.00.
    const one = await month(3000, 'm1');
    expect(one.lines).toEqual([
      ['API calls: 2,000 × 0.02 USD (1 record(s), 1,000 from prepaid units)', 4000],
      ['Prepaid credit applied (grant promo)', -1000],
    ]);
    expect(one.invoice).toMatchObject({ total: 3000 });
    await eventually(async () => (await contractInvoices(db, tenantId, contractId)).find((i) => i.id === one.invoice.id)!, { until: (i) => i.status === 'paid' && i.balance === 0 });
    expect((await state(handle)).wallet).toMatchObject({ balance: usd(2000), paid: usd(2000), free: usd(0), units: { api_calls: 0 } });
    const story = await timelineOf(db, tenantId, contractId, 'contract');
    expect(story.find((e) => e.type === 'credit.expired')!.summary).toBe('credit promo-short expired with 8.00 USD unused');
    expect(story.some((e) => e.type === 'wallet.low_balance')).toBe(false);

    // Month 2: 1,500 calls, 30.00: the top-up's last 20.00 pays part; 10.00 is charged. The
    // wallet is empty: below the 20.00 mark, one alert.
    const two = await month(1500, 'm2');
    expect(two.invoice).toMatchObject({ total: 3000 });
    await eventually(async () => (await contractInvoices(db, tenantId, contractId)).find((i) => i.id === two.invoice.id)!, { until: (i) => i.balance === 1000 });
    expect((await state(handle)).wallet).toMatchObject({ balance: usd(0) });
    await eventually(() => timelineOf(db, tenantId, contractId, 'contract'), { until: (t) => t.filter((e) => e.type === 'wallet.low_balance').length === 1 });
    // And the customer is told, once.
    const told = await db.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.subjectId, contractId), eq(messages.kind, 'wallet.low_balance')));
    expect(told.map((m) => m.body)).toEqual([`Hi Initech, the prepaid balance of contract ${contractId} is down to 0.00 USD (below 20.00 USD). Top up to keep usage paid from it.`]);

    // Month 3: topped up again; 500 calls (10.00) are paid from it.
    await send(handle, { type: 'credit.granted', grantId: 'topup-2', amount: usd(5000), paid: true, priority: 50 });
    const three = await month(500, 'm3');
    expect(three.invoice).toMatchObject({ total: 1000 });
    await eventually(async () => (await contractInvoices(db, tenantId, contractId)).find((i) => i.id === three.invoice.id)!, { until: (i) => i.status === 'paid' });
    expect((await state(handle)).wallet).toMatchObject({ balance: usd(4000), paid: usd(4000) });

    // The invoices bill 30.00 + 30.00 + 10.00; revenue recognised is the same, to the cent.
    const all = await contractInvoices(db, tenantId, contractId);
    const billed = all.reduce((sum, i) => sum + i.total, 0);
    expect(billed).toBe(7000);
    const revenue = await revenueOf(db, tenantId, contractId);
    const asLines: RevenueLine[] = revenue.map((r) => ({ key: r.key, amount: r.amount, method: r.method, start: r.start.toISOString(), end: r.end.toISOString(), billedAt: r.billedAt.toISOString() }));
    expect(scheduleByMonth(asLines).reduce((sum, m) => sum + m.recognised, 0)).toBe(billed);
    // What the top-ups paid is recorded as payments of the invoices.
    const paid = await db.select().from(payments).where(and(eq(payments.tenantId, tenantId), eq(payments.subjectId, contractId)));
    expect(paid.reduce((sum, p) => sum + (p.amount ?? 0), 0)).toBe(3000 + 2000 + 1000);
    await recordHistory(handle, 'contract-wallet');
  });

  it('recognises paid credit that expires unused as breakage revenue at its expiry, and free credit not at all', async () => {
    const db = suite.database.db;
    const { tenantId, contractId, handle, start } = await signedContract(suite, { playbook, term: 'P3M', autoRenew: false, lines: lines({ lineId: 'calls', sku: 'API', description: 'API calls', listPrice: usd(2), pricingModel: 'per_unit', usageMetric: 'api_calls', billing: { interval: 'month', timing: 'arrears' } }) });
    const expiresAt = new Date(Date.parse(start) + 40 * DAY).toISOString();
    await send(handle, { type: 'credit.granted', grantId: 'topup-exp', amount: usd(5000), paid: true, priority: 50, expiresAt });

    // Month 1: 1,000 calls, 20.00, paid from the top-up; 30.00 is left of it.
    const p = (await state(handle)).currentPeriods[0]!;
    await db.insert(usageRecords).values({ tenantId, contractId, id: 'b1', metric: 'api_calls', quantity: '1000', occurredAt: new Date(Date.parse(p.start) + 7 * DAY) });
    await suite.env.sleep(Date.parse(p.end) - (await suite.now()) + HOUR);
    const [first] = await invoicesUntil(db, tenantId, contractId, (r) => r.length === 1);
    expect(first).toMatchObject({ total: 2000 });
    await eventually(async () => (await contractInvoices(db, tenantId, contractId))[0]!, { until: (i) => i.status === 'paid' });
    // A promotion granted after the close, expiring with the top-up, never used.
    await send(handle, { type: 'credit.granted', grantId: 'promo-exp', amount: usd(700), paid: false, priority: 60, expiresAt });

    // Day 40: both expire. The top-up's 30.00 was paid for: revenue, at that instant. The promotion's 7.00 was not.
    await suite.env.sleep(Date.parse(expiresAt) - (await suite.now()) + HOUR);
    const story = await eventually(() => timelineOf(db, tenantId, contractId, 'contract'), { until: (t) => t.filter((e) => e.type === 'credit.expired').length === 2 });
    expect(story.filter((e) => e.type === 'credit.expired').map((e) => e.summary).sort()).toEqual([
      'credit promo-exp expired with 7.00 USD unused',
      'prepaid top-up topup-exp expired with 30.00 USD unused, recognised as breakage revenue',
    ]);
    const revenue = await eventually(() => revenueOf(db, tenantId, contractId), { until: (r) => r.some((l) => l.key.startsWith('breakage:')) });
    const breakage = revenue.filter((r) => r.key.startsWith('breakage:'));
    expect(breakage.map((r) => ({ key: r.key, amount: r.amount, method: r.method, start: r.start.toISOString(), end: r.end.toISOString() }))).toEqual([
      { key: 'breakage:topup-exp', amount: 3000, method: 'point', start: expiresAt, end: expiresAt },
    ]);
    expect((await state(handle)).wallet).toMatchObject({ balance: usd(0), paid: usd(0), free: usd(0) });
    // Recognised to date: the 20.00 billed and the 30.00 breakage, in the month the credit expired.
    const asLines: RevenueLine[] = revenue.map((r) => ({ key: r.key, amount: r.amount, method: r.method, start: r.start.toISOString(), end: r.end.toISOString(), billedAt: r.billedAt.toISOString() }));
    const schedule = scheduleByMonth(asLines);
    expect(schedule.reduce((sum, m) => sum + m.recognised, 0)).toBe(2000 + 3000);
    expect(schedule.find((m) => m.month === expiresAt.slice(0, 7))!.recognised).toBeGreaterThanOrEqual(3000);
    await recordHistory(handle, 'contract-wallet-breakage');
  });
});
