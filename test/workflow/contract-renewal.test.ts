import { describe, expect, it } from 'vitest';
import { changesOf, contractTasks, invoicesUntil, lines, linesOf, saasPlaybook, send, startContract, state, usd } from '../support/contracts';
import { createTestTenant, messagesOfSubject } from '../support/database';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { DAY, HOUR, timeSkippingSuite } from '../support/suite';

describe('contract workflow: renewal notices, renewal across continue-as-new, churn and win-back', () => {
  const suite = timeSkippingSuite();
  const playbook = saasPlaybook((p) => ({ ...p, billing: { ...p.billing, anomaly: { ...p.billing.anomaly, firstInvoiceAbove: 100_000_000 } } }));
  const yearly = { lineId: 'platform', sku: 'PLATFORM', description: 'Platform', listPrice: usd(1_200_000), pricingModel: 'flat', billing: { interval: 'year', timing: 'advance' } };

  async function signedYearly(options: { autoRenew?: boolean } = {}) {
    const tenantId = await createTestTenant(suite.database.db);
    const now = await suite.now();
    const start = new Date(Math.ceil((now + HOUR) / DAY) * DAY).toISOString();
    const { contractId, handle } = await startContract(suite.env, { taskQueue: suite.worker.taskQueue, tenantId, lines: lines(yearly), start, playbook, renewalNotice: 'P45D', ...options });
    await send(handle, { type: 'contract.signed' });
    await suite.env.sleep(Date.parse(start) - now + HOUR);
    const [first] = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.length === 1);
    // Paid at once: the invoice workflow closes, so the new term may continue as new at once.
    await send(handle, { type: 'payment.received', invoiceId: first!.id, amount: usd(first!.total) });
    await eventually(() => state(handle), { until: (v) => v.invoices[0]!.status === 'paid' });
    return { tenantId, contractId, handle, end: Date.parse((await state(handle)).term!.end) };
  }

  it('sends renewal notices with tasks at P90D, P60D, the customer’s P45D and P30D, then auto-renews with the uplift in a new run', async () => {
    const { tenantId, contractId, handle, end } = await signedYearly();
    await suite.env.sleep(end - 29 * DAY - (await suite.now()));
    const tasks = await eventually(() => contractTasks(suite.database.db, tenantId, contractId), { until: (t) => t.filter((x) => x.kind === 'renewal').length === 4 });
    expect(tasks.filter((t) => t.kind === 'renewal').map((t) => Math.round((end - t.createdAt.getTime()) / DAY))).toEqual([90, 60, 45, 30]);
    const notices = (await messagesOfSubject(suite.database.db, tenantId, 'contract', contractId)).filter((m) => m.kind === 'renewal.notice');
    expect(notices).toHaveLength(4);
    expect(notices[0]!.body).toContain('automatically (prices +5%)');

    await suite.env.sleep(end - (await suite.now()) + HOUR);
    const renewed = await eventually(() => state(handle), { until: (v) => v.term?.index === 1 && v.runs === 2 });
    expect(renewed.stage).toBe('active');
    expect(renewed.term!.start).toBe(new Date(end).toISOString());
    const invoices = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.length === 2);
    expect(invoices[1]!.total).toBe(1_260_000);
    expect((await changesOf(suite.database.db, tenantId, contractId)).map((c) => [c.kind, c.mrrDelta])).toEqual([
      ['new', 100_000],
      ['renewal', 5_000],
    ]);
  });

  it('renews on the agreed terms, and a cancellation churns at term end with win-back outreach after P90D', async () => {
    const { tenantId, contractId, handle, end } = await signedYearly({ autoRenew: false });
    await send(handle, { type: 'contract.renewed', term: 'P24M', upliftPercent: -10 });
    await suite.env.sleep(end - (await suite.now()) + HOUR);
    const renewed = await eventually(() => state(handle), { until: (v) => v.term?.index === 1 });
    expect(renewed.term!.duration).toBe('P24M');
    const invoices = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.length === 2);
    expect(invoices[1]!.total).toBe(1_080_000);

    await send(handle, { type: 'payment.received', invoiceId: invoices[1]!.id, amount: usd(1_080_000) });
    await send(handle, { type: 'contract.cancelled', reason: 'moving to an in-house tool' });
    expect((await state(handle)).stage).toBe('cancelling');
    const secondEnd = Date.parse(renewed.term!.end);
    await suite.env.sleep(secondEnd - (await suite.now()) + HOUR);
    await eventually(() => state(handle), { until: (v) => v.stage === 'churned' });
    expect((await changesOf(suite.database.db, tenantId, contractId)).at(-1)).toMatchObject({ kind: 'churn', mrrDelta: -90_000 });

    await suite.env.sleep(90 * DAY);
    expect(await handle.result()).toBe('churned');
    const kinds = (await messagesOfSubject(suite.database.db, tenantId, 'contract', contractId)).map((m) => m.kind);
    expect(kinds.slice(-2)).toEqual(['contract.churned', 'winback.outreach']);
    await recordHistory(handle, 'contract-renewed-cancelled-winback');
  });

  it('bills a backdated contract for every period already begun, anchored to the 31st', async () => {
    const tenantId = await createTestTenant(suite.database.db);
    const monthly = { ...yearly, listPrice: usd(100_000), billing: { interval: 'month', timing: 'advance' } };
    // The latest January 31st at least three months back, so at least three periods have begun.
    const now = new Date(await suite.now());
    const year = now.getUTCMonth() >= 3 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
    const { contractId, handle } = await startContract(suite.env, { taskQueue: suite.worker.taskQueue, tenantId, lines: lines(monthly), start: `${year}-01-31T00:00:00.000Z`, playbook });
    await send(handle, { type: 'contract.signed' });
    const [invoice] = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.length >= 1);
    const billed = await linesOf(suite.database.db, tenantId, invoice!.id);
    expect(billed.length).toBeGreaterThanOrEqual(3);
    expect(billed.every((l) => l.amount === 100_000)).toBe(true);
    const leap = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
    expect(billed.slice(0, 3).map((l) => l.periodStart!.toISOString().slice(5, 10))).toEqual(['01-31', leap ? '02-29' : '02-28', '03-31']);
  });
});
