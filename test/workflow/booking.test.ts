import { describe, expect, it } from 'vitest';
import { jobWorkflowId } from '../../domain/ids';
import { customerStateQuery, jobStateQuery } from '../../workflows/definitions';
import { deliver, idle, jobsOf, sentAfter, startCustomer } from '../support/customers';
import { createTestTenant, timelineOf } from '../support/database';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { testPlaybook } from '../support/playbooks';
import { DAY, HOUR, MINUTE, timeSkippingSuite, minutes } from '../support/suite';

const at = (ms: number) => new Date(ms).toISOString();

describe('customer workflow: bookings, reminders and no-shows', () => {
  const suite = timeSkippingSuite();
  // HVAC: confirmation at once, reminders P1D and PT2H before, no-show PT30M after. Quiet hours off
  // so every instant is exact.
  const playbook = testPlaybook('hvac', { quietHours: null });

  async function bookedCustomer(slotIn: number, jobId = 'job-1') {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook });
    const t0 = await suite.now();
    await deliver(handle, { type: 'booking.requested', jobId, service: 'AC repair', scheduledAt: at(t0 + slotIn) });
    return { tenantId, customerId, handle, t0 };
  }

  it('confirms at once and reminds a day and two hours before the appointment', async () => {
    const { tenantId, customerId, handle, t0 } = await bookedCustomer(3 * DAY);
    await suite.env.sleep(3 * DAY - HOUR);
    await deliver(handle, { type: 'job.started', jobId: 'job-1' });
    await suite.env.sleep(2 * HOUR);

    expect(await sentAfter(suite.database.db, tenantId, customerId, t0)).toEqual([
      ['booking.confirmation', 0],
      ['booking.reminder', minutes(2 * DAY)],
      ['booking.reminder', minutes(3 * DAY - 2 * HOUR)],
    ]);
    const [job] = await jobsOf(suite.database.db, tenantId, customerId);
    expect(job).toMatchObject({ id: 'job-1', status: 'in_progress' });
    expect((await handle.query(customerStateQuery)).stage).toBe('job');
    await recordHistory(handle, 'customer-booking-started');
  });

  it('moves the reminders when the booking is rescheduled', async () => {
    const { tenantId, customerId, handle, t0 } = await bookedCustomer(3 * DAY);
    await suite.env.sleep(HOUR);
    await deliver(handle, { type: 'booking.rescheduled', jobId: 'job-1', scheduledAt: at(t0 + 5 * DAY) });
    await suite.env.sleep(5 * DAY - HOUR);
    await deliver(handle, { type: 'job.started', jobId: 'job-1' });

    expect(await sentAfter(suite.database.db, tenantId, customerId, t0)).toEqual([
      ['booking.confirmation', 0],
      ['booking.rescheduled', 60],
      ['booking.reminder', minutes(4 * DAY)],
      ['booking.reminder', minutes(5 * DAY - 2 * HOUR)],
    ]);
  });

  it('stops the reminders when the booking is cancelled and offers to rebook', async () => {
    const { tenantId, customerId, handle, t0 } = await bookedCustomer(3 * DAY);
    await suite.env.sleep(HOUR);
    await deliver(handle, { type: 'booking.cancelled', jobId: 'job-1', reason: 'fixed it myself' });
    await suite.env.sleep(4 * DAY);

    expect(await sentAfter(suite.database.db, tenantId, customerId, t0)).toEqual([
      ['booking.confirmation', 0],
      ['booking.cancelled', 60],
    ]);
    const [job] = await jobsOf(suite.database.db, tenantId, customerId);
    expect(job!.status).toBe('cancelled');
    const state = await idle(handle);
    expect(state.openJobs).toEqual([]);
    expect(state.stage).toBe('inquiry');
  });

  it('reaches out with a new slot when nobody starts the job 30 minutes after it', async () => {
    const { tenantId, customerId, handle, t0 } = await bookedCustomer(DAY + 3 * HOUR);
    await suite.env.sleep(DAY + 3 * HOUR + 31 * MINUTE);

    const sent = await sentAfter(suite.database.db, tenantId, customerId, t0);
    expect(sent.at(-1)).toEqual(['booking.no_show', minutes(DAY + 3 * HOUR + 30 * MINUTE)]);
    const [job] = await jobsOf(suite.database.db, tenantId, customerId);
    expect(job!.status).toBe('no_show');
    const noShow = (await timelineOf(suite.database.db, tenantId, customerId)).find((e) => e.type === 'job.no_show');
    expect(noShow).toBeDefined();
    const state = await eventually(() => handle.query(customerStateQuery), { until: (s) => s.openJobs[0]?.status === 'no_show' });
    expect(state.stage).toBe('booking');

    // The customer takes the new slot: the same job, booked again, with fresh reminders.
    await deliver(handle, { type: 'booking.rescheduled', jobId: 'job-1', scheduledAt: at(t0 + 4 * DAY) });
    await eventually(() => handle.query(customerStateQuery), { until: (s) => s.openJobs[0]?.status === 'booked' });
    const job1 = await suite.env.client.workflow.getHandle(jobWorkflowId(tenantId, customerId, 'job-1')).query(jobStateQuery);
    expect(job1.nextActions.map((a) => [a.kind, a.dueAt])).toEqual([
      ['booking.reminder', at(t0 + 3 * DAY)],
      ['booking.reminder', at(t0 + 4 * DAY - 2 * HOUR)],
      ['booking.no_show', at(t0 + 4 * DAY + 30 * MINUTE)],
    ]);
  });

  it('runs two jobs for one customer at once, each with its own reminders', async () => {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook });
    const t0 = await suite.now();
    await deliver(handle, { type: 'booking.requested', jobId: 'furnace', service: 'furnace repair', scheduledAt: at(t0 + 2 * DAY) });
    await deliver(handle, { type: 'booking.requested', jobId: 'thermostat', service: 'thermostat install', scheduledAt: at(t0 + 4 * DAY) });
    const both = await eventually(() => handle.query(customerStateQuery), { until: (s) => s.openJobs.length === 2 && s.openJobs.every((j) => j.nextAction) });
    expect(both.nextActions.filter((a) => a.kind === 'booking.reminder').map((a) => a.summary)).toEqual([
      'job furnace: booking reminder 1/2 (P1D before)',
      'job thermostat: booking reminder 1/2 (P1D before)',
    ]);

    await env.sleep(2 * DAY);
    await deliver(handle, { type: 'job.started', jobId: 'furnace' });
    await deliver(handle, { type: 'job.completed', jobId: 'furnace', lineItems: [{ description: 'Igniter', quantity: 1, unitPrice: { amount: 18900, currency: 'USD' } }] });
    await env.sleep(2 * DAY + HOUR);

    const reminders = (await sentAfter(database.db, tenantId, customerId, t0)).filter(([kind]) => kind === 'booking.reminder').map(([, m]) => m);
    expect(reminders).toEqual([minutes(1 * DAY), minutes(2 * DAY - 2 * HOUR), minutes(3 * DAY), minutes(4 * DAY - 2 * HOUR)]);
    const jobs = await jobsOf(database.db, tenantId, customerId);
    expect(jobs.map((j) => [j.id, j.status])).toEqual([
      ['furnace', 'completed'],
      ['thermostat', 'no_show'],
    ]);
    const state = await idle(handle);
    expect(state.openInvoices.map((i) => [i.invoiceId, i.balance.amount])).toEqual([['inv-furnace', 18900]]);
    expect(state.completedJobs).toBe(1);
    await recordHistory(handle, 'customer-two-jobs');
    await recordHistory(env.client.workflow.getHandle(jobWorkflowId(tenantId, customerId, 'thermostat')), 'job-no-show');
  });
});
