import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages, tenants } from '../../db/schema';
import { findBuiltinContractPlaybook } from '../../playbooks';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';

const usd = (amount: number) => ({ amount, currency: 'USD' });
const DAY = 86_400_000;

/**
 * `POST /v1/playbooks/{id}/simulate` with a b2b candidate: the tenant's real contracts (dev
 * server stack) started again from their quotes, with their approval, signature and usage at the
 * recorded times, through the playbook they follow and the candidate.
 */
describe('what-if simulation of a contract playbook over the API', () => {
  let stack: Stack;
  let vendor: TenantClient;
  const saas = findBuiltinContractPlaybook('saas-subscription')!.definition;

  beforeAll(async () => {
    stack = await startStack();
    vendor = await stack.tenant('Northwind Software');
    // Started 40 days ago: signing bills two months of seats at once, and they go unpaid.
    const start = new Date(Date.now() - 40 * DAY).toISOString().slice(0, 10);
    const seats = { lineId: 'seats', sku: 'SEAT', quantity: 10, listPrice: usd(10_000), discountPercent: 20, pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } };
    const calls = { lineId: 'api', sku: 'API', listPrice: usd(1), pricingModel: 'per_unit', usageMetric: 'api_calls', billing: { interval: 'month', timing: 'arrears' } };
    for (const id of ['globex', 'hooli']) {
      const quote = { id, customer: { name: id, email: `ap@${id}.example` }, currency: 'USD', lines: [seats, calls], term: 'P12M', start };
      expect((await vendor.request('POST', '/v1/quotes', quote)).status).toBe(201);
      expect((await vendor.request('POST', `/v1/quotes/${id}/approvals`, { role: 'sales_manager', approver: 'maria@vendor.example', decision: 'approve' })).status).toBe(200);
      expect((await vendor.request('POST', `/v1/contracts/${id}/events`, { type: 'contract.signed', signedBy: 'Pat' })).status).toBe(202);
      await eventually(() => vendor.request('GET', `/v1/contracts/${id}`), { until: (r) => r.body.stage === 'active' });
      const usage = { records: [{ id: `${id}-u1`, metric: 'api_calls', quantity: 1200, occurredAt: new Date(Date.now() - DAY).toISOString() }] };
      // Taken once the contract's row says it is live (the workflow writes it just after signing).
      await eventually(() => vendor.request('POST', `/v1/contracts/${id}/usage`, usage), { until: (r) => r.status === 202 });
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers what a shorter dunning would change for the contracts on the playbook, and nothing for the same playbook', async () => {
    const collections = { ...saas.collections, steps: [{ after: 'P7D', action: 'reminder' }, { after: 'P90D', action: 'write_off' }] };
    const shorter = await vendor.request('POST', '/v1/playbooks/saas-subscription/simulate', { definition: { ...saas, collections }, horizonDays: 80 });
    expect(shorter.status).toBe(200);
    expect(shorter.body.skipped).toEqual([]);
    expect(shorter.body.subjects.map((s: { contractId: string }) => s.contractId).sort()).toEqual(['globex', 'hooli']);
    const { baseline, candidate } = shorter.body.totals;
    // The same invoices either way (the customer's behaviour is what it was), fewer reminders under the candidate.
    expect(candidate.invoiced).toBe(baseline.invoiced);
    expect(baseline.invoiced).toBeGreaterThan(2 * 160_000);
    expect(baseline.stages).toEqual({ active: 2 });
    expect(candidate.byKind['collections.reminder'] ?? 0).toBeLessThan(baseline.byKind['collections.reminder'] ?? 0);
    // Per contract: the reminders at 14 and 30 days and the final notice at 45 are gone (day 75, inside the 80 days simulated).
    expect(shorter.body.subjects.map((s: { messageChanges: string[] }) => s.messageChanges)).toEqual([
      ['-1 collections.final_notice', '-2 collections.reminder'],
      ['-1 collections.final_notice', '-2 collections.reminder'],
    ]);

    const same = await vendor.request('POST', '/v1/playbooks/saas-subscription/simulate', { definition: saas, sample: { contractIds: ['globex'] }, horizonDays: 80 });
    expect(same.status).toBe(200);
    expect([same.body.differing, same.body.subjects]).toEqual([0, []]);
    expect(same.body.totals.baseline.invoiced).toBeGreaterThan(160_000);
    // The tenant's own records hold only what really happened: the invoice signing issued, no simulated reminders.
    const invoices = (await vendor.request('GET', '/v1/contracts/globex/invoices')).body.data;
    expect(invoices).toHaveLength(1);
    const sent = await stack.database.db.select({ kind: messages.kind }).from(messages).where(and(eq(messages.tenantId, vendor.tenantId), eq(messages.subjectId, 'globex')));
    expect(sent.map((m) => m.kind)).not.toContain('collections.reminder');
    // And the scratch tenants are gone.
    expect(await stack.database.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.name, `What-if of ${vendor.tenantId}`))).toEqual([]);
  });

  it('refuses a sample of the other kind and a candidate of the other kind', async () => {
    const customers = await vendor.request('POST', '/v1/playbooks/saas-subscription/simulate', { definition: saas, sample: { customerIds: ['globex'] } });
    expect(customers.status).toBe(422);
    expect(customers.body.errors).toEqual([expect.objectContaining({ path: 'body.sample.customerIds' })]);
    const stage = await vendor.request('POST', '/v1/playbooks/saas-subscription/simulate', { definition: saas, sample: { stage: 'inquiry' } });
    expect(stage.status).toBe(422);
    expect((await vendor.request('POST', '/v1/playbooks/plumbing/simulate', { definition: { ...saas, id: 'plumbing' } })).status).toBe(422);
  });
});
