import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { leakageEntries, usageRecords } from '../../db/schema';
import { contractInvoices, invoicesUntil, lines, linesOf, revenueOf, quietSaasPlaybook, signedContract, state, usd } from '../support/contracts';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { DAY, HOUR, timeSkippingSuite } from '../support/suite';

/**
 * Usage that arrives after its period was invoiced (Kill Bill #876): neither lost nor added to
 * the wrong period. The next close of its metric bills it as an adjustment line dated to the
 * period it was used in (rated as that period's invoice would have rated it: here across a tier
 * boundary), its revenue recognised there; a record reported after the grace window is a row in
 * the leakage ledger; a later close does not bill it again.
 */
describe('late usage after a period closed', () => {
  const suite = timeSkippingSuite();
  const playbook = quietSaasPlaybook({ lateUsageGrace: 'P3D', anomaly: { thresholdPercent: 1000 } });

  it('bills it on the next invoice as a dated adjustment, once, and counts what came after the grace window', async () => {
    const db = suite.database.db;
    const { tenantId, contractId, handle } = await signedContract(suite, { playbook, term: 'P3M', lines: lines({ lineId: 'calls', sku: 'API', description: 'API calls', listPrice: usd(0), pricingModel: 'tiered', tiers: [{ upTo: 1000, unitAmount: 0 }, { upTo: null, unitAmount: 2 }], usageMetric: 'api_calls', billing: { interval: 'month', timing: 'arrears' } }) });
    const first = (await state(handle)).currentPeriods[0]!;
    const record = (id: string, quantity: number, at: number, late = false, receivedAt = at) => ({ tenantId, contractId, id, metric: 'api_calls', quantity: String(quantity), occurredAt: new Date(at), late, receivedAt: new Date(receivedAt) });
    const p1 = { from: Date.parse(first.start), to: Date.parse(first.end) };
    await db.insert(usageRecords).values(record('u1', 800, p1.from + DAY));
    await suite.env.sleep(p1.to - (await suite.now()) + HOUR);
    const [one] = await invoicesUntil(db, tenantId, contractId, (r) => r.length === 1);
    expect((await linesOf(db, tenantId, one!.id)).map((l) => [l.lineRef, Number(l.quantity), l.amount])).toEqual([['calls', 800, 0]]);

    // Two records of the first month come in late: one a day after its close, one five days after.
    await db.insert(usageRecords).values([record('late-1', 500, p1.from + 10 * DAY, true, p1.to + DAY), record('late-2', 200, p1.from + 20 * DAY, true, p1.to + 5 * DAY)]);
    const second = (await state(handle)).currentPeriods[0]!;
    const p2 = { from: Date.parse(second.start), to: Date.parse(second.end) };
    await db.insert(usageRecords).values(record('u2', 300, p2.from + 2 * DAY));
    await suite.env.sleep(p2.to - (await suite.now()) + HOUR);
    const [, two] = await invoicesUntil(db, tenantId, contractId, (r) => r.length === 2);
    const billed = await linesOf(db, tenantId, two!.id);
    expect(billed.map((l) => [l.lineRef, Number(l.quantity), l.amount, l.periodStart!.toISOString(), l.periodEnd!.toISOString()])).toEqual([
      ['calls', 300, 0, second.start, second.end],
      // 800 + 700 = 1,500 in the first month: 500 over the free tier at 0.02, not 700 in this one.
      ['calls', 700, 1000, first.start, first.end],
    ]);
    expect(billed[1]!.description).toBe(`Late usage of api_calls for ${first.start.slice(0, 10)} → ${first.end.slice(0, 10)}: +700 (2 record(s) received after the period was invoiced)`);
    expect(two!.total).toBe(1000);

    // Recognised in the month it was used.
    const revenue = await revenueOf(db, tenantId, contractId);
    const adjustment = revenue.find((r) => r.invoiceId === two!.id && r.amount === 1000)!;
    expect([adjustment.start.toISOString(), adjustment.end.toISOString()]).toEqual([first.start, first.end]);

    // The one reported after the grace window is in the ledger, recovered by the late billing.
    const leaks = await db.select().from(leakageEntries).where(and(eq(leakageEntries.tenantId, tenantId), eq(leakageEntries.kind, 'usage_late')));
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ status: 'recovered', recovered: 1000, recoveredBy: 'late_usage_billing' });
    expect(leaks[0]!.summary).toContain('1 usage record(s) of line calls');

    // The next close bills its own month and nothing of the first again.
    await suite.env.sleep(Date.parse((await state(handle)).currentPeriods[0]!.end) - (await suite.now()) + HOUR);
    const [, , three] = await invoicesUntil(db, tenantId, contractId, (r) => r.length === 3);
    expect((await linesOf(db, tenantId, three!.id)).map((l) => l.description)).toEqual([expect.stringMatching(/^API calls: 0 \(graduated tiers\)/)]);
    await recordHistory(handle, 'contract-late-usage');
  });

  it('carries an invoice that late readings bring below zero to account credit, paid as issued, and the next invoice uses it', async () => {
    const db = suite.database.db;
    const gauged = quietSaasPlaybook({ lateUsageGrace: 'P10D', anomaly: { thresholdPercent: 100_000 } }, { usageMetrics: { seats_used: { aggregation: 'time_weighted' } } });
    const { tenantId, contractId, handle } = await signedContract(suite, { playbook: gauged, term: 'P3M', lines: lines({ lineId: 'seats', sku: 'SEAT', description: 'Seats', listPrice: usd(1000), pricingModel: 'per_unit', usageMetric: 'seats_used', billing: { interval: 'month', timing: 'arrears' } }) });
    const record = (id: string, quantity: number, at: number, late = false, receivedAt = at) => ({ tenantId, contractId, id, metric: 'seats_used', quantity: String(quantity), occurredAt: new Date(at), late, receivedAt: new Date(receivedAt) });
    const first = (await state(handle)).currentPeriods[0]!;
    const p1 = { from: Date.parse(first.start), to: Date.parse(first.end) };
    // Ten seats all month, as far as anyone knew at the close.
    await db.insert(usageRecords).values(record('g1', 10, p1.from));
    await suite.env.sleep(p1.to - (await suite.now()) + HOUR);
    const [one] = await invoicesUntil(db, tenantId, contractId, (r) => r.length === 1);
    expect(one!.total).toBe(10_000);

    // The seat count dropped to none halfway through that month: reported a day after its close.
    const mid = p1.from + Math.floor((p1.to - p1.from) / 2);
    await db.insert(usageRecords).values(record('g2', 0, mid, true, p1.to + DAY));
    const second = (await state(handle)).currentPeriods[0]!;
    const p2 = { from: Date.parse(second.start), to: Date.parse(second.end) };
    await db.insert(usageRecords).values(record('g3', 1, p2.from));
    await suite.env.sleep(p2.to - (await suite.now()) + HOUR);
    const [, two] = await invoicesUntil(db, tenantId, contractId, (r) => r.length === 2);
    // One seat this month (10.00), five seats' worth less last month (-50.00): -40.00 is the
    // customer's, as account credit; the invoice comes to nothing and is paid as issued.
    const billed = await linesOf(db, tenantId, two!.id);
    expect(billed.map((l) => [l.description.split(':')[0], l.amount])).toEqual([
      ['Seats', 1000],
      [`Late usage of seats_used for ${first.start.slice(0, 10)} → ${first.end.slice(0, 10)}`, -5000],
      ['Carried to account credit', 4000],
    ]);
    const settled = await eventually(async () => (await contractInvoices(db, tenantId, contractId)).find((i) => i.id === two!.id)!, { until: (i) => i.status === 'paid' });
    expect(settled).toMatchObject({ total: 0, balance: 0 });
    expect((await state(handle)).accountCredit).toEqual(usd(4000));

    // Its due date and every collections step pass: nothing is chased. The next month's ten seats
    // are billed less the 40.00.
    const third = (await state(handle)).currentPeriods[0]!;
    await db.insert(usageRecords).values(record('g4', 10, Date.parse(third.start)));
    await suite.env.sleep(Date.parse(third.end) - (await suite.now()) + HOUR);
    const [, , three] = await invoicesUntil(db, tenantId, contractId, (r) => r.length === 3);
    expect((await linesOf(db, tenantId, three!.id)).map((l) => [l.description.split(':')[0], l.amount])).toEqual([
      ['Seats', 10_000],
      ['Account credit applied', -4000],
    ]);
    expect(three!.total).toBe(6000);
    expect((await contractInvoices(db, tenantId, contractId)).find((i) => i.id === two!.id)!.status).toBe('paid');
    expect((await state(handle)).accountCredit).toEqual(usd(0));
  });
});
