import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client';
import { customerStateQuery } from '../../workflows/definitions';
import { deliver, startCustomer } from '../support/customers';
import { createTestTenant, messagesOf, openTestDatabase, timelineOf } from '../support/database';
import { testPlaybook } from '../support/playbooks';
import { recordHistory } from '../support/histories';
import { startTimeSkippingServer, startWorker, type RunningWorker } from '../support/temporal';

const DAY = 24 * 60 * 60 * 1000;
const MINUTE = 60 * 1000;

// The test server fires a timer a few real milliseconds after its instant; compare to the minute.
const daysAfter = (t0: number, at: Date) => Math.round((at.getTime() - t0) / MINUTE) / (DAY / MINUTE);

describe('customer workflow: an unbooked inquiry', () => {
  let env: TestWorkflowEnvironment;
  let database: DatabaseHandle;
  let worker: RunningWorker;

  beforeAll(async () => {
    env = await startTimeSkippingServer();
    database = await openTestDatabase();
    worker = await startWorker(env, database.db);
  });
  afterAll(async () => {
    await worker?.stop();
    await env?.teardown();
    await database?.close();
  });

  // Quiet hours off: this test is about the playbook's timings, exactly.
  const playbook = testPlaybook('home-service', { quietHours: null, inquiry: { followUps: ['P1D', 'P7D', 'P14D'], lostAfter: 'P30D' } });

  it('acknowledges at once, follows up on days 1, 7 and 14, and marks the lead lost on day 30', async () => {
    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook });
    await deliver(handle, { type: 'inquiry.received', channel: 'web', message: 'AC blowing warm air' });
    const opened = await handle.query(customerStateQuery);
    expect(opened.stage).toBe('inquiry');
    const t0 = Date.parse(opened.inquiry!.openedAt);

    await env.sleep(30 * DAY + 60_000);

    const state = await handle.query(customerStateQuery);
    expect(state.stage).toBe('lost');
    expect(state.nextActions).toEqual([]);
    const sent = (await messagesOf(database.db, tenantId, customerId)).map((m) => [m.kind, daysAfter(t0, m.sentAt)]);
    expect(sent).toEqual([
      ['inquiry.acknowledgement', 0],
      ['inquiry.follow_up', 1],
      ['inquiry.follow_up', 7],
      ['inquiry.follow_up', 14],
    ]);
    const lost = (await timelineOf(database.db, tenantId, customerId)).find((e) => e.type === 'stage.changed' && (e.data as { to?: string }).to === 'lost');
    expect(lost && daysAfter(t0, lost.occurredAt)).toBe(30);
    await recordHistory(handle, 'customer-inquiry-lost');
  });

  it('stops following up once the customer books', async () => {
    const tenantId = await createTestTenant(database.db);
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook });
    await deliver(handle, { type: 'inquiry.received', channel: 'call' });
    await env.sleep(2 * DAY);
    await deliver(handle, { type: 'booking.requested', jobId: 'job-1', service: 'AC repair', scheduledAt: new Date((await env.currentTimeMs()) + 3 * DAY).toISOString() });
    await env.sleep(40 * DAY);

    const state = await handle.query(customerStateQuery);
    expect(state.stage).toBe('booking');
    const kinds = (await messagesOf(database.db, tenantId, customerId)).map((m) => m.kind);
    expect(kinds).toEqual(['inquiry.acknowledgement', 'inquiry.follow_up']);
    await recordHistory(handle, 'customer-inquiry-booked');
  });

  it('applies an event delivered twice only once', async () => {
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
