import { describe, expect, it } from 'vitest';
import { addDuration } from '../../domain/durations';
import { nextLocalDate, zonedToUtc, localParts } from '../../domain/local-time';
import { customerStateQuery } from '../../workflows/definitions';
import { deliver, idle, sentAfter, startCustomer } from '../support/customers';
import { createTestTenant, messagesOf, timelineOf } from '../support/database';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { testPlaybook } from '../support/playbooks';
import { DAY, HOUR, timeSkippingSuite, minutes, toMinute } from '../support/suite';

const at = (ms: number) => new Date(ms).toISOString();
const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('customer workflow: retention, reactivation, opt-outs and quiet hours', () => {
  const suite = timeSkippingSuite();

  /** A customer with one job done and paid; returns when the last event was applied. */
  async function pastCustomer(playbook: ReturnType<typeof testPlaybook>, timezone = 'America/Denver') {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook, profile: { timezone } });
    await deliver(handle, { type: 'booking.requested', jobId: 'job-1', service: 'AC repair', scheduledAt: at((await suite.now()) + HOUR) });
    await env.sleep(HOUR);
    await deliver(handle, { type: 'job.started', jobId: 'job-1' });
    await deliver(handle, { type: 'job.completed', jobId: 'job-1', lineItems: [{ description: 'Service call', quantity: 1, unitPrice: usd(12900) }] });
    const completedAt = await suite.now();
    await eventually(() => handle.query(customerStateQuery), { until: (s) => s.openInvoices.length === 1 });
    await deliver(handle, { type: 'payment.received', invoiceId: 'inv-job-1', amount: usd(12900) });
    const lastActivity = await suite.now();
    return { tenantId, customerId, handle, completedAt, lastActivity };
  }

  it('reaches out for the AC tune-up next March at 10:00 in the customer’s time zone', async () => {
    const playbook = testPlaybook('hvac');
    const timezone = 'America/Denver';
    const { tenantId, customerId, handle, completedAt } = await pastCustomer(playbook, timezone);
    const march = nextLocalDate(completedAt, 3, 1, '10:00', timezone);
    await suite.env.sleep(march - (await suite.now()) + HOUR);

    const outreach = (await messagesOf(suite.database.db, tenantId, customerId)).filter((m) => m.kind === 'retention.outreach' && m.body.includes('AC tune-up'));
    expect(outreach.map((m) => toMinute(m.sentAt.getTime()))).toEqual([at(march)]);
    expect(localParts(Date.parse(toMinute(outreach[0]!.sentAt.getTime())), timezone)).toMatchObject({ month: 3, day: 1, hour: 10, minute: 0 });
    const state = await idle(handle);
    expect(state.stage).toBe('retention');
    expect(state.nextActions.some((a) => a.kind === 'retention.seasonal' && a.dueAt === at(nextLocalDate(march, 3, 1, '10:00', timezone)))).toBe(true);
    await recordHistory(handle, 'customer-seasonal-outreach');
  });

  it('offers the plumbing water-heater flush twelve months after the service', async () => {
    const playbook = testPlaybook('plumbing', { quietHours: null });
    const { tenantId, customerId, completedAt } = await pastCustomer(playbook);
    const due = addDuration(completedAt, 'P12M');
    await suite.env.sleep(due - (await suite.now()) + HOUR);

    const outreach = (await messagesOf(suite.database.db, tenantId, customerId)).filter((m) => m.kind === 'retention.outreach');
    expect(outreach.map((m) => minutes(m.sentAt.getTime() - due))).toEqual([0]);
    expect(outreach[0]!.body).toContain('yearly water-heater flush');
  });

  it('after 18 idle months sends three reactivation messages a fortnight apart, then marks the customer dormant', async () => {
    const playbook = testPlaybook('hvac', { quietHours: null, retention: { seasonal: [], afterService: [] } });
    const { tenantId, customerId, handle, lastActivity } = await pastCustomer(playbook);
    const idleFrom = addDuration(lastActivity, 'P18M');
    await suite.env.sleep(idleFrom - (await suite.now()) + 43 * DAY);

    const reactivation = (await sentAfter(suite.database.db, tenantId, customerId, idleFrom)).filter(([kind]) => kind === 'reactivation.outreach');
    expect(reactivation).toEqual([
      ['reactivation.outreach', 0],
      ['reactivation.outreach', minutes(14 * DAY)],
      ['reactivation.outreach', minutes(28 * DAY)],
    ]);
    const dormantAt = (await timelineOf(suite.database.db, tenantId, customerId)).find((e) => e.type === 'customer.dormant')!.occurredAt.getTime();
    expect(minutes(dormantAt - idleFrom)).toBe(minutes(42 * DAY));
    expect((await idle(handle)).stage).toBe('dormant');

    await deliver(handle, { type: 'inquiry.received', channel: 'sms', message: 'Furnace making noise' });
    expect((await idle(handle)).stage).toBe('inquiry');
    await recordHistory(handle, 'customer-reactivation-dormant');
  });

  it('suppresses marketing after an opt-out while transactional messages still go, and resumes on opt-in', async () => {
    const playbook = testPlaybook('home-service', { quietHours: null });
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook });
    await deliver(handle, { type: 'contact.opted_out', channel: 'sms' });
    await deliver(handle, { type: 'inquiry.received', channel: 'web' });
    await env.sleep(DAY + HOUR);
    await deliver(handle, { type: 'contact.opted_in', channel: 'sms' });
    await env.sleep(2 * DAY);

    const statuses = (await messagesOf(database.db, tenantId, customerId)).map((m) => [m.kind, m.purpose, m.status]);
    expect(statuses).toEqual([
      ['inquiry.acknowledgement', 'transactional', 'recorded'],
      ['inquiry.follow_up', 'marketing', 'suppressed'],
      ['inquiry.follow_up', 'marketing', 'suppressed'],
      ['inquiry.follow_up', 'marketing', 'recorded'],
    ]);
    const suppressed = (await timelineOf(database.db, tenantId, customerId)).filter((e) => e.type === 'message.suppressed');
    expect(suppressed[0]!.summary).toContain('opted out of sms marketing');
  });

  it('holds messages for quiet hours in each customer’s own time zone', async () => {
    const playbook = testPlaybook('home-service');
    const { env, database, worker } = suite;
    // Move the clock to the next 19:30 UTC: 20:30 or later in Berlin (quiet), late morning in Los Angeles.
    const now = await suite.now();
    const d = new Date(now);
    let evening = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 19, 30);
    if (evening <= now) evening += DAY;
    await env.sleep(evening - now);

    const tenantId = await createTestTenant(database.db);
    const la = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook, profile: { timezone: 'America/Los_Angeles' } });
    const berlin = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook, profile: { timezone: 'Europe/Berlin' } });
    const t0 = await suite.now();
    await deliver(la.handle, { type: 'inquiry.received', channel: 'web' });
    await deliver(berlin.handle, { type: 'inquiry.received', channel: 'web' });
    await env.sleep(14 * HOUR);

    expect(await sentAfter(database.db, tenantId, la.customerId, t0)).toEqual([
      ['inquiry.acknowledgement', 0],
      ['inquiry.follow_up', 15],
    ]);
    const berlinMorning = localParts(t0 + DAY, 'Europe/Berlin');
    const eight = zonedToUtc(berlinMorning.year, berlinMorning.month, berlinMorning.day, 8, 0, 'Europe/Berlin');
    const berlinSent = await messagesOf(database.db, tenantId, berlin.customerId);
    expect(berlinSent.map((m) => [m.kind, toMinute(m.sentAt.getTime())])).toEqual([
      ['inquiry.acknowledgement', at(eight)],
      ['inquiry.follow_up', at(eight)],
    ]);
    await recordHistory(berlin.handle, 'customer-quiet-hours');
  });
});
