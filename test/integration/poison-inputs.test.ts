import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractWorkflowId, customerWorkflowId } from '../../domain/ids';
import { workflowTaskFailures } from '../../scripts/runtime/workflow-health';
import { contractStateQuery } from '../../workflows/contract-definitions';
import { customerStateQuery } from '../../workflows/definitions';
import { zoneInDaytime } from '../support/daytime';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';

const usd = (amount: number) => ({ amount, currency: 'USD' });
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Every input the API answers 2xx leaves every workflow running and healthy: what a workflow
 * could not bill exactly or schedule sensibly is refused at the edge with a problem that says
 * why, and the workflows refuse, rather than fail on, anything that reaches them anyway.
 */
describe('poison inputs (dev server, worker, API, PostgreSQL)', () => {
  let stack: Stack;
  let acme: TenantClient;
  let n = 0;

  beforeAll(async () => {
    stack = await startStack();
    acme = await stack.tenant('Poison Co', { timezone: zoneInDaytime() });
    expect((await acme.request('POST', '/v1/customers', { id: 'pat', name: 'Pat', playbook: 'hvac' })).status).toBe(201);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const seat = (listPrice: number, quantity = 10) => ({ lineId: 'seats', sku: 'SEAT', quantity, listPrice: usd(listPrice), pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } });
  const quote = (fields: Record<string, unknown>) => ({ id: `q${++n}`, customer: { name: 'Poison Inc' }, currency: 'USD', lines: [seat(5_000)], term: 'P12M', start: iso(Date.now() + DAY), ...fields });

  it.each([
    ['a zero-length term', { term: 'P0D' }, 'body.term'],
    ['a term of a century', { term: 'P100Y' }, 'body.term'],
    ['a line whose month comes to more than can be counted exactly', { lines: [seat(10_000_000_000_000, 1_000_000_000)] }, 'body.lines.0.quantity'],
    ['a start in the year 9999', { start: '9999-12-31', term: 'P10Y' }, 'body.start'],
    ['a start in the year 0', { start: '0000-01-01' }, 'body.start'],
    ['a start 26 years back', { start: '2000-01-01' }, 'body.start'],
  ])('refuses a quote with %s (422 or 400, naming the field)', async (_what, fields, path) => {
    const answer = await acme.request('POST', '/v1/quotes', quote(fields));
    expect([400, 422]).toContain(answer.status);
    expect(answer.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('refuses a booking for a slot already past, and sends nothing for it', async () => {
    const answer = await acme.request('POST', '/v1/customers/pat/events', { type: 'booking.requested', jobId: 'late', service: 'Repair', scheduledAt: iso(Date.now() - DAY) });
    expect(answer.status).toBe(422);
    expect(answer.body.errors[0].path).toBe('body.scheduledAt');
    expect((await acme.request('GET', '/v1/customers/pat/messages')).body.data).toEqual([]);
  });

  it('refuses a job whose invoice would come to more than can be counted exactly', async () => {
    expect((await acme.request('POST', '/v1/customers/pat/events', { type: 'booking.requested', jobId: 'big', service: 'Repair', scheduledAt: iso(Date.now() + DAY) })).status).toBe(202);
    const answer = await acme.request('POST', '/v1/customers/pat/events', {
      type: 'job.completed',
      jobId: 'big',
      lineItems: Array.from({ length: 3 }, () => ({ description: 'Gold', quantity: 1_000_000, unitPrice: usd(10_000_000_000_000) })),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe('body.lineItems');
  });

  it('refuses a job whose discount brings its invoice below zero, and takes one that brings it to nothing, paid as issued', async () => {
    const book = (jobId: string) => acme.request('POST', '/v1/customers/pat/events', { type: 'booking.requested', jobId, service: 'Repair', scheduledAt: iso(Date.now() + DAY) });
    const complete = (jobId: string, discount: number) =>
      acme.request('POST', '/v1/customers/pat/events', { type: 'job.completed', jobId, lineItems: [{ description: 'Repair', quantity: 1, unitPrice: usd(18_000) }, { description: 'Goodwill', quantity: 1, unitPrice: usd(-discount) }] });
    expect((await book('goodwill-over')).status).toBe(202);
    const answer = await complete('goodwill-over', 18_001);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]).toMatchObject({ path: 'body.lineItems', message: expect.stringContaining('less than zero') });
    expect((await book('goodwill')).status).toBe(202);
    expect((await complete('goodwill', 18_000)).status).toBe(202);
    const invoice = await eventually(async () => (await acme.request('GET', '/v1/customers/pat/invoices')).body.data.find((i: { id: string }) => i.id === 'inv-goodwill'), { until: (i) => i?.status === 'paid' });
    expect(invoice).toMatchObject({ total: usd(0), balance: usd(0) });
  });

  it('answers 400, not 500, to a body nested thousands deep and to forged cursors', async () => {
    const deep = '['.repeat(2_100) + ']'.repeat(2_100);
    // A GET with a body is unusual but legal HTTP; fetch will not send one.
    const getWithBody = await new Promise<number>((resolve, reject) => {
      const req = request(`${stack.api.url}/v1/customers`, { method: 'GET', headers: { Authorization: `Bearer ${acme.key}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(deep) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end(deep);
    });
    expect(getWithBody).toBe(400);
    expect((await acme.request('POST', '/v1/customers/pat/events', deep, { 'Content-Type': 'application/json' })).status).toBe(400);
    const cursor = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
    for (const path of ['/v1/customers/pat/timeline', '/v1/customers/pat/messages', '/v1/customers/pat/invoices']) {
      for (const forged of [cursor(['0000-01-01T00:00:00.000Z', 'x']), cursor(['+275760-09-13T00:00:00.000Z', 'x']), cursor(['2026-01-01T00:00:00.000Z', 1.5]), cursor(['2026-01-01T00:00:00.000Z', 'a\u0000b'])]) {
        const answer = await acme.request('GET', `${path}?cursor=${forged}`);
        expect(answer.status, `${path} ${forged}`).toBe(400);
      }
    }
    expect((await acme.request('GET', `/v1/customers?cursor=${cursor([7])}`)).status).toBe(400);
  });

  it('property: whatever quotes, amendments, renewals, usage and bookings the API accepts, no workflow task fails', async () => {
    const day = fc.integer({ min: -40, max: 4_000 });
    const amount = fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 10_000_000_000_000 }));
    const quantity = fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 1_000_000_000 }));
    const term = fc.constantFrom('P0D', 'P1D', 'P1M', 'P12M', 'P10Y', 'P11Y', 'PT1H');
    const accepted: string[] = [];
    await fc.assert(
      fc.asyncProperty(term, day, amount, quantity, quantity, fc.integer({ min: -99, max: 100 }), day, async (t, startDay, price, seats, amendTo, uplift, slotDay) => {
        const body = quote({ term: t, start: iso(Date.now() + startDay * DAY), lines: [seat(price, seats), { lineId: 'calls', sku: 'API', listPrice: usd(price), pricingModel: 'per_unit', usageMetric: 'api_calls', billing: { interval: 'month', timing: 'arrears' } }] });
        const created = await acme.request('POST', '/v1/quotes', body);
        expect(created.status).toBeLessThan(500);
        if (created.status === 201) {
          accepted.push(body.id);
          const events = `/v1/contracts/${body.id}/events`;
          for (const event of [
            { type: 'contract.signed' },
            { type: 'contract.amended', lineId: 'seats', quantity: amendTo },
            { type: 'contract.renewed', upliftPercent: uplift, term: t },
          ]) {
            expect((await acme.request('POST', events, event)).status).toBeLessThan(500);
          }
          const usage = await acme.request('POST', `/v1/contracts/${body.id}/usage`, { records: [{ id: `u-${body.id}`, metric: 'api_calls', quantity: amendTo, occurredAt: iso(Date.now()) }] });
          expect(usage.status).toBeLessThan(500);
        }
        const booking = await acme.request('POST', '/v1/customers/pat/events', { type: 'booking.requested', jobId: `j-${body.id}`, service: 'Repair', scheduledAt: iso(Date.now() + slotDay * DAY) });
        expect(booking.status).toBeLessThan(500);
      }),
      { numRuns: 25 },
    );
    // Every workflow settles, and none failed a task on the way.
    for (const id of accepted) await eventually(() => stack.env.client.workflow.getHandle(contractWorkflowId(acme.tenantId, id)).query(contractStateQuery), { until: (s) => !s.busy, timeoutMs: 30_000 }).catch(() => undefined);
    await eventually(() => stack.env.client.workflow.getHandle(customerWorkflowId(acme.tenantId, 'pat')).query(customerStateQuery), { until: (s) => !s.busy && s.pendingEvents === 0 });
    const health = await workflowTaskFailures(stack.env.client);
    expect(health.defects).toEqual({});
    expect(health.closedBadly).toEqual([]);
  }, 180_000);
});
