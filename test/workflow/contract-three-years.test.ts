import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { usageRecords } from '../../db/schema';
import { contractInvoices, invoicesUntil, lines, linesOf, saasPlaybook, send, startContract, state, usd } from '../support/contracts';
import { createTestTenant } from '../support/database';
import { eventually } from '../support/eventually';
import { DAY, HOUR, timeSkippingSuite } from '../support/suite';

describe('contract workflow: three years across continue-as-new', () => {
  const suite = timeSkippingSuite();
  const playbook = saasPlaybook((p) => ({ ...p, billing: { ...p.billing, anomaly: { ...p.billing.anomaly, thresholdPercent: 1000, firstInvoiceAbove: 100_000_000 } } }));

  it('bills every usage record exactly once over 36 monthly periods while the run continues as new', async () => {
    const tenantId = await createTestTenant(suite.database.db);
    const now = await suite.now();
    const start = Math.ceil((now + HOUR) / DAY) * DAY;
    const { contractId, handle } = await startContract(suite.env, {
      taskQueue: suite.worker.taskQueue,
      tenantId,
      start: new Date(start).toISOString(),
      term: 'P36M',
      autoRenew: false,
      playbook,
      // A small history limit, so the three years span several runs.
      historyLimit: 120,
      lines: lines(
        { lineId: 'seats', sku: 'SEAT', quantity: 5, listPrice: usd(2_000), pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } },
        { lineId: 'calls', sku: 'API', listPrice: usd(1), pricingModel: 'per_unit', usageMetric: 'api_calls', billing: { interval: 'month', timing: 'arrears' } },
      ),
    });
    await send(handle, { type: 'contract.signed' });

    let expected = 0;
    const perPeriod: number[] = [];
    for (let month = 0; month < 36; month++) {
      const view = await state(handle);
      const period = view.currentPeriods.find((p) => p.lineId === 'calls')!;
      const [from, to] = [Date.parse(period.start), Date.parse(period.end)];
      // Records on both edges of the period and in between: the first and the last millisecond count.
      const quantities = [1 + month, 100, 10 * month, 7];
      const at = [from, from + 1, from + 12 * DAY, to - 1];
      await suite.database.db.insert(usageRecords).values(quantities.map((q, i) => ({ tenantId, contractId, id: `m${month}-${i}`, metric: 'api_calls', quantity: String(q), occurredAt: new Date(at[i]!) })));
      const total = quantities.reduce((a, b) => a + b, 0);
      perPeriod.push(total);
      expected += total;
      await suite.env.sleep(to - (await suite.now()) + HOUR);
      // Pay everything billed so far: paid invoices close, which lets the run continue as new.
      const invoices = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.some((i) => i.periodEnd?.getTime() === to && i.status !== 'held'));
      for (const inv of invoices.filter((i) => i.balance > 0)) await send(handle, { type: 'payment.received', invoiceId: inv.id, amount: usd(inv.balance) });
    }

    const final = await eventually(() => state(handle), { until: (v) => v.stage === 'churned' });
    expect(final.runs).toBeGreaterThan(2);
    const invoices = await contractInvoices(suite.database.db, tenantId, contractId);
    const billedUsage: number[] = [];
    for (const inv of invoices) {
      for (const line of await linesOf(suite.database.db, tenantId, inv.id)) if (line.lineRef === 'calls') billedUsage.push(Number(line.quantity));
    }
    expect(billedUsage).toEqual(perPeriod);
    expect(billedUsage.reduce((a, b) => a + b, 0)).toBe(expected);
    const stored = await suite.database.db.select().from(usageRecords).where(and(eq(usageRecords.tenantId, tenantId), eq(usageRecords.contractId, contractId)));
    expect(stored).toHaveLength(36 * 4);
  });
});
