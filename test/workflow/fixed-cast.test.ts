import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { kpiReport } from '../../api/reports/kpis';
import { registerPlaybook } from '../../db/playbook-store';
import { backfillLeakage } from '../../scripts/backfill/leakage';
import { leakageReport, type KindTotals } from '../../api/reports/leakage';
import { leakageEntries, revenueLines } from '../../db/schema';
import { contractInvoices, decide, lines, saasPlaybook, send, startContract, state } from '../support/contracts';
import { deliver, idle, invoicesOf, startCustomer, type CustomerHandle } from '../support/customers';
import { createTestTenant } from '../support/database';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { testPlaybook } from '../support/playbooks';
import { DAY, HOUR, MINUTE, timeSkippingSuite } from '../support/suite';

/**
 * A fixed cast with known outcomes, run on the time-skipping server, and the leakage ledger and
 * KPIs it leaves, checked against tables worked out by hand: what was at stake, what Revloop won
 * back (and with which step) and what was lost; speed to lead, booking, no-show and review rates,
 * collections, MRR movements and quote-to-cash.
 */
describe('a fixed cast: its leakage ledger and its KPIs', () => {
  const suite = timeSkippingSuite();
  const usd = (amount: number) => ({ amount, currency: 'USD' });
  const at = (ms: number) => new Date(ms).toISOString();

  type Row = Pick<KindTotals, 'kind' | 'count' | 'atStake' | 'recovered' | 'recoveredByRevloop' | 'lost' | 'open'>;
  const pick = (k: KindTotals): Row => ({ kind: k.kind, count: k.count, atStake: k.atStake, recovered: k.recovered, recoveredByRevloop: k.recoveredByRevloop, lost: k.lost, open: k.open });

  const periodAround = (t0: number) => ({ from: new Date(t0 - DAY), to: new Date(t0 + 400 * DAY), timezone: 'UTC' });
  const report = (tenantId: string, t0: number) => leakageReport(suite.database.db, tenantId, periodAround(t0));
  const kpis = (tenantId: string, t0: number) => kpiReport(suite.database.db, tenantId, periodAround(t0));
  const ratio = (numerator: number, denominator: number, value: number | null) => ({ numerator, denominator, rate: value });

  /**
   * The backfill for data recorded before the ledger: with the cast's rows gone, folding its
   * timelines through the ledger's rules gives back the same rows (same ids, outcomes and money),
   * and running it again adds nothing.
   */
  async function rebuiltMatches(tenantId: string, differs: (row: { kind: string }) => Partial<Record<'atStake' | 'recovered' | 'lost', unknown>> = () => ({})) {
    const outcome = (r: typeof leakageEntries.$inferSelect) => ({ id: r.id, kind: r.kind, status: r.status, atStake: r.atStake, recovered: r.recovered, lost: r.lost, recoveredBy: r.recoveredBy, workflowId: r.workflowId, ...differs(r) });
    const written = (await rowsOf(tenantId)).map(outcome);
    await suite.database.db.delete(leakageEntries).where(eq(leakageEntries.tenantId, tenantId));
    const first = await backfillLeakage(suite.database.db, { tenantId, asOf: await suite.now() });
    expect(first.inserted).toBe(written.length);
    // Ids are unique within a workflow (two contracts each have a `leak:churn:term:0`): order by both.
    const byRow = (a: { id: string; workflowId: string }, b: { id: string; workflowId: string }) => a.id.localeCompare(b.id) || a.workflowId.localeCompare(b.workflowId);
    expect((await rowsOf(tenantId)).map(outcome).sort(byRow)).toEqual([...written].sort(byRow));
    expect((await backfillLeakage(suite.database.db, { tenantId })).inserted).toBe(0);
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

    // KPIs, by hand. Leads: A's and B's calls, C's inquiry, each answered at once (text-back, acknowledgement).
    const k = await kpis(tenantId, t0);
    expect(k.homeService).toEqual({
      // G's was written off and H's is disputed; I came back for a second booking, not a second job.
      funnel: { leads: 3, booked: 10, done: 5, invoiced: 5, paid: 3, reviewed: 1, returned: 0 },
      speedToLead: { leads: 3, count: 3, medianSeconds: 0, p90Seconds: 0, answeredWithin5Minutes: ratio(3, 3, 1) },
      textBackRate: ratio(2, 2, 1),
      // Bookings A, C, D, E, F, G, H, I (twice), J; B lost.
      bookingRate: ratio(10, 11, 0.9091),
      // D's no-show among F, G, H, I, J started.
      noShowRate: ratio(1, 6, 0.1667),
      cancellationRate: ratio(1, 10, 0.1),
      invoiceLatency: { count: 5, medianSeconds: 0, p90Seconds: 0 },
      // Requests to F, G, J: H disputed first, I reviewed before the request was due.
      reviews: { requestRate: ratio(3, 5, 0.6), reviewRate: ratio(1, 3, 0.3333), averageRating: 2, serviceRecoveries: 1 },
      customers: { repeatRate: ratio(0, 5, 0), revenuePerCustomer: [{ currency: 'USD', customers: 5, invoiced: 132_350, perCustomer: 26_470 }], reactivated: 0, reactivationRate: ratio(0, 0, null) },
    });
    // H's disputed $250 is all that is open at the end, 401 days after the period began: DSO 25,000 ÷ 132,350 × 401.
    expect(k.collections).toEqual([
      {
        currency: 'USD',
        billed: 132_350,
        // F $223.50, G $100 of $400, I $150, J $300.
        collected: 77_350,
        collectionRate: 0.5844,
        receivables: 25_000,
        aging: { current: 0, days1to30: 0, days31to60: 0, days61to90: 0, over90: 25_000 },
        dsoDays: 75.7,
        // I paid at once, J after two days, F after fifteen: (0 + 2.07 + 15.07) ÷ 3.
        averageDaysToPay: 5.7,
        paidInvoices: 3,
        // F after reminders, part of G after the first, J after the retry.
        collectedAfterReminder: 62_350,
        writtenOff: { count: 1, amount: 30_000 },
      },
    ]);
    expect(k.recoveredByRevloop).toEqual([{ currency: 'USD', amount: 180_350, bySteps: ledger.recoveredBy.map(({ currency: _c, ...s }) => s) }]);
    expect(k.subscriptions).toEqual([]);
    expect(k.quoteToCash).toEqual({ firstTimeRight: ratio(0, 0, null), quoteToCash: { count: 0, medianSeconds: null, p90Seconds: null }, approvalTime: { count: 0, medianSeconds: null, p90Seconds: null }, policyExceptions: [] });

    // Each row says where it happened: the invoice's own workflow for collections, the job's for the no-show.
    const written = (await rowsOf(tenantId)).find((r) => r.kind === 'invoice_overdue' && r.status === 'lost')!;
    expect(written).toMatchObject({ ref: 'inv-g1', recovered: 10_000, lost: 30_000, recoveredBy: 'reminder', estimated: false, step: 'collections' });
    expect(written.workflowId).toMatch(/^invoice:/);
    for (const [handle, name] of [
      [a, 'customer-leak-text-back'],
      [g, 'customer-leak-written-off'],
      [i, 'customer-leak-service-recovery'],
      [i, 'customer-review-before-request'],
    ] as const) await recordHistory(handle!, name);
    await recordHistory(env.client.workflow.getHandle(written.workflowId), 'invoice-leak-written-off');
    const rows = await rowsOf(tenantId);
    expect(rows.find((r) => r.kind === 'no_show')!.workflowId).toMatch(/^job:/);
    expect(rows.filter((r) => r.kind === 'missed_call').map((r) => r.estimated)).toEqual([true, true]);
    // The backfill finds each customer's playbook where a running server would: in the store.
    await registerPlaybook(database.db, tenantId, playbook.definition);
    await rebuiltMatches(tenantId);
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
    const contract = (quantity: number, discountPercent: number, start: string, term = 'P12M', customerName = 'Initech') =>
      startContract(env, { taskQueue: worker.taskQueue, tenantId, lines: seats(quantity, discountPercent), start, term, autoRenew: false, playbook, customerName });

    const k1 = await contract(20, 0, quoteStart); // never signed: expires after 30 days
    const k2 = await contract(20, 30, quoteStart); // finance rejects
    await decide(k2.handle, 'finance', 'reject');
    const k3 = await contract(20, 20, quoteStart); // sales manager silent for 2 days: escalated to finance, who approves; then unsigned
    const k4 = await contract(20, 0, begin, 'P3M'); // first invoice $1,000: held, then released
    const k5 = await contract(2, 0, begin, 'P3M', 'Globex'); // another customer: credit, contraction, cancellation
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

    // KPIs, by hand. MRR: Initech $1,000 (K4) and Globex $100 (K5) new; Globex down to $50; both ended.
    const k = await kpis(tenantId, t0);
    const [usdFigures] = k.subscriptions;
    const sumOf = (key: 'new' | 'expansion' | 'contraction' | 'churn' | 'reactivation' | 'bookings' | 'billings' | 'recognised') => usdFigures!.months.reduce((s, m) => s + m[key], 0);
    expect({ new: sumOf('new'), expansion: sumOf('expansion'), contraction: sumOf('contraction'), churn: sumOf('churn'), reactivation: sumOf('reactivation'), bookings: sumOf('bookings') }).toEqual({
      new: 110_000,
      expansion: 0,
      contraction: 5_000,
      churn: 105_000,
      reactivation: 0,
      bookings: 1_320_000,
    });
    expect(usdFigures!.months[0]!.start).toBe(0);
    expect(usdFigures!.months.at(-1)!).toMatchObject({ end: 0, deferredAtEnd: 0, unbilledAtEnd: 0 });
    // Each month starts where the one before ended.
    usdFigures!.months.slice(1).forEach((m, i) => expect(m.start).toBe(usdFigures!.months[i]!.end));
    // Nobody had MRR when the period began: no retention to speak of. Both terms ended unrenewed.
    expect({ nrr: usdFigures!.nrr, grr: usdFigures!.grr, renewalRate: usdFigures!.renewalRate, upliftMrr: usdFigures!.upliftMrr }).toEqual({ nrr: ratio(0, 0, null), grr: ratio(0, 0, null), renewalRate: ratio(0, 2, 0), upliftMrr: 0 });
    // Billings and recognition reconcile with the revenue lines to the minor unit; over whole lives they are equal.
    const revenue = await database.db.select().from(revenueLines).where(eq(revenueLines.tenantId, tenantId));
    const lifetime = revenue.reduce((s, r) => s + r.amount, 0);
    expect(sumOf('billings')).toBe(lifetime);
    expect(sumOf('recognised')).toBe(lifetime);
    // Initech three times $1,000; Globex $100, $0 (its credit paid it) and $50. Globex's first invoice was credited, Initech's first held.
    expect(k.collections).toEqual([
      {
        currency: 'USD',
        billed: 315_000,
        // Globex's first invoice was $100 less the $20 credit; its second was paid by its own credit.
        collected: 313_000,
        collectionRate: 0.9937,
        receivables: 0,
        aging: { current: 0, days1to30: 0, days31to60: 0, days61to90: 0, over90: 0 },
        dsoDays: 0,
        averageDaysToPay: expect.any(Number),
        paidInvoices: 6,
        collectedAfterReminder: 0,
        writtenOff: { count: 0, amount: 0 },
      },
    ]);
    expect(k.quoteToCash.firstTimeRight).toEqual(ratio(4, 6, 0.6667));
    expect(k.quoteToCash.policyExceptions).toEqual([{ kind: 'discount', count: 1 }]);
    // Quote to cash: quoted now, first invoices paid two days into the term (which starts within a day).
    expect(k.quoteToCash.quoteToCash.count).toBe(2);
    expect(k.quoteToCash.quoteToCash.medianSeconds! / 86_400).toBeGreaterThan(2);
    expect(k.quoteToCash.quoteToCash.p90Seconds! / 86_400).toBeLessThan(3.2);
    // Approvals: finance rejected K2 at once; K3 waited two days and an escalation for finance.
    expect(k.quoteToCash.approvalTime.count).toBe(2);
    expect(k.quoteToCash.approvalTime.medianSeconds).toBeLessThan(60);
    expect(k.quoteToCash.approvalTime.p90Seconds! / 86_400).toBeGreaterThan(2);
    expect(k.recoveredByRevloop).toEqual([
      { currency: 'USD', amount: 1_060_000, bySteps: [{ step: 'escalation', count: 1, amount: 960_000 }, { step: 'pre_bill_check', count: 1, amount: 100_000 }] },
    ]);

    // Rebuilt from the timelines, but for the value of quotes never signed: their lines live only in their workflows' input.
    const unsignedValue = new Set(['quote_expired', 'quote_rejected', 'approval_escalated']);
    await rebuiltMatches(tenantId, (r) => (unsignedValue.has(r.kind) ? { atStake: 'a quote value', recovered: 'a quote value', lost: 'a quote value' } : {}));
  });
});
