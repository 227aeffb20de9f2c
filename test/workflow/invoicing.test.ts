import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { invoiceWorkflowId } from '../../domain/ids';
import { payments } from '../../db/schema';
import { customerStateQuery, invoiceStateQuery } from '../../workflows/definitions';
import { RevloopBalanceDue, RevloopCustomer, RevloopNextActionAt, RevloopStage, RevloopTenant } from '../../workflows/search-attributes';
import { deliver, idle, invoicesOf, sentAfter, startCustomer, tasksOf } from '../support/customers';
import { createTestTenant, messagesOf, timelineOf } from '../support/database';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { testPlaybook } from '../support/playbooks';
import { DAY, HOUR, MINUTE, timeSkippingSuite, minutes } from '../support/suite';

const at = (ms: number) => new Date(ms).toISOString();
const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('customer workflow: invoices, collections and reviews', () => {
  const suite = timeSkippingSuite();
  // HVAC: due on receipt, review request PT2H after completion, reminders P7D/P14D/P30D, final
  // notice P45D and write-off P90D after due. Quiet hours off so every instant is exact.
  const playbook = testPlaybook('hvac', { quietHours: null });

  /** A customer whose job is done at t1 (returned), with an invoice of $223.50. */
  async function completedJob(jobId = 'job-1') {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook });
    const t0 = await suite.now();
    await deliver(handle, { type: 'booking.requested', jobId, service: 'AC repair', scheduledAt: at(t0 + HOUR) });
    await env.sleep(HOUR);
    await deliver(handle, { type: 'job.started', jobId });
    await env.sleep(HOUR);
    const t1 = await suite.now();
    await deliver(handle, {
      type: 'job.completed',
      jobId,
      lineItems: [
        { description: 'Capacitor', quantity: 2, unitPrice: usd(8900) },
        { description: 'Labour (hours)', quantity: 0.5, unitPrice: usd(9100) },
      ],
    });
    const invoiceId = `inv-${jobId}`;
    await eventually(() => invoicesOf(database.db, tenantId, customerId), { until: (rows) => rows.length === 1 });
    return { tenantId, customerId, handle, t1, invoiceId, invoice: env.client.workflow.getHandle(invoiceWorkflowId(tenantId, { type: 'customer', id: customerId }, invoiceId)) };
  }

  it('issues the invoice the minute the job is done and asks for a review two hours later', async () => {
    const { tenantId, customerId, handle, t1 } = await completedJob();
    const [invoice] = await invoicesOf(suite.database.db, tenantId, customerId);
    expect(invoice).toMatchObject({ id: 'inv-job-1', total: 22350, balance: 22350, status: 'open', currency: 'USD' });
    expect(minutes(invoice!.issuedAt.getTime() - t1)).toBe(0);
    expect(invoice!.dueAt.getTime()).toBe(invoice!.issuedAt.getTime());

    await suite.env.sleep(2 * HOUR + MINUTE);
    const sent = (await sentAfter(suite.database.db, tenantId, customerId, t1)).filter(([, m]) => m >= 0);
    expect(sent).toEqual([
      ['invoice.issued', 0],
      ['review.request', 120],
    ]);
    const state = await idle(handle);
    expect(state.stage).toBe('invoice');
    expect(state.balanceDue).toEqual(usd(22350));
  });

  it('stops collections once paid after the first reminder', async () => {
    const { tenantId, customerId, handle, t1, invoiceId, invoice } = await completedJob();
    await suite.env.sleep(8 * DAY);
    // Ops can find it in the Temporal UI: whose it is, that it is in collections, what it owes.
    const attributes = async () => (await invoice.describe()).typedSearchAttributes;
    const inCollections = await eventually(attributes, { until: (a) => a.get(RevloopStage) === 'in_collections' });
    expect([inCollections.get(RevloopTenant), inCollections.get(RevloopCustomer), inCollections.get(RevloopBalanceDue)]).toEqual([tenantId, customerId, 22350]);
    // The next dunning step: 14 days after the invoice fell due (on receipt, as the job closed).
    expect(minutes(inCollections.get(RevloopNextActionAt)!.getTime() - t1)).toBe(minutes(14 * DAY));
    await deliver(handle, { type: 'payment.received', invoiceId, amount: usd(22350), method: 'card' });
    await eventually(() => invoice.query(invoiceStateQuery), { until: (s) => s.status === 'paid' }).catch(async () => {
      throw new Error(`invoice not paid: ${JSON.stringify(await invoicesOf(suite.database.db, tenantId, customerId))}`);
    });
    await suite.env.sleep(100 * DAY);
    const paid = await attributes();
    expect([paid.get(RevloopStage), paid.get(RevloopBalanceDue)]).toEqual(['paid', 0]);

    const collections = (await sentAfter(suite.database.db, tenantId, customerId, t1)).filter(([kind]) => kind.startsWith('collections.'));
    expect(collections).toEqual([['collections.reminder', minutes(7 * DAY)]]);
    const [row] = await invoicesOf(suite.database.db, tenantId, customerId);
    expect(row).toMatchObject({ status: 'paid', balance: 0, collectionsStep: 'reminder' });
    const state = await idle(handle);
    expect(state.balanceDue).toEqual(usd(0));
    expect(state.openInvoices).toEqual([]);
    expect(state.stage).toBe('retention');
    await recordHistory(handle, 'customer-paid-after-reminder');
    await recordHistory(invoice, 'invoice-paid-after-reminder');
  });

  it('keeps an overpayment on account and pays the next invoices with it', async () => {
    const { env, database } = suite;
    const { tenantId, customerId, handle, invoiceId, invoice } = await completedJob();
    // $223.50 due; the customer pays $300.00.
    await deliver(handle, { type: 'payment.received', invoiceId, amount: usd(30000), method: 'card' });
    await eventually(() => invoice.query(invoiceStateQuery), { until: (s) => s.status === 'paid' });
    const credited = await eventually(() => handle.query(customerStateQuery), { until: (s) => s.onAccount.length > 0 });
    expect(credited.onAccount).toEqual([usd(7650)]);
    expect(credited.balanceDue).toEqual(usd(0));

    const job = async (jobId: string, amount: number) => {
      await deliver(handle, { type: 'booking.requested', jobId, service: 'Filter change', scheduledAt: at((await suite.now()) + HOUR) });
      await env.sleep(HOUR);
      await deliver(handle, { type: 'job.started', jobId });
      await deliver(handle, { type: 'job.completed', jobId, lineItems: [{ description: 'Filter', quantity: 1, unitPrice: usd(amount) }] });
      return eventually(() => invoicesOf(database.db, tenantId, customerId), { until: (rows) => rows.some((r) => r.id === `inv-${jobId}` && r.balance < r.total) });
    };
    // $50.00 is paid in full from the $76.50 on account, at once: no collections, nothing due.
    const second = (await job('job-2', 5000)).find((r) => r.id === 'inv-job-2')!;
    expect(second).toMatchObject({ total: 5000, balance: 0 });
    await eventually(() => invoicesOf(database.db, tenantId, customerId), { until: (rows) => rows.find((r) => r.id === 'inv-job-2')?.status === 'paid' });
    expect((await idle(handle)).onAccount).toEqual([usd(2650)]);
    // $40.00: the remaining $26.50 pays part of it; $13.50 is due.
    const third = (await job('job-3', 4000)).find((r) => r.id === 'inv-job-3')!;
    expect(third).toMatchObject({ total: 4000, balance: 1350, status: 'open' });
    const state = await idle(handle);
    expect(state.onAccount).toEqual([]);
    expect(state.balanceDue).toEqual(usd(1350));

    const credits = await database.db.select().from(payments).where(and(eq(payments.tenantId, tenantId), eq(payments.method, 'account_credit')));
    expect(credits.map((p) => [p.invoiceId, p.amount]).sort()).toEqual([
      ['inv-job-2', 5000],
      ['inv-job-3', 2650],
    ]);
    const timeline = await timelineOf(database.db, tenantId, customerId);
    expect(timeline.filter((e) => e.type === 'credit.added').map((e) => e.summary)).toEqual(['76.50 USD paid beyond invoice inv-job-1 kept on account; 76.50 USD on account now']);
    await recordHistory(handle, 'customer-overpayment-on-account');
  });

  it('takes every dunning step on its day and writes the invoice off at day 90', async () => {
    const { tenantId, customerId, handle, t1 } = await completedJob();
    await suite.env.sleep(91 * DAY);

    const collections = (await sentAfter(suite.database.db, tenantId, customerId, t1)).filter(([kind]) => kind.startsWith('collections.'));
    expect(collections).toEqual([
      ['collections.reminder', minutes(7 * DAY)],
      ['collections.reminder', minutes(14 * DAY)],
      ['collections.reminder', minutes(30 * DAY)],
      ['collections.final_notice', minutes(45 * DAY)],
    ]);
    const [row] = await invoicesOf(suite.database.db, tenantId, customerId);
    expect(row).toMatchObject({ status: 'written_off', balance: 22350, collectionsStep: 'write_off' });
    expect(minutes(row!.writtenOffAt!.getTime() - t1)).toBe(minutes(90 * DAY));
    const state = await idle(handle);
    expect(state.openInvoices).toEqual([]);
    expect(state.balanceDue).toEqual(usd(0));
    const stages = (await timelineOf(suite.database.db, tenantId, customerId)).filter((e) => e.type === 'stage.changed').map((e) => (e.data as { to: string }).to);
    expect(stages).toEqual(expect.arrayContaining(['collections', 'retention']));
    await recordHistory(handle, 'customer-written-off');
  });

  it('never asks for a review on a disputed invoice, and pauses collections until the dispute is resolved', async () => {
    const { tenantId, customerId, handle, t1, invoiceId, invoice } = await completedJob();
    await suite.env.sleep(HOUR);
    await deliver(handle, { type: 'invoice.disputed', invoiceId, reason: 'charged twice for the capacitor' });
    await eventually(() => invoice.query(invoiceStateQuery), { until: (s) => s.status === 'disputed' });
    await suite.env.sleep(60 * DAY);

    const kinds = (await sentAfter(suite.database.db, tenantId, customerId, t1)).filter(([, m]) => m >= 0).map(([kind]) => kind);
    expect(kinds).toEqual(['invoice.issued']);
    const notes = (await timelineOf(suite.database.db, tenantId, customerId)).map((e) => e.type);
    expect(notes).toEqual(expect.arrayContaining(['review.skipped', 'collections.paused']));
    const state = await idle(handle);
    expect(state.stage).toBe('collections');
    expect(state.openInvoices[0]).toMatchObject({ status: 'disputed', balance: usd(22350) });

    // Resolved 60 days in: collections resume with the time each step had left when paused (the
    // dispute came an hour after issue, so the first reminder is 7 days less an hour away).
    const resolvedAt = await suite.now();
    await deliver(handle, { type: 'invoice.dispute_resolved', invoiceId, resolution: 'one capacitor removed' });
    const resumed = await eventually(() => invoice.query(invoiceStateQuery), { until: (s) => s.status === 'open' });
    expect(minutes(Date.parse(resumed.nextActions[0]!.dueAt) - resolvedAt)).toBe(minutes(7 * DAY - HOUR));
    await suite.env.sleep(7 * DAY);
    const reminders = (await sentAfter(suite.database.db, tenantId, customerId, resolvedAt)).filter(([kind]) => kind === 'collections.reminder');
    expect(reminders).toEqual([['collections.reminder', minutes(7 * DAY - HOUR)]]);
    await recordHistory(invoice, 'invoice-disputed-resolved');
  });

  it('reaches out at once and on the retry schedule after a failed payment', async () => {
    const { tenantId, customerId, handle, t1, invoiceId } = await completedJob();
    await suite.env.sleep(HOUR);
    const failedAt = await suite.now();
    await deliver(handle, { type: 'payment.failed', invoiceId, reason: 'card declined' });
    await suite.env.sleep(4 * DAY);

    const outreach = (await sentAfter(suite.database.db, tenantId, customerId, failedAt)).filter(([kind]) => kind.startsWith('collections.'));
    expect(outreach).toEqual([
      ['collections.payment_failed', 0],
      ['collections.reminder', minutes(1 * DAY)],
      ['collections.reminder', minutes(3 * DAY)],
    ]);
    expect(t1).toBeLessThan(failedAt);
  });

  it('opens a service-recovery task for a low rating instead of pushing for a public review', async () => {
    const { tenantId, customerId, handle } = await completedJob();
    await deliver(handle, { type: 'review.submitted', rating: 2, comment: 'Technician was late and rude' });

    const tasks = await eventually(() => tasksOf(suite.database.db, tenantId, customerId), { until: (rows) => rows.length === 1 });
    expect(tasks[0]).toMatchObject({ kind: 'service_recovery', status: 'open' });
    expect(tasks[0]!.summary).toContain('rated 2/5');
    const kinds = (await messagesOf(suite.database.db, tenantId, customerId)).map((m) => m.kind);
    expect(kinds).not.toContain('review.public_push');
  });

  it('asks a happy customer to share the review publicly', async () => {
    const { tenantId, customerId, handle } = await completedJob();
    await deliver(handle, { type: 'review.submitted', rating: 5 });
    const kinds = await eventually(async () => (await messagesOf(suite.database.db, tenantId, customerId)).map((m) => m.kind), {
      until: (k) => k.includes('review.public_push'),
    });
    expect(kinds).toContain('review.public_push');
    expect(await tasksOf(suite.database.db, tenantId, customerId)).toEqual([]);
    expect((await handle.query(customerStateQuery)).stage).toBe('invoice');
  });

  it('refuses events about jobs and invoices the customer does not have', async () => {
    const { handle } = await completedJob();
    const rejection = (input: Parameters<typeof deliver>[1]) =>
      deliver(handle, input).then(
        () => 'accepted',
        (error: Error & { cause?: Error }) => error.cause?.message ?? error.message,
      );
    expect(await rejection({ type: 'payment.received', invoiceId: 'inv-nope', amount: usd(100) })).toMatch(/no invoice inv-nope/);
    expect(await rejection({ type: 'job.started', jobId: 'job-nope' })).toMatch(/no job job-nope/);
    expect(await rejection({ type: 'booking.requested', jobId: 'job-1', service: 'again', scheduledAt: at((await suite.now()) + DAY) })).toMatch(/already booked/);
    expect(await rejection({ type: 'payment.received', invoiceId: 'inv-job-1', amount: { amount: 100, currency: 'EUR' } })).toMatch(/in USD/);
    const state = await handle.query(customerStateQuery);
    expect(state.eventsApplied).toBe(3);
  });
});
