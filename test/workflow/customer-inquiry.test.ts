import { describe, expect, it } from 'vitest';
import { localParts, zonedToUtc } from '../../domain/local-time';
import { customerStateQuery } from '../../workflows/definitions';
import { deliver, sentAfter, startCustomer } from '../support/customers';
import { createTestTenant, messagesOf, timelineOf } from '../support/database';
import { recordHistory } from '../support/histories';
import { testPlaybook } from '../support/playbooks';
import { DAY, HOUR, MINUTE, timeSkippingSuite } from '../support/suite';

describe('customer workflow: speed to lead and unbooked inquiries', () => {
  const suite = timeSkippingSuite();
  // Quiet hours off: these tests are about the playbook's timings, to the minute.
  const playbook = testPlaybook('home-service', { quietHours: null, inquiry: { followUps: ['P1D', 'P7D', 'P14D'], lostAfter: 'P30D' } });

  it('acknowledges at once, follows up on days 1, 7 and 14, and marks the lead lost on day 30', async () => {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook });
    await deliver(handle, { type: 'inquiry.received', channel: 'web', message: 'AC blowing warm air' });
    const opened = await handle.query(customerStateQuery);
    expect(opened.stage).toBe('inquiry');
    const t0 = Date.parse(opened.inquiry!.openedAt);

    await env.sleep(30 * DAY + MINUTE);

    const state = await handle.query(customerStateQuery);
    expect(state.stage).toBe('lost');
    expect(state.nextActions.map((a) => a.kind)).toEqual(['reactivation.start']);
    expect(await sentAfter(database.db, tenantId, customerId, t0)).toEqual([
      ['inquiry.acknowledgement', 0],
      ['inquiry.follow_up', (1 * DAY) / MINUTE],
      ['inquiry.follow_up', (7 * DAY) / MINUTE],
      ['inquiry.follow_up', (14 * DAY) / MINUTE],
    ]);
    const lost = (await timelineOf(database.db, tenantId, customerId)).find((e) => e.type === 'stage.changed' && (e.data as { to?: string }).to === 'lost');
    expect(lost && Math.round((lost.occurredAt.getTime() - t0) / MINUTE)).toBe((30 * DAY) / MINUTE);
    await recordHistory(handle, 'customer-inquiry-lost');
  });

  it('texts back a missed call at once and chases it like any inquiry', async () => {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook });
    const t0 = await suite.now();
    await deliver(handle, { type: 'call.missed', from: '+15550100200' });
    await env.sleep(HOUR);

    expect(await sentAfter(database.db, tenantId, customerId, t0)).toEqual([['missed_call.text_back', 0]]);
    const [textBack] = await messagesOf(database.db, tenantId, customerId);
    expect(textBack).toMatchObject({ channel: 'sms', recipient: '+15550100200', status: 'recorded' });
    expect(textBack!.body).toContain('sorry we missed your call');
    expect((await handle.query(customerStateQuery)).stage).toBe('inquiry');
  });

  it('answers three missed calls at night with one text-back when quiet hours end', async () => {
    const { env, database, worker } = suite;
    const nightly = testPlaybook('home-service', { inquiry: { followUps: ['P1D'], lostAfter: 'P30D' } });
    const tz = 'America/Chicago';
    const tomorrow = localParts((await suite.now()) + DAY, tz);
    const threeAm = zonedToUtc(tomorrow.year, tomorrow.month, tomorrow.day, 3, 0, tz);
    await env.sleep(threeAm - (await suite.now()));

    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook: nightly, profile: { timezone: tz } });
    for (let call = 0; call < 3; call++) {
      await deliver(handle, { type: 'call.missed', from: '+15550100200' });
      await env.sleep(10 * MINUTE);
    }
    const waiting = await handle.query(customerStateQuery);
    expect(waiting.nextActions.filter((a) => a.kind === 'missed_call.text_back').map((a) => a.summary)).toEqual(['missed-call text-back (within PT1M) (quiet hours)']);

    await env.sleep(6 * HOUR);
    const eightAm = zonedToUtc(tomorrow.year, tomorrow.month, tomorrow.day, 8, 0, tz);
    expect(await sentAfter(database.db, tenantId, customerId, threeAm)).toEqual([['missed_call.text_back', (eightAm - threeAm) / MINUTE]]);
    const repeats = (await timelineOf(database.db, tenantId, customerId)).filter((e) => e.type === 'missed_call.repeated');
    expect(repeats).toHaveLength(2);
    await recordHistory(handle, 'customer-missed-calls-at-night');
  });

  it('stops following up once the customer books', async () => {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook });
    await deliver(handle, { type: 'inquiry.received', channel: 'call' });
    await env.sleep(2 * DAY);
    await deliver(handle, { type: 'booking.requested', jobId: 'job-1', service: 'AC repair', scheduledAt: new Date((await suite.now()) + 10 * DAY).toISOString() });
    await env.sleep(8 * DAY);

    const state = await handle.query(customerStateQuery);
    expect(state.stage).toBe('booking');
    expect(state.inquiry).toBeNull();
    const kinds = (await messagesOf(database.db, tenantId, customerId)).map((m) => m.kind);
    expect(kinds).toEqual(['inquiry.acknowledgement', 'inquiry.follow_up', 'booking.confirmation']);
    await recordHistory(handle, 'customer-inquiry-booked');
  });

  it('applies an event delivered twice only once', async () => {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook });
    await deliver(handle, { type: 'inquiry.received', channel: 'web', eventId: 'inq-dup' });
    await deliver(handle, { type: 'inquiry.received', channel: 'web', eventId: 'inq-dup' });

    const state = await handle.query(customerStateQuery);
    expect(state.eventsApplied).toBe(1);
    const events = (await timelineOf(database.db, tenantId, customerId)).filter((e) => e.kind === 'event');
    expect(events.map((e) => e.id)).toEqual(['inq-dup']);
    expect((await messagesOf(database.db, tenantId, customerId)).map((m) => m.kind)).toEqual(['inquiry.acknowledgement']);
    await recordHistory(handle, 'customer-duplicate-event');
  });
});
