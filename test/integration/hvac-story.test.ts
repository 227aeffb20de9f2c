import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerWorkflowId } from '../../domain/ids';
import { hvacInSeconds } from '../../scripts/demo/hvac-in-seconds';
import { RevloopStage, RevloopTenant } from '../../workflows/search-attributes';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';

/**
 * The HVAC story end to end over HTTP on the real dev server, with a tenant playbook whose timings
 * are seconds: missed call, text-back, booking, reminders, job, instant invoice, review request,
 * payment after a reminder, tune-up outreach, a second job, quiet time, reactivation, dormant.
 * (The calendar-bound March tune-up and the 18-month idle window run on the time-skipping server
 * in test/workflow/retention.test.ts.)
 */
describe('an HVAC customer over HTTP, in seconds', () => {
  let stack: Stack;
  let tenant: TenantClient;
  beforeAll(async () => {
    stack = await startStack();
    tenant = await stack.tenant('Polar Air HVAC');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const fast = hvacInSeconds;

  const messageKinds = async (id: string) => (await tenant.request('GET', `/v1/customers/${id}/messages?limit=200`)).body.data.map((m: { kind: string }) => m.kind) as string[];
  const waitForMessage = (id: string, kind: string, count = 1) =>
    eventually(() => messageKinds(id), { until: (kinds) => kinds.filter((k) => k === kind).length >= count, timeoutMs: 30_000 });
  const state = (id: string) => tenant.request('GET', `/v1/customers/${id}`).then((r) => r.body);
  const event = async (id: string, body: Record<string, unknown>) => {
    const r = await tenant.request('POST', `/v1/customers/${id}/events`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
  };
  const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

  it('runs the whole relationship and shows it in the timeline, the outbox and the Temporal UI', { timeout: 150_000 }, async () => {
    const registered = await tenant.request('POST', '/v1/playbooks', fast);
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    expect(registered.body).toMatchObject({ id: 'hvac-in-seconds', version: 1, owner: 'tenant' });

    const created = await tenant.request('POST', '/v1/customers', { id: 'maria', name: 'Maria Lopez', phone: '+15125550123', email: 'maria@example.com', timezone: 'America/Chicago', playbook: 'hvac-in-seconds' });
    expect(created.status).toBe(201);

    // Missed call → text-back at once.
    await event('maria', { type: 'call.missed', from: '+15125550123' });
    await waitForMessage('maria', 'missed_call.text_back');

    // Booking → confirmation, reminders 4 s and 2 s before the slot.
    await event('maria', { type: 'booking.requested', jobId: 'job-1', service: 'AC not cooling', scheduledAt: inSeconds(6) });
    await waitForMessage('maria', 'booking.reminder', 2);

    // The job, the invoice the same moment, the review request, a reminder, then payment.
    await event('maria', { type: 'job.started', jobId: 'job-1' });
    await event('maria', { type: 'job.completed', jobId: 'job-1', lineItems: [{ description: 'Capacitor', quantity: 1, unitPrice: { amount: 18500, currency: 'USD' } }] });
    const invoices = await eventually(() => tenant.request('GET', '/v1/customers/maria/invoices'), { until: (r) => r.body.data.length === 1 });
    expect(invoices.body.data[0]).toMatchObject({ id: 'inv-job-1', status: 'open', total: { amount: 18500, currency: 'USD' } });
    await waitForMessage('maria', 'review.request');
    await waitForMessage('maria', 'collections.reminder');
    await event('maria', { type: 'payment.received', invoiceId: 'inv-job-1', amount: { amount: 18500, currency: 'USD' }, method: 'card' });
    await eventually(() => tenant.request('GET', '/v1/customers/maria/invoices'), { until: (r) => r.body.data[0].status === 'paid' });

    // Tune-up outreach after the service.
    await waitForMessage('maria', 'retention.outreach');

    // A second job.
    await event('maria', { type: 'booking.requested', jobId: 'job-2', service: 'furnace check', scheduledAt: inSeconds(3) });
    await event('maria', { type: 'job.started', jobId: 'job-2' });
    await event('maria', { type: 'job.completed', jobId: 'job-2', lineItems: [{ description: 'Furnace check', quantity: 1, unitPrice: { amount: 8900, currency: 'USD' } }] });
    await eventually(() => tenant.request('GET', '/v1/customers/maria/invoices'), { until: (r) => r.body.data.length === 2 });
    await event('maria', { type: 'payment.received', invoiceId: 'inv-job-2', amount: { amount: 8900, currency: 'USD' } });

    // Quiet: three reactivation messages, then dormant.
    await waitForMessage('maria', 'reactivation.outreach', 3);
    const dormant = await eventually(() => state('maria'), { until: (s) => s.stage === 'dormant', timeoutMs: 30_000 });
    expect(dormant).toMatchObject({ completedJobs: 2, balanceDue: { amount: 0, currency: 'USD' }, playbook: { id: 'hvac-in-seconds', version: 1 } });

    const kinds = await messageKinds('maria');
    expect(kinds.slice(0, 5)).toEqual(['missed_call.text_back', 'booking.confirmation', 'booking.reminder', 'booking.reminder', 'invoice.issued']);
    expect(kinds).toEqual(expect.arrayContaining(['review.request', 'collections.reminder', 'retention.outreach', 'reactivation.outreach']));

    // The live state says dormant as soon as the workflow decides it; the step's rows are written just after.
    const timeline = (
      await eventually(() => tenant.request('GET', '/v1/customers/maria/timeline?limit=200'), { until: (r) => r.body.data.some((e: { type: string }) => e.type === 'customer.dormant'), timeoutMs: 30_000 })
    ).body.data.map((e: { type: string }) => e.type) as string[];
    for (const type of ['customer.created', 'call.missed', 'booking.requested', 'job.started', 'job.completed', 'invoice.issued', 'payment.received', 'invoice.paid', 'reactivation.started', 'customer.dormant']) {
      expect(timeline, type).toContain(type);
    }
    const stages = (await tenant.request('GET', '/v1/customers/maria/timeline?limit=200')).body.data
      .filter((e: { type: string }) => e.type === 'stage.changed')
      .map((e: { data: { to: string } }) => e.data.to);
    expect(stages).toEqual(expect.arrayContaining(['booking', 'job', 'invoice', 'collections', 'retention', 'reactivation', 'dormant']));

    // The Temporal UI: searchable by tenant and stage, with a summary and current details.
    const handle = stack.env.client.workflow.getHandle(customerWorkflowId(tenant.tenantId, 'maria'));
    const description = await eventually(() => handle.describe(), { until: (d) => d.typedSearchAttributes.get(RevloopStage) === 'dormant' });
    expect(description.typedSearchAttributes.get(RevloopTenant)).toBe(tenant.tenantId);
    expect(await description.staticSummary()).toBe('Customer Maria Lopez (maria) · HVAC in seconds (demo) playbook');
  });

  it('answers 404 for an unknown customer and 422 for an unknown job or invoice, signalling nothing', async () => {
    await tenant.request('POST', '/v1/customers', { id: 'ken', name: 'Ken Ito', playbook: 'hvac' });
    const history = async () => (await stack.env.client.workflow.getHandle(customerWorkflowId(tenant.tenantId, 'ken')).fetchHistory()).events!.length;
    await eventually(() => tenant.request('GET', '/v1/customers/ken'), { until: (r) => r.status === 200 && r.body.busy === false });
    const before = await history();

    const unknownJob = await tenant.request('POST', '/v1/customers/ken/events', { type: 'job.started', jobId: 'job-404' });
    expect(unknownJob.status).toBe(422);
    expect(unknownJob.body.errors).toEqual([{ path: 'body.jobId', message: expect.stringContaining('no job job-404') }]);
    const unknownInvoice = await tenant.request('POST', '/v1/customers/ken/events', { type: 'payment.received', invoiceId: 'inv-404', amount: { amount: 100, currency: 'USD' } });
    expect(unknownInvoice.status).toBe(422);
    expect((await tenant.request('POST', '/v1/customers/nobody/events', { type: 'job.started', jobId: 'j' })).status).toBe(404);
    expect(await history()).toBe(before);

    const invalidPlaybook = await tenant.request('POST', '/v1/playbooks', { ...fast, id: 'Broken Id', inquiry: { followUps: ['soon'], lostAfter: 'later' } });
    expect(invalidPlaybook.status).toBe(400);
    expect(invalidPlaybook.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['body.id', 'body.inquiry.followUps.0', 'body.inquiry.lostAfter']));
  });
});
