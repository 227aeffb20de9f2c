import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractWorkflowId, customerWorkflowId } from '../../domain/ids';
import { contractStateQuery } from '../../workflows/contract-definitions';
import { customerStateQuery } from '../../workflows/definitions';
import { zoneInDaytime } from '../support/daytime';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';

const usd = (amount: number) => ({ amount, currency: 'USD' });
const inThreeDays = () => new Date(Date.now() + 3 * 86_400_000).toISOString();

/**
 * What a sender sees of "applied exactly once" over HTTP: an event that refers to what the event
 * before it creates is accepted however quickly it follows; a redelivery is a duplicate, says so
 * and changes nothing, however long after and however many runs later.
 */
describe('exactly once over HTTP (dev server, worker, API, PostgreSQL)', () => {
  let stack: Stack;
  let acme: TenantClient;

  beforeAll(async () => {
    // Continue-as-new every few dozen history events, so redeliveries meet later runs.
    stack = await startStack({ serverArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40'] });
    acme = await stack.tenant('Exactly Once HVAC', { timezone: zoneInDaytime() });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const customerState = (id: string) => stack.env.client.workflow.getHandle(customerWorkflowId(acme.tenantId, id)).query(customerStateQuery);
  const contractState = (id: string) => stack.env.client.workflow.getHandle(contractWorkflowId(acme.tenantId, id)).query(contractStateQuery);

  it('accepts a completion sent the moment its booking was, and a payment sent the moment its completion was', async () => {
    expect((await acme.request('POST', '/v1/customers', { id: 'quick', name: 'Quick Payer', playbook: 'hvac' })).status).toBe(201);
    for (let n = 1; n <= 10; n++) {
      const post = (body: object) => acme.request('POST', '/v1/customers/quick/events', body);
      expect((await post({ type: 'booking.requested', jobId: `j${n}`, service: 'Tune-up', scheduledAt: inThreeDays() })).status).toBe(202);
      const completed = await post({ type: 'job.completed', jobId: `j${n}`, lineItems: [{ description: 'Tune-up', quantity: 1, unitPrice: usd(12_000) }] });
      expect(completed.status, JSON.stringify(completed.body)).toBe(202);
      const paid = await post({ type: 'payment.received', invoiceId: `inv-j${n}`, amount: usd(12_000) });
      expect(paid.status, JSON.stringify(paid.body)).toBe(202);
    }
    const invoices = await eventually(() => acme.request('GET', '/v1/customers/quick/invoices?limit=50'), {
      until: (r) => r.body.data.length === 10 && r.body.data.every((i: { status: string }) => i.status === 'paid'),
      timeoutMs: 60_000,
    });
    expect(invoices.body.data.map((i: { balance: { amount: number } }) => i.balance.amount)).toEqual(Array(10).fill(0));
  }, 120_000);

  it('answers a redelivered customer event as a duplicate, and refuses its id for an event of another type', async () => {
    expect((await acme.request('POST', '/v1/customers', { id: 'twice', name: 'Twice Told', playbook: 'hvac' })).status).toBe(201);
    const first = await acme.request('POST', '/v1/customers/twice/events', { type: 'inquiry.received', eventId: 'form-7', channel: 'web' });
    expect(first.body).toMatchObject({ eventId: 'form-7', duplicate: false });
    await eventually(() => acme.request('GET', '/v1/customers/twice/timeline'), { until: (r) => r.body.data.some((e: { id: string }) => e.id === 'form-7') });
    const again = await acme.request('POST', '/v1/customers/twice/events', { type: 'inquiry.received', eventId: 'form-7', channel: 'web' });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ eventId: 'form-7', duplicate: true });
    const reused = await acme.request('POST', '/v1/customers/twice/events', { type: 'call.missed', eventId: 'form-7', from: '+15550009999' });
    expect(reused.status).toBe(409);
    expect(reused.body.detail).toContain('inquiry.received');
    await eventually(() => customerState('twice'), { until: (s) => !s.busy && s.pendingEvents === 0 });
    expect((await customerState('twice')).eventsApplied).toBe(1);
  });

  async function signedContract(id: string) {
    const quote = {
      id,
      customer: { name: 'Longhaul Freight' },
      currency: 'USD',
      lines: [{ lineId: 'seats', sku: 'SEAT', quantity: 10, listPrice: usd(5_000), pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } }],
      term: 'P12M',
      // Far ahead, so no invoice is open and the contract continues as new whenever Temporal suggests it.
      start: '2031-01-01T00:00:00Z',
    };
    expect((await acme.request('POST', '/v1/quotes', quote)).status).toBe(201);
    const post = (body: object) => acme.request('POST', `/v1/contracts/${id}/events`, body);
    expect((await post({ type: 'contract.signed', eventId: `${id}-sig` })).status).toBe(202);
    return post;
  }

  it('applies a contract event delivered twice at the same moment once, and says which delivery was the duplicate', async () => {
    const post = await signedContract('twin');
    // Two API processes, or a provider retrying while the first delivery is still in flight.
    const both = await Promise.all([post({ type: 'contract.cancelled', eventId: 'cancel-1', reason: 'budget' }), post({ type: 'contract.cancelled', eventId: 'cancel-1', reason: 'budget' })]);
    expect(both.map((r) => r.status)).toEqual([202, 202]);
    expect(both.map((r) => r.body.duplicate).sort()).toEqual([false, true]);
    const state = await eventually(() => contractState('twin'), { until: (s) => !s.busy });
    expect(state.eventsApplied).toBe(2);
  });

  it('answers a contract event redelivered 200 events and several runs later as a duplicate that changes nothing', async () => {
    const post = await signedContract('longhaul');
    expect((await post({ type: 'contract.cancelled', eventId: 'cancel-1', reason: 'budget' })).status).toBe(202);
    expect((await post({ type: 'contract.renewed', eventId: 'save-1' })).status).toBe(202);
    for (let n = 0; n < 210; n++) expect((await post({ type: 'contract.renewed', eventId: `renew-${n}` })).status).toBe(202);
    const later = await eventually(() => contractState('longhaul'), { until: (s) => !s.busy });
    expect(later.runs).toBeGreaterThan(1);
    expect(later.stage).toBe('active');
    expect(later.eventsApplied).toBe(1 + 1 + 1 + 210);

    // The old cancellation again, long after the workflow's memory of it moved on: it must not cancel the contract again.
    const stale = await post({ type: 'contract.cancelled', eventId: 'cancel-1', reason: 'budget' });
    expect(stale.status).toBe(202);
    expect(stale.body.duplicate).toBe(true);
    const after = await eventually(() => contractState('longhaul'), { until: (s) => !s.busy });
    expect(after.stage).toBe('active');
    expect(after.eventsApplied).toBe(later.eventsApplied);
  }, 120_000);
});
