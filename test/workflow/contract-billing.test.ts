import { describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { payments, usageRecords } from '../../db/schema';
import { addDuration } from '../../domain/durations';
import { scheduleByMonth, type RevenueLine } from '../../domain/billing/recognition';
import { roundMinor } from '../../domain/money';
import { changesOf, contractInvoices, invoicesUntil, lines, linesOf, revenueOf, quietSaasPlaybook, send, startContract, state, usd } from '../support/contracts';
import { createTestTenant, messagesOfSubject } from '../support/database';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { DAY, HOUR, timeSkippingSuite } from '../support/suite';

describe('contract workflow: billing periods, usage, holds, amendments, credits and revenue', () => {
  const suite = timeSkippingSuite();
  // Quiet test data: no first-invoice hold unless a test asks for one.
  // Short terms are standard here, so a whole term runs in one test.
  const playbook = quietSaasPlaybook();

  const seats = { lineId: 'seats', sku: 'SEAT', description: 'Seats', quantity: 20, listPrice: usd(5000), discountPercent: 10, pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } };
  const setup = { lineId: 'setup', sku: 'SETUP', description: 'Onboarding', listPrice: usd(150000), pricingModel: 'flat', billing: { interval: 'one_time', timing: 'advance' } };
  const calls = {
    lineId: 'calls',
    sku: 'API',
    description: 'API calls',
    listPrice: usd(0),
    pricingModel: 'tiered',
    tiers: [
      { upTo: 1000, unitAmount: 0 },
      { upTo: null, unitAmount: 2 },
    ],
    usageMetric: 'api_calls',
    billing: { interval: 'month', timing: 'arrears' },
  };

  /** A signed contract starting at the next UTC midnight; returns an hour into its term, once anything billed at the start exists. */
  async function signed(lineInput: Array<Record<string, unknown>>, options: { term?: string; autoRenew?: boolean } = {}) {
    const tenantId = await createTestTenant(suite.database.db);
    const now = await suite.now();
    const start = new Date(Math.ceil((now + HOUR) / DAY) * DAY).toISOString();
    const { contractId, handle } = await startContract(suite.env, { taskQueue: suite.worker.taskQueue, tenantId, lines: lines(...lineInput), start, playbook, ...options });
    await send(handle, { type: 'contract.signed', signedBy: 'Initech CFO' });
    await suite.env.sleep(Date.parse(start) - now + HOUR);
    const billsAtStart = lineInput.some((l) => (l.billing as { timing: string }).timing === 'advance');
    if (billsAtStart) await invoicesUntil(suite.database.db, tenantId, contractId, (rows) => rows.length >= 1);
    return { tenantId, contractId, handle, start: Date.parse(start) };
  }

  async function usage(tenantId: string, contractId: string, records: Array<[string, number, number]>) {
    await suite.database.db.insert(usageRecords).values(records.map(([id, quantity, at]) => ({ tenantId, contractId, id, metric: 'api_calls', quantity: String(quantity), occurredAt: new Date(at) })));
  }

  async function pay(handle: Parameters<typeof send>[0], tenantId: string, contractId: string) {
    for (const inv of await contractInvoices(suite.database.db, tenantId, contractId)) {
      if (inv.kind === 'invoice' && inv.status !== 'held' && inv.balance > 0) await send(handle, { type: 'payment.received', invoiceId: inv.id, amount: usd(inv.balance) });
    }
  }

  it('bills seats in advance and the one-time fee at the start, usage in arrears at each period close', async () => {
    const { tenantId, contractId, handle, start } = await signed([seats, setup, calls]);
    const [first] = await contractInvoices(suite.database.db, tenantId, contractId);
    expect(first).toMatchObject({ id: `${contractId}.0001`, total: 240_000, status: 'open', kind: 'invoice' });
    expect((await linesOf(suite.database.db, tenantId, first!.id)).map((l) => [l.lineRef, l.amount])).toEqual([
      ['seats', 90_000],
      ['setup', 150_000],
    ]);
    expect(first!.dueAt.getTime() - first!.issuedAt.getTime()).toBe(30 * DAY);

    await usage(tenantId, contractId, [
      ['u1', 800, start + 2 * DAY],
      ['u2', 700, start + 10 * DAY],
      ['u3', 500, start + 20 * DAY],
    ]);
    const periodEnd = Date.parse((await state(handle)).currentPeriods.find((p) => p.lineId === 'calls')!.end);
    await suite.env.sleep(periodEnd - (await suite.now()) + HOUR);
    const rows = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.length === 2);
    const second = await linesOf(suite.database.db, tenantId, rows[1]!.id);
    expect(second.map((l) => [l.lineRef, Number(l.quantity), l.amount])).toEqual([
      ['seats', 20, 90_000],
      ['calls', 2000, 2_000],
    ]);
    expect(rows[1]!.total).toBe(92_000);
    await recordHistory(handle, 'contract-usage-billing');
    await recordHistory(suite.env.client.workflow.getHandle(rows[0]!.workflowId!), 'invoice-contract-priced-lines');
  });

  it('holds an invoice whose usage departs from the trailing average until invoice.approved', async () => {
    const { tenantId, contractId, handle, start } = await signed([calls]);
    await usage(tenantId, contractId, [['m1', 2000, start + DAY]]);
    const monthEnd = () => state(handle).then((v) => Date.parse(v.currentPeriods[0]!.end));
    await suite.env.sleep((await monthEnd()) - (await suite.now()) + HOUR);
    await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.length === 1 && r[0]!.status === 'open');
    // Month two: ten times the calls.
    await usage(tenantId, contractId, [['m2', 20_000, (await suite.now()) + DAY]]);
    await suite.env.sleep((await monthEnd()) - (await suite.now()) + HOUR);
    const held = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.length === 2);
    expect(held[1]).toMatchObject({ status: 'held', total: 38_000 });
    expect(held[1]!.holdReason).toMatch(/line calls: .* departs .* from its trailing average/);
    const view = await state(handle);
    expect(view.invoices.find((i) => i.invoiceId === held[1]!.id)).toMatchObject({ status: 'held' });
    await expect(send(handle, { type: 'payment.received', invoiceId: held[1]!.id, amount: usd(100) })).rejects.toThrow();

    await send(handle, { type: 'invoice.approved', invoiceId: held[1]!.id, approvedBy: 'billing ops' });
    const released = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r[1]!.status === 'open');
    expect(released[1]!.holdReason).toBe(held[1]!.holdReason);
    expect(released[1]!.issuedAt.getTime()).toBeGreaterThanOrEqual(held[1]!.issuedAt.getTime());
    await recordHistory(handle, 'contract-held-invoice');
  });

  it('prorates a mid-period seat increase by day, and a decrease becomes account credit on the next invoice', async () => {
    const { tenantId, contractId, handle, start } = await signed([seats]);
    const period = (await state(handle)).currentPeriods[0]!;
    const periodDays = Math.round((Date.parse(period.end) - Date.parse(period.start)) / DAY);
    await suite.env.sleep(start + 10 * DAY - (await suite.now()));
    const effectiveAt = new Date(start + 10 * DAY).toISOString();
    await send(handle, { type: 'contract.amended', lineId: 'seats', quantity: 30, effectiveAt });
    const remaining = periodDays - 10;
    const charge = roundMinor((135_000 * remaining) / periodDays) - roundMinor((90_000 * remaining) / periodDays);
    const withCharge = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.length === 2);
    expect(withCharge[1]!.total).toBe(charge);
    expect(withCharge[1]!.periodStart?.toISOString()).toBe(effectiveAt);
    expect((await changesOf(suite.database.db, tenantId, contractId)).map((c) => [c.kind, c.mrrDelta])).toEqual([
      ['new', 90_000],
      ['expansion', 45_000],
    ]);

    // Back to 25 seats five days later: a credit for the rest of the period.
    const downAt = new Date(start + 15 * DAY).toISOString();
    await suite.env.sleep(start + 15 * DAY - (await suite.now()));
    await send(handle, { type: 'contract.amended', lineId: 'seats', quantity: 25, effectiveAt: downAt });
    const left = periodDays - 15;
    const credit = roundMinor((112_500 * left) / periodDays) - roundMinor((135_000 * left) / periodDays);
    const notes = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.some((i) => i.kind === 'credit_note'));
    expect(notes.find((i) => i.kind === 'credit_note')!.total).toBe(credit);
    expect((await state(handle)).accountCredit).toEqual(usd(-credit));

    await suite.env.sleep(Date.parse(period.end) - (await suite.now()) + HOUR);
    const next = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.filter((i) => i.kind === 'invoice').length === 3);
    const third = next.filter((i) => i.kind === 'invoice')[2]!;
    expect((await linesOf(suite.database.db, tenantId, third.id)).map((l) => l.amount)).toEqual([112_500, credit]);
    expect(third.total).toBe(112_500 + credit);
    await recordHistory(handle, 'contract-amended');
  });

  it('settles an invoice with a credit note, and recognises exactly what was billed less credits', async () => {
    const { tenantId, contractId, handle } = await signed([seats, setup], { term: 'P3M', autoRenew: false });
    const [first] = await contractInvoices(suite.database.db, tenantId, contractId);
    await send(handle, { type: 'credit.issued', invoiceId: first!.id, amount: usd(10_000), reason: 'service outage in week 1' });
    // The invoice's workflow writes its new balance and the contract's step writes the credit note: either may land first.
    const credited = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.find((i) => i.id === first!.id)!.balance === 230_000 && r.some((i) => i.kind === 'credit_note'));
    const creditNote = credited.find((i) => i.kind === 'credit_note')!;
    expect(creditNote).toMatchObject({ total: -10_000, status: 'issued' });

    // Run the whole term: two more monthly invoices, then the contract lapses (no auto-renew).
    await pay(handle, tenantId, contractId);
    const end = Date.parse((await state(handle)).term!.end);
    await suite.env.sleep(end - (await suite.now()) + HOUR);
    await eventually(() => state(handle), { until: (v) => v.stage === 'churned' });
    const all = await contractInvoices(suite.database.db, tenantId, contractId);
    const billed = all.filter((i) => i.kind === 'invoice').reduce((sum, i) => sum + i.total, 0);
    const credits = all.filter((i) => i.kind === 'credit_note').reduce((sum, i) => sum + i.total, 0);
    expect(billed).toBe(150_000 + 3 * 90_000);
    const revenue = await revenueOf(suite.database.db, tenantId, contractId);
    const asLines: RevenueLine[] = revenue.map((r) => ({ key: r.key, amount: r.amount, method: r.method, start: r.start.toISOString(), end: r.end.toISOString(), billedAt: r.billedAt.toISOString() }));
    const recognised = scheduleByMonth(asLines).reduce((sum, m) => sum + m.recognised, 0);
    expect(recognised).toBe(billed + credits);
    expect((await changesOf(suite.database.db, tenantId, contractId)).map((c) => c.kind)).toEqual(['new', 'churn']);
    await eventually(() => messagesOfSubject(suite.database.db, tenantId, 'contract', contractId), { until: (m) => m.some((x) => x.kind === 'contract.churned') });
  });

  it('keeps an overpayment on account and pays the next invoice with it, leaving billing and revenue as they were', async () => {
    const { tenantId, contractId, handle, start } = await signed([seats], { term: 'P3M', autoRenew: false });
    const [first] = await contractInvoices(suite.database.db, tenantId, contractId);
    await send(handle, { type: 'payment.received', invoiceId: first!.id, amount: usd(100_000) });
    // Queries go to idle workflows only: the Java test server can stop skipping time when a query
    // lands in the same moment as a child's completion. A skipped hour lets everything settle.
    await suite.env.sleep(HOUR);
    const credited = await state(handle);
    expect(credited.onAccount).toEqual(usd(10_000));
    expect(credited.accountCredit).toEqual(usd(0));

    await suite.env.sleep(addDuration(start, 'P1M') - (await suite.now()) + HOUR);
    const rows = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.length === 2);
    // The cash pays part of the invoice; the invoice still bills the full month.
    expect(rows[1]).toMatchObject({ total: 90_000, balance: 80_000, status: 'open' });
    expect((await state(handle)).onAccount).toEqual(usd(0));

    const billed = rows.reduce((sum, i) => sum + i.total, 0);
    expect(billed).toBe(2 * 90_000);
    const revenue = await revenueOf(suite.database.db, tenantId, contractId);
    expect(revenue.reduce((sum, r) => sum + r.amount, 0)).toBe(billed);
    const credit = await suite.database.db.select().from(payments).where(and(eq(payments.tenantId, tenantId), eq(payments.method, 'account_credit')));
    expect(credit.map((p) => [p.invoiceId, p.amount])).toEqual([[rows[1]!.id, 10_000]]);
    await recordHistory(handle, 'contract-overpayment-on-account');
  });

  it("collects a contract invoice with the b2b playbook's schedule: failed-payment retries, a dispute pause, payment", async () => {
    const { tenantId, contractId, handle } = await signed([seats]);
    const [invoice] = await contractInvoices(suite.database.db, tenantId, contractId);
    await send(handle, { type: 'payment.failed', invoiceId: invoice!.id, reason: 'card expired' });
    const t0 = await suite.now();
    await suite.env.sleep(8 * DAY);
    const sent = await eventually(() => messagesOfSubject(suite.database.db, tenantId, 'contract', contractId), {
      until: (m) => m.filter((x) => x.kind === 'collections.reminder').length === 3,
    });
    expect(sent.filter((m) => m.kind === 'collections.payment_failed')).toHaveLength(1);
    expect(sent.filter((m) => m.kind === 'collections.reminder').map((m) => Math.round((m.sentAt.getTime() - t0) / DAY))).toEqual([1, 3, 7]);

    await send(handle, { type: 'invoice.disputed', invoiceId: invoice!.id, reason: 'seat count' });
    await eventually(() => state(handle), { until: (v) => v.invoices[0]!.status === 'disputed' });
    await send(handle, { type: 'payment.received', invoiceId: invoice!.id, amount: usd(90_000) });
    await eventually(() => state(handle), { until: (v) => v.invoices[0]!.status === 'paid' && v.balanceDue.amount === 0 });
  });

  it('rebills a wrong invoice: a credit note for all of it, the corrected lines billed again, revenue as if billed right', async () => {
    const { tenantId, contractId, handle } = await signed([seats, setup]);
    const [wrong] = await contractInvoices(suite.database.db, tenantId, contractId);
    // Half the setup fee was already paid when the error was found.
    await send(handle, { type: 'payment.received', invoiceId: wrong!.id, amount: usd(75_000) });
    await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r[0]!.balance === 165_000);
    await expect(send(handle, { type: 'invoice.rebilled', invoiceId: wrong!.id, reason: 'x', lines: [{ lineId: 'nope', amount: usd(1) }] })).rejects.toThrow();

    await send(handle, { type: 'invoice.rebilled', invoiceId: wrong!.id, reason: 'onboarding was quoted at 1,000.00', lines: [{ lineId: 'setup', amount: usd(100_000) }] });
    const rows = await invoicesUntil(suite.database.db, tenantId, contractId, (r) => r.length === 3 && r[0]!.status === 'paid');
    const [original, corrected] = rows.filter((r) => r.kind === 'invoice');
    const credit = rows.find((r) => r.kind === 'credit_note')!;
    expect(credit.total).toBe(-240_000);
    expect(original!.balance).toBe(0);
    // 90,000 seats + 100,000 setup, less the 75,000 already paid (kept as account credit).
    expect((await linesOf(suite.database.db, tenantId, corrected!.id)).map((l) => l.amount)).toEqual([90_000, 100_000, -75_000]);
    expect(corrected!.total).toBe(115_000);

    const revenue = await revenueOf(suite.database.db, tenantId, contractId);
    expect(revenue.reduce((sum, r) => sum + r.amount, 0)).toBe(190_000);
  });
});
