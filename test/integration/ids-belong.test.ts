import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../../domain/webhook-signature';
import { zoneInDaytime } from '../support/daytime';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';

const usd = (amount: number) => ({ amount, currency: 'USD' });

/**
 * Job, invoice and event ids are the sender's, and belong to the customer they were sent for:
 * two customers of one tenant may both have a `job-1` and an `inv-job-1`, and money or events
 * sent for one never reach the other.
 */
describe('ids belong to their customer (dev server, worker, API, PostgreSQL)', () => {
  let stack: Stack;
  let acme: TenantClient;
  let paymentsSecret: string;

  beforeAll(async () => {
    stack = await startStack();
    acme = await stack.tenant('Same Ids HVAC', { timezone: zoneInDaytime() });
    paymentsSecret = (await acme.request('POST', '/v1/webhook-secrets', { source: 'payments' })).body.secret;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const invoicesOf = (customer: string) => acme.request('GET', `/v1/customers/${customer}/invoices`);

  it('keeps two customers’ job-1, inv-job-1 and pay-1 apart, whether paid through the API or a signed webhook', async () => {
    for (const [id, price] of [['ann', 18_500], ['bob', 9_900]] as const) {
      expect((await acme.request('POST', '/v1/customers', { id, name: id, playbook: 'hvac' })).status).toBe(201);
      const post = (body: object) => acme.request('POST', `/v1/customers/${id}/events`, body);
      expect((await post({ type: 'booking.requested', eventId: 'book-1', jobId: 'job-1', service: 'Tune-up', scheduledAt: new Date(Date.now() + 3 * 86_400_000).toISOString() })).status).toBe(202);
      expect((await post({ type: 'job.completed', eventId: 'done-1', jobId: 'job-1', lineItems: [{ description: 'Tune-up', quantity: 1, unitPrice: usd(price) }] })).status).toBe(202);
    }
    // Ann pays through the API with the event id Bob's provider will use too.
    expect((await acme.request('POST', '/v1/customers/ann/events', { type: 'payment.received', eventId: 'pay-1', invoiceId: 'inv-job-1', amount: usd(18_500) })).status).toBe(202);
    // Bob's payment arrives by the payments provider's webhook, naming Bob.
    const body = JSON.stringify({ id: 'pay-1', type: 'payment.succeeded', customerId: 'bob', invoiceId: 'inv-job-1', amount: usd(9_900), method: 'card' });
    const hook = await fetch(`${stack.api.url}/v1/webhooks/payments?tenant=${acme.tenantId}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Revloop-Signature': signPayload(paymentsSecret, body, Math.floor(Date.now() / 1000)) },
      body,
    });
    expect(hook.status).toBe(202);

    for (const [id, price] of [['ann', 18_500], ['bob', 9_900]] as const) {
      const listed = await eventually(() => invoicesOf(id), { until: (r) => r.body.data?.[0]?.status === 'paid', timeoutMs: 30_000 });
      expect(listed.body.data).toHaveLength(1);
      const [invoice] = listed.body.data;
      expect(invoice).toMatchObject({ id: 'inv-job-1', total: usd(price), balance: usd(0), status: 'paid' });
      expect(invoice.payments.map((p: { amount: { amount: number } }) => p.amount.amount)).toEqual([price]);
      const state = await acme.request('GET', `/v1/customers/${id}`);
      expect(state.body.openJobs).toEqual([]);
      expect(state.body.completedJobs).toBe(1);
    }
  });
});
