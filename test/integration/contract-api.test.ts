import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually';
import { signPayload } from '../../domain/webhook-signature';
import { call, startStack, type Stack, type TenantClient } from '../support/stack';

const usd = (amount: number) => ({ amount, currency: 'USD' });
const DAY = 86_400_000;

describe('contracts over HTTP (dev server, worker, API, PostgreSQL)', () => {
  let stack: Stack;
  let acme: TenantClient;

  beforeAll(async () => {
    stack = await startStack();
    acme = await stack.tenant('Acme Software');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const seats = (discountPercent: number) => ({ lineId: 'seats', sku: 'SEAT', quantity: 10, listPrice: usd(10_000), discountPercent, pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } });
  const api = { lineId: 'api', sku: 'API', listPrice: usd(1), pricingModel: 'per_unit', usageMetric: 'api_calls', billing: { interval: 'month', timing: 'arrears' } };
  const quote = (id: string, lines: unknown[], start: string) => ({ id, customer: { name: 'Initech', email: 'ap@initech.example' }, currency: 'USD', lines, term: 'P12M', start });

  it('refuses what policy can never approve, and every malformed line, before anything starts', async () => {
    const refused = await acme.request('POST', '/v1/quotes', quote('too-deep', [seats(45)], '2027-01-01'));
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'body.lines.0.discountPercent' })]);
    expect((await acme.request('GET', '/v1/contracts/too-deep')).status).toBe(404);

    const malformed = await acme.request('POST', '/v1/quotes', quote('bad', [{ ...seats(0), pricingModel: 'tiered', listPrice: usd(-5) }, { ...api, billing: { interval: 'month', timing: 'advance' } }], 'not-a-date'));
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.lines.0.listPrice.amount', 'body.lines.0.tiers', 'body.lines.1.billing', 'body.start']);
  });

  it('takes a quote through approval and signature, bills it, and takes usage once per record', async () => {
    // Started two months ago: signing bills the periods already begun and rates the month that closed.
    const start = new Date(Date.now() - 40 * DAY);
    const startDate = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate())).toISOString().slice(0, 10);
    const created = await acme.request('POST', '/v1/quotes', quote('initech', [seats(20), api], startDate));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'initech', stage: 'pending_approval', approvalsPending: [expect.objectContaining({ role: 'sales_manager' })] });

    const early = await acme.request('POST', '/v1/contracts/initech/events', { type: 'contract.signed' });
    expect(early.status).toBe(409);
    expect((await acme.request('POST', '/v1/quotes/initech/approvals', { role: 'finance', approver: 'fin@vendor.example', decision: 'approve' })).status).toBe(409);
    const approved = await acme.request('POST', '/v1/quotes/initech/approvals', { role: 'sales_manager', approver: 'maria@vendor.example', decision: 'approve' });
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual({ status: 'approved', approvalsPending: [] });

    // No invoice is coming before the contract is signed; none at all for a contract that does not exist.
    expect((await acme.request('GET', '/v1/contracts/initech/upcoming-invoice')).status).toBe(409);
    expect((await acme.request('GET', '/v1/contracts/nobody/upcoming-invoice')).status).toBe(404);

    // No usage before the contract is live.
    const tooSoon = await acme.request('POST', '/v1/contracts/initech/usage', { records: [{ id: 'u0', metric: 'api_calls', quantity: 1, occurredAt: new Date().toISOString() }] });
    expect(tooSoon.status).toBe(409);

    const signed = await acme.request('POST', '/v1/contracts/initech/events', { type: 'contract.signed', eventId: 'esign-1', signedBy: 'Bill' });
    expect(signed.status).toBe(202);
    const again = await acme.request('POST', '/v1/contracts/initech/events', { type: 'contract.signed', eventId: 'esign-1', signedBy: 'Bill' });
    // The same event id again: accepted as the duplicate it is, nothing applied twice.
    expect(signed.body).toEqual({ eventId: 'esign-1', type: 'contract.signed', duplicate: false, status: 'accepted' });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ ...signed.body, duplicate: true });

    const invoices = await eventually(() => acme.request('GET', '/v1/contracts/initech/invoices'), { until: (r) => r.body.data.length === 1 });
    const first = invoices.body.data[0];
    // Two months of seats in advance (the first month's API usage had no records).
    expect(first.lines.filter((l: { lineId: string }) => l.lineId === 'seats').map((l: { amount: { amount: number } }) => l.amount.amount)).toEqual([80_000, 80_000]);
    expect(first.links.temporalUi).toContain(encodeURIComponent(`invoice:${acme.tenantId}:contract:initech:initech.0001`));

    const view = await acme.request('GET', '/v1/contracts/initech');
    expect(view.body).toMatchObject({ id: 'initech', stage: 'active', mrr: usd(80_000), autoRenew: true, revenue: { billed: usd(160_000) } });
    expect(view.body.revenue.deferred.amount).toBeGreaterThan(0);
    const currentApi = view.body.currentPeriods.find((p: { lineId: string }) => p.lineId === 'api');

    const now = new Date().toISOString();
    const batch = { records: [{ id: 'r1', metric: 'api_calls', quantity: 1200, occurredAt: now }, { id: 'r2', metric: 'api_calls', quantity: 300, occurredAt: now }] };
    const taken = await acme.request('POST', '/v1/contracts/initech/usage', batch, { 'Idempotency-Key': randomUUID() });
    expect(taken.status).toBe(202);
    expect(taken.body).toEqual({ accepted: 2, duplicates: [], late: [] });
    const retried = await acme.request('POST', '/v1/contracts/initech/usage', batch);
    expect(retried.body).toEqual({ accepted: 0, duplicates: ['r1', 'r2'], late: [] });

    const refused = await acme.request('POST', '/v1/contracts/initech/usage', {
      records: [
        { id: 'r1', metric: 'api_calls', quantity: 5, occurredAt: now },
        { id: 'r3', metric: 'storage_gb', quantity: 5, occurredAt: now },
        { id: 'r4', metric: 'api_calls', quantity: 5, occurredAt: new Date(Date.parse(currentApi.start) - DAY).toISOString() },
        { id: 'r5', metric: 'api_calls', quantity: 5, occurredAt: new Date(Date.now() + DAY).toISOString() },
        { id: 'r6', metric: 'api_calls', quantity: 5, occurredAt: '2001-01-01T00:00:00Z' },
      ],
    });
    expect(refused.status).toBe(422);
    // r4, in the month already invoiced, is late but billable: not among the refusals.
    expect(refused.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.records.0.id', 'body.records.1.metric', 'body.records.3.occurredAt', 'body.records.4.occurredAt']);
    // All or nothing: the good records of a refused batch were not taken either.
    expect((await acme.request('POST', '/v1/contracts/initech/usage', { records: [{ id: 'r4b', metric: 'api_calls', quantity: 1, occurredAt: now }] })).body.accepted).toBe(1);
    // A record for the month already invoiced is taken as late: the next invoice bills it as an adjustment.
    const lateOne = await acme.request('POST', '/v1/contracts/initech/usage', { records: [{ id: 'r4c', metric: 'api_calls', quantity: 7, occurredAt: new Date(Date.parse(currentApi.start) - DAY).toISOString() }] });
    expect(lateOne.status).toBe(202);
    expect(lateOne.body).toEqual({ accepted: 1, duplicates: [], late: ['r4c'] });
    // The next invoice as it stands: the seats in advance and the API usage so far, at the next boundary.
    const upcoming = await acme.request('GET', '/v1/contracts/initech/upcoming-invoice');
    expect(upcoming.status).toBe(200);
    expect(upcoming.body.at).toBe(currentApi.end);
    const apiLine = upcoming.body.lines.find((l: { lineRef: string }) => l.lineRef === 'api');
    expect(apiLine).toMatchObject({ quantity: 1501, amount: 1501, periodStart: currentApi.start, periodEnd: currentApi.end });
    expect(upcoming.body.total.amount).toBe(upcoming.body.lines.reduce((sum: number, l: { amount: number }) => sum + l.amount, 0));
    // Last month's API usage was nothing, so this month's would be held for review at issue: the preview says so.
    expect(upcoming.body).toMatchObject({ accountCreditApplied: usd(0), hold: 'line api: 15.01 USD departs entirely from its trailing average (threshold 50%)' });
    // Prepaid credit: a top-up goes into the wallet, which the contract shows and the preview uses.
    const topUp = await acme.request('POST', '/v1/contracts/initech/events', { type: 'credit.granted', grantId: 'topup-1', amount: usd(1000), paid: true });
    expect(topUp.status).toBe(202);
    expect((await acme.request('POST', '/v1/contracts/initech/events', { type: 'credit.granted', grantId: 'topup-1', amount: usd(1000), paid: true })).status).toBe(409);
    expect((await acme.request('POST', '/v1/contracts/initech/events', { type: 'credit.granted', grantId: 'both', amount: usd(1), units: { metric: 'api_calls', quantity: 5 } })).status).toBe(400);
    expect((await acme.request('GET', '/v1/contracts/initech')).body.wallet).toMatchObject({ balance: usd(1000), paid: usd(1000), free: usd(0) });
    const withWallet = await acme.request('GET', '/v1/contracts/initech/upcoming-invoice');
    expect(withWallet.body.paidFromWallet).toEqual(usd(1000));
    expect(withWallet.body.total).toEqual(upcoming.body.total);
    // Someone else's contract of the same id is not there for this tenant.
    const other = await stack.tenant('Other Software');
    expect((await other.request('GET', '/v1/contracts/initech/upcoming-invoice')).status).toBe(404);

    // Properties travel with a record (a user id, for a metric counted by unique users) and are part of
    // what makes a retry the same record.
    const withUser = { records: [{ id: 'r7', metric: 'api_calls', quantity: 1, occurredAt: now, properties: { user_id: 'u-1', region: 'eu', paid: true } }] };
    expect((await acme.request('POST', '/v1/contracts/initech/usage', withUser)).body).toEqual({ accepted: 1, duplicates: [], late: [] });
    expect((await acme.request('POST', '/v1/contracts/initech/usage', withUser)).body).toEqual({ accepted: 0, duplicates: ['r7'], late: [] });
    const otherUser = await acme.request('POST', '/v1/contracts/initech/usage', { records: [{ ...withUser.records[0]!, properties: { user_id: 'u-2' } }] });
    expect(otherUser.status).toBe(422);
    expect(otherUser.body.errors).toEqual([{ path: 'body.records.0.id', message: 'was already used for a different record' }]);
    const nested = await acme.request('POST', '/v1/contracts/initech/usage', { records: [{ id: 'r8', metric: 'api_calls', quantity: 1, occurredAt: now, properties: { user: { id: 1 } } }] });
    expect(nested.status).toBe(400);

    const schedule = await acme.request('GET', '/v1/contracts/initech/revenue-schedule');
    expect(schedule.status).toBe(200);
    expect(schedule.body.billed).toEqual(usd(160_000));
    expect(schedule.body.billed.amount).toBe(schedule.body.recognised.amount + schedule.body.deferred.amount - schedule.body.unbilled.amount);
    expect(schedule.body.total.recognisedOverLife).toEqual(usd(160_000));
    expect(schedule.body.deferred.amount).toBeGreaterThan(0);

    const listed = await acme.request('GET', '/v1/contracts?stage=active');
    expect(listed.body.data.map((c: { id: string }) => c.id)).toContain('initech');
  });

  it('takes a signature sent the moment a quote that needs no approval is created', async () => {
    // The signature can reach the workflow with its start, before its first step has run.
    for (let i = 0; i < 5; i++) {
      expect((await acme.request('POST', '/v1/quotes', quote(`quick-${i}`, [seats(0)], '2030-01-01'))).body.stage).toBe('approved');
      const signed = await acme.request('POST', `/v1/contracts/quick-${i}/events`, { type: 'contract.signed' });
      expect(signed.status, JSON.stringify(signed.body)).toBe(202);
    }
  });

  it('answers 409 for a contract that has ended, rather than pretending it does not exist', async () => {
    expect((await acme.request('POST', '/v1/quotes', quote('hooli', [seats(30)], '2030-01-01'))).status).toBe(201);
    expect((await acme.request('POST', '/v1/quotes/hooli/approvals', { role: 'finance', approver: 'cfo@vendor.example', decision: 'reject' })).body.status).toBe('rejected');
    await eventually(() => acme.request('GET', '/v1/contracts?stage=rejected'), { until: (r) => r.body.data.some((c: { id: string; mrr: { amount: number } }) => c.id === 'hooli' && c.mrr.amount === 0) });
    const rejected = (await acme.request('GET', '/v1/contracts?stage=rejected&limit=100')).body.data.length;
    const stages = await acme.request('GET', '/v1/contracts/stages');
    expect(stages.status).toBe(200);
    expect(stages.body.stages).toMatchObject({ rejected, churned: expect.any(Number), active: expect.any(Number) });
    expect(stages.body.total).toBe(Object.values(stages.body.stages as Record<string, number>).reduce((a, b) => a + b, 0));
    const late = await acme.request('POST', '/v1/contracts/hooli/events', { type: 'contract.signed' });
    expect(late.status).toBe(409);
    expect(late.body.detail).toContain('rejected');
    expect((await acme.request('POST', '/v1/quotes/hooli/approvals', { role: 'finance', approver: 'x', decision: 'approve' })).status).toBe(409);
  });

  it('answers 409 and 422 for events the contract cannot take, and applies a credit note', async () => {
    const negative = await acme.request('POST', '/v1/contracts/initech/events', { type: 'contract.amended', lineId: 'seats', listPrice: usd(-5) });
    expect(negative.status).toBe(400);
    expect(negative.body.errors[0].path).toBe('body.listPrice.amount');
    expect((await acme.request('POST', '/v1/contracts/nobody/events', { type: 'contract.cancelled' })).status).toBe(404);
    const unknownLine = await acme.request('POST', '/v1/contracts/initech/events', { type: 'contract.amended', lineId: 'nope', quantity: 3 });
    expect(unknownLine.status).toBe(422);
    expect(unknownLine.body.errors[0].path).toBe('body.lineId');
    expect((await acme.request('POST', '/v1/contracts/initech/events', { type: 'invoice.approved', invoiceId: 'initech.0001' })).status).toBe(409);
    expect((await acme.request('POST', '/v1/contracts/initech/events', { type: 'payment.received', invoiceId: 'initech.9999', amount: usd(5) })).status).toBe(422);

    const credit = await acme.request('POST', '/v1/contracts/initech/events', { type: 'credit.issued', invoiceId: 'initech.0001', amount: usd(5_000), reason: 'goodwill' });
    expect(credit.status).toBe(202);
    const invoices = await eventually(() => acme.request('GET', '/v1/contracts/initech/invoices'), {
      until: (r) => r.body.data.some((i: { kind: string }) => i.kind === 'credit_note') && r.body.data[0].balance.amount === 155_000,
    });
    expect(invoices.body.data.find((i: { kind: string }) => i.kind === 'credit_note')).toMatchObject({ total: usd(-5_000), status: 'issued' });
    const schedule = await acme.request('GET', '/v1/contracts/initech/revenue-schedule');
    expect(schedule.body.total.recognisedOverLife).toEqual(usd(155_000));

    // The payments provider settles the rest through its signed webhook, naming the contract.
    const secret = (await acme.request('POST', '/v1/webhook-secrets', { source: 'payments' })).body.secret as string;
    const body = JSON.stringify({ id: 'ch_contract_1', type: 'payment.succeeded', contractId: 'initech', invoiceId: 'initech.0001', amount: usd(155_000), method: 'ach' });
    const paid = await call(stack.api.url, null, 'POST', `/v1/webhooks/payments?tenant=${acme.tenantId}`, body, {
      'Content-Type': 'application/json',
      'Revloop-Signature': signPayload(secret, body, Math.floor(Date.now() / 1000)),
    });
    expect(paid.status).toBe(202);
    expect(paid.body).toMatchObject({ contractId: 'initech', eventId: 'pay.ch_contract_1', type: 'payment.received' });
    await eventually(() => acme.request('GET', '/v1/contracts/initech'), { until: (r) => r.body.invoices[0].status === 'paid' && r.body.balanceDue.amount === 0 });
  });
});
