import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { leakageReport, type KindTotals } from '../../api/metrics/leakage';
import { leakageEntries } from '../../db/schema';
import { contractInvoices, decide, lines, saasPlaybook, send, startContract, state } from '../support/contracts';
import { deliver, idle, invoicesOf, startCustomer, type CustomerHandle } from '../support/customers';
import { createTestTenant } from '../support/database';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { testPlaybook } from '../support/playbooks';
import { DAY, HOUR, MINUTE, timeSkippingSuite } from '../support/suite';

/**
 * A fixed cast with known outcomes, run on the time-skipping server, and the leakage ledger it
 * leaves, checked against tables worked out by hand: what was at stake, what Revloop won back
 * (and with which step) and what was lost.
 */
describe('the leakage ledger of a fixed cast', () => {
  const suite = timeSkippingSuite();
  const usd = (amount: number) => ({ amount, currency: 'USD' });
  const at = (ms: number) => new Date(ms).toISOString();

  type Row = Pick<KindTotals, 'kind' | 'count' | 'atStake' | 'recovered' | 'recoveredByRevloop' | 'lost' | 'open'>;
  const pick = (k: KindTotals): Row => ({ kind: k.kind, count: k.count, atStake: k.atStake, recovered: k.recovered, recoveredByRevloop: k.recoveredByRevloop, lost: k.lost, open: k.open });

  async function report(tenantId: string, t0: number) {
    return leakageReport(suite.database.db, tenantId, { from: new Date(t0 - DAY), to: new Date(t0 + 400 * DAY), timezone: 'UTC' });
  }
  const rowsOf = (tenantId: string) => suite.database.db.select().from(leakageEntries).where(eq(leakageEntries.tenantId, tenantId)).orderBy(asc(leakageEntries.occurredAt), asc(leakageEntries.id));

  it('home service: leads, a no-show, a cancellation, collections, a dispute, a low rating, a failed payment', { timeout: 240_000 }, async () => {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    // HVAC timings (follow-ups at 15 min, 1 and 3 days, lost after 4 days; no-show 30 min after
    // the slot; reminders 7, 14 and 30 days after due, final notice at 45, write-off at 90), no
    // quiet hours and no seasonal outreach, so nothing here depends on the date or the hour.
    const playbook = testPlaybook('hvac', {
      quietHours: null,
      retention: { seasonal: [], afterService: [] },
      leakage: { averageTicket: 30_000, byService: { 'AC repair': 40_000 } },
    });
    const t0 = await suite.now();
    const later = at(t0 + 200 * DAY); // a slot beyond everything this test waits for
    const cast = await Promise.all(Array.from({ length: 10 }, () => startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook })));
    const [a, b, c, d, e, f, g, h, i, j] = cast.map((x) => x.handle);
    const jobDone = async (handle: CustomerHandle, jobId: string, amount: number) => {
      await deliver(handle, { type: 'booking.requested', jobId, service: 'AC repair', scheduledAt: later });
      await deliver(handle, { type: 'job.started', jobId });
      await deliver(handle, { type: 'job.completed', jobId, lineItems: [{ description: 'AC repair', quantity: 1, unitPrice: usd(amount) }] });
    };

    // A: missed call, the text-back, then a booking. B: a missed call never booked.
    await deliver(a!, { type: 'call.missed', from: '+15550000001' });
    await deliver(a!, { type: 'booking.requested', jobId: 'a1', service: 'AC repair', scheduledAt: later });
    await deliver(b!, { type: 'call.missed', from: '+15550000002' });
    // C: a web inquiry, booked after the first follow-up.
    await deliver(c!, { type: 'inquiry.received', channel: 'web' });
    // D: booked for an hour from now with an estimate; nobody comes.
    await deliver(d!, { type: 'booking.requested', jobId: 'd1', service: 'AC repair', scheduledAt: at(t0 + HOUR), estimate: usd(18_000) });
    // E: booked, then cancelled, never rebooked.
    await deliver(e!, { type: 'booking.requested', jobId: 'e1', service: 'AC repair', scheduledAt: later });
    await deliver(e!, { type: 'booking.cancelled', jobId: 'e1' });
    // F, G, H, I, J: jobs done and invoiced (due on receipt).
    await jobDone(f!, 'f1', 22_350);
    await jobDone(g!, 'g1', 40_000);
    await jobDone(h!, 'h1', 25_000);
    await deliver(h!, { type: 'invoice.disputed', invoiceId: 'inv-h1', reason: 'never fixed' });
    await jobDone(i!, 'i1', 15_000);
    await deliver(i!, { type: 'payment.received', invoiceId: 'inv-i1', amount: usd(15_000) });
    await deliver(i!, { type: 'review.submitted', rating: 2, comment: 'late and messy', jobId: 'i1' });
    await jobDone(j!, 'j1', 30_000);
    await deliver(j!, { type: 'payment.failed', invoiceId: 'inv-j1', reason: 'card declined' });

    await env.sleep(20 * MINUTE); // C's first follow-up went out
    await deliver(c!, { type: 'booking.requested', jobId: 'c1', service: 'AC repair', scheduledAt: later });
    await env.sleep(HOUR + 15 * MINUTE); // D's no-show outreach went out
    await eventually(() => idle(d!), { until: (s) => s.openJobs.some((job) => job.status === 'no_show') });
    await deliver(d!, { type: 'booking.rescheduled', jobId: 'd1', scheduledAt: later });
    await env.sleep(2 * DAY); // J's retry reminder went out
    await deliver(j!, { type: 'payment.received', invoiceId: 'inv-j1', amount: usd(30_000) });
    await deliver(i!, { type: 'booking.requested', jobId: 'i2', service: 'AC repair', scheduledAt: later });
    await env.sleep(6 * DAY); // B lost (4 days), first reminders for F and G (7 days)
    await deliver(g!, { type: 'payment.received', invoiceId: 'inv-g1', amount: usd(10_000) });
    await env.sleep(7 * DAY); // F's second reminder (14 days)
    await deliver(f!, { type: 'payment.received', invoiceId: 'inv-f1', amount: usd(22_350) });
    await env.sleep(80 * DAY); // G's final notice (45 days) and write-off (90 days)
    await eventually(() => invoicesOf(database.db, tenantId, cast[6]!.customerId), { until: (r) => r[0]?.status === 'written_off' });

    const ledger = await eventually(() => report(tenantId, t0), { until: (r) => r.kinds.find((k) => k.kind === 'invoice_overdue')?.lost === 30_000 });
    // Worked out by hand, in cents: average ticket $300, AC repair $400.
    expect(ledger.kinds.map(pick)).toEqual([
      { kind: 'missed_call', count: 2, atStake: 60_000, recovered: 30_000, recoveredByRevloop: 30_000, lost: 30_000, open: 0 },
      { kind: 'unbooked_inquiry', count: 1, atStake: 30_000, recovered: 30_000, recoveredByRevloop: 30_000, lost: 0, open: 0 },
      { kind: 'booking_cancelled', count: 1, atStake: 40_000, recovered: 0, recoveredByRevloop: 0, lost: 0, open: 40_000 },
      { kind: 'no_show', count: 1, atStake: 18_000, recovered: 18_000, recoveredByRevloop: 18_000, lost: 0, open: 0 },
      { kind: 'invoice_overdue', count: 2, atStake: 62_350, recovered: 32_350, recoveredByRevloop: 32_350, lost: 30_000, open: 0 },
      { kind: 'payment_failed', count: 1, atStake: 30_000, recovered: 30_000, recoveredByRevloop: 30_000, lost: 0, open: 0 },
      { kind: 'review_not_requested', count: 1, atStake: 0, recovered: 0, recoveredByRevloop: 0, lost: 0, open: 0 },
      { kind: 'low_rating', count: 1, atStake: 40_000, recovered: 40_000, recoveredByRevloop: 40_000, lost: 0, open: 0 },
    ]);
    expect(ledger.totals).toEqual([{ currency: 'USD', count: 10, atStake: 280_350, recovered: 180_350, recoveredByRevloop: 180_350, lost: 60_000, open: 40_000 }]);
    expect(ledger.recoveredBy).toEqual([
      { step: 'service_recovery', currency: 'USD', count: 1, amount: 40_000 },
      { step: 'reminder', currency: 'USD', count: 2, amount: 32_350 },
      { step: 'follow_up', currency: 'USD', count: 1, amount: 30_000 },
      { step: 'payment_retry', currency: 'USD', count: 1, amount: 30_000 },
      { step: 'text_back', currency: 'USD', count: 1, amount: 30_000 },
      { step: 'no_show_outreach', currency: 'USD', count: 1, amount: 18_000 },
    ]);

    // Each row says where it happened: the invoice's own workflow for collections, the job's for the no-show.
    const written = (await rowsOf(tenantId)).find((r) => r.kind === 'invoice_overdue' && r.status === 'lost')!;
    expect(written).toMatchObject({ ref: 'inv-g1', recovered: 10_000, lost: 30_000, recoveredBy: 'reminder', estimated: false, step: 'collections' });
    expect(written.workflowId).toMatch(/^invoice:/);
    for (const [handle, name] of [
      [a, 'customer-leak-text-back'],
      [g, 'customer-leak-written-off'],
      [i, 'customer-leak-service-recovery'],
    ] as const) await recordHistory(handle!, name);
    await recordHistory(env.client.workflow.getHandle(written.workflowId), 'invoice-leak-written-off');
    const rows = await rowsOf(tenantId);
    expect(rows.find((r) => r.kind === 'no_show')!.workflowId).toMatch(/^job:/);
    expect(rows.filter((r) => r.kind === 'missed_call').map((r) => r.estimated)).toEqual([true, true]);
  });

  it('B2B: an expired and a rejected quote, an escalated approval, a held invoice, a credit, a contraction, two churns', { timeout: 240_000 }, async () => {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    // Three-month terms are standard here; a first invoice over $500 is held; win-back 30 days after churn.
    const playbook = saasPlaybook((p) => ({
      ...p,
      guardrails: { ...p.guardrails, standardTerms: ['P3M', 'P12M'] },
      billing: { ...p.billing, anomaly: { ...p.billing.anomaly, firstInvoiceAbove: 50_000 } },
      winBack: { after: 'P30D' },
    }));
    const seats = (quantity: number, discountPercent: number) =>
      lines({ lineId: 'seats', sku: 'SEAT', quantity, listPrice: usd(5000), discountPercent, pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } });
    const t0 = await suite.now();
    const quoteStart = at(t0 + 7 * DAY);
    const begin = at(Math.ceil((t0 + HOUR) / DAY) * DAY);
    const contract = (quantity: number, discountPercent: number, start: string, term = 'P12M') =>
      startContract(env, { taskQueue: worker.taskQueue, tenantId, lines: seats(quantity, discountPercent), start, term, autoRenew: false, playbook });

    const k1 = await contract(20, 0, quoteStart); // never signed: expires after 30 days
    const k2 = await contract(20, 30, quoteStart); // finance rejects
    await decide(k2.handle, 'finance', 'reject');
    const k3 = await contract(20, 20, quoteStart); // sales manager silent for 2 days: escalated to finance, who approves; then unsigned
    const k4 = await contract(20, 0, begin, 'P3M'); // first invoice $1,000: held, then released
    const k5 = await contract(2, 0, begin, 'P3M'); // credit, contraction, cancellation
    await send(k4.handle, { type: 'contract.signed' });
    await send(k5.handle, { type: 'contract.signed' });

    await env.sleep(Date.parse(begin) - t0 + HOUR);
    const [held] = await eventually(() => contractInvoices(database.db, tenantId, k4.contractId), { until: (r) => r[0]?.status === 'held' });
    await send(k4.handle, { type: 'invoice.approved', invoiceId: held!.id, approvedBy: 'billing ops' });
    const [first] = await eventually(() => contractInvoices(database.db, tenantId, k5.contractId), { until: (r) => r.length === 1 });
    await send(k5.handle, { type: 'credit.issued', invoiceId: first!.id, amount: usd(2_000), reason: 'outage' });
    await send(k5.handle, { type: 'contract.amended', lineId: 'seats', quantity: 1 });
    await send(k5.handle, { type: 'contract.cancelled', reason: 'budget' });

    await env.sleep(2 * DAY + HOUR);
    await eventually(() => state(k3.handle), { until: (v) => v.approvalsPending[0]?.role === 'finance' });
    await decide(k3.handle, 'finance');

    // Pay whatever is open every ten days until both terms have ended and win-back has gone out.
    const pay = async (k: typeof k4) => {
      for (const inv of await contractInvoices(database.db, tenantId, k.contractId)) {
        if (inv.kind === 'invoice' && inv.status !== 'held' && inv.balance > 0 && inv.status !== 'paid') await send(k.handle, { type: 'payment.received', invoiceId: inv.id, amount: usd(inv.balance) });
      }
    };
    for (let day = 0; day < 140; day += 10) {
      await eventually(() => contractInvoices(database.db, tenantId, k4.contractId), { until: (r) => r.every((inv) => inv.status !== 'held') });
      await pay(k4);
      await pay(k5);
      await env.sleep(10 * DAY);
    }
    expect(await k1.handle.result()).toBe('expired');
    expect(await k4.handle.result()).toBe('churned');
    expect(await k5.handle.result()).toBe('churned');
    // Its last invoice came to nothing (the contraction's credit paid it): paid as issued, not chased for 0.00 and written off.
    const k5Invoices = await contractInvoices(database.db, tenantId, k5.contractId);
    const nothingDue = k5Invoices.filter((inv) => inv.kind === 'invoice' && inv.total === 0);
    expect(nothingDue.map((inv) => inv.status)).toEqual(['paid']);
    await recordHistory(k5.handle, 'contract-leak-contraction-churn');
    await recordHistory(k4.handle, 'contract-leak-held-churn');
    await recordHistory(k3.handle, 'contract-leak-escalated-expired');
    await recordHistory(env.client.workflow.getHandle(nothingDue[0]!.workflowId!), 'invoice-nothing-due');

    const ledger = await eventually(() => report(tenantId, t0), { until: (r) => r.kinds.find((k) => k.kind === 'churn')?.lost === 105_000 });
    // $1,000 a month for 20 seats: a year is $12,000; 20% off $9,600; 30% off $8,400.
    expect(ledger.kinds.map(pick)).toEqual([
      { kind: 'quote_expired', count: 2, atStake: 2_160_000, recovered: 0, recoveredByRevloop: 0, lost: 2_160_000, open: 0 },
      { kind: 'quote_rejected', count: 1, atStake: 840_000, recovered: 0, recoveredByRevloop: 0, lost: 840_000, open: 0 },
      { kind: 'approval_escalated', count: 1, atStake: 960_000, recovered: 960_000, recoveredByRevloop: 960_000, lost: 0, open: 0 },
      { kind: 'invoice_held', count: 1, atStake: 100_000, recovered: 100_000, recoveredByRevloop: 100_000, lost: 0, open: 0 },
      { kind: 'credit_note', count: 1, atStake: 2_000, recovered: 0, recoveredByRevloop: 0, lost: 2_000, open: 0 },
      { kind: 'contraction', count: 1, atStake: 5_000, recovered: 0, recoveredByRevloop: 0, lost: 5_000, open: 0 },
      { kind: 'churn', count: 2, atStake: 105_000, recovered: 0, recoveredByRevloop: 0, lost: 105_000, open: 0 },
    ]);
    const rows = await rowsOf(tenantId);
    expect(rows.find((r) => r.kind === 'invoice_held')!.detail).toMatchObject({ reason: expect.any(String), hoursHeld: expect.any(Number) });
    expect(rows.filter((r) => r.kind === 'churn').map((r) => [r.subjectId, r.detail.reason, r.detail.winBackSent])).toEqual(
      expect.arrayContaining([
        [k4.contractId, 'not renewed', true],
        [k5.contractId, 'cancelled', true],
      ]),
    );
    expect(rows.filter((r) => r.kind === 'quote_expired').every((r) => r.estimated)).toBe(true);
    expect(new Set(rows.map((r) => r.subjectId))).toEqual(new Set([k1.contractId, k2.contractId, k3.contractId, k4.contractId, k5.contractId]));
  });
});
