import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProgressActivities } from '../../activities/progress';
import { createTimelineActivities } from '../../activities/timeline';
import type { DatabaseHandle } from '../../db/client';
import { findBuiltinPlaybook } from '../../playbooks';
import { createTestTenant, messagesOf, openTestDatabase, timelineOf } from '../support/database';

describe('step records in PostgreSQL', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  const entry = (id: string, seq: number) => ({ id, kind: 'event' as const, type: 'inquiry.received', summary: 'inquiry', occurredAt: new Date().toISOString(), seq });

  it('applies a redelivered event once, even when the workflow no longer remembers it', async () => {
    const tenantId = await createTestTenant(database.db);
    const { recordEvents } = createTimelineActivities(database.db);
    const subject = { tenantId, subjectType: 'customer' as const, subjectId: 'c1' };

    expect(await recordEvents({ ...subject, entries: [entry('evt-1', 1)] })).toEqual({ applied: ['evt-1'] });
    // A retry of the same step (same sequence number) still says apply: the first attempt's result was lost.
    expect(await recordEvents({ ...subject, entries: [entry('evt-1', 1)] })).toEqual({ applied: ['evt-1'] });
    // The same event years later, at a later sequence number: recorded already, not applied again.
    expect(await recordEvents({ ...subject, entries: [entry('evt-1', 907), entry('evt-2', 908)] })).toEqual({ applied: ['evt-2'] });
    expect((await timelineOf(database.db, tenantId, 'c1')).map((e) => e.id)).toEqual(['evt-1', 'evt-2']);
  });

  it('writes a retried step once: messages, timeline and records', async () => {
    const tenantId = await createTestTenant(database.db);
    const { recordProgress } = createProgressActivities(database.db);
    const template = findBuiltinPlaybook('hvac')!.definition.templates['booking.confirmation'];
    const step = {
      tenantId,
      subjectType: 'customer' as const,
      subjectId: 'c1',
      entries: [{ id: 'act:1', kind: 'action' as const, type: 'job.booked', summary: 'booked', occurredAt: new Date().toISOString(), seq: 1 }],
      messages: [
        { messageId: 'm-1', kind: 'booking.confirmation' as const, template, vars: { name: 'Ann', service: 'AC repair', scheduledAt: 'Mon 9:00' }, recipient: '+15550001111', at: new Date().toISOString(), seq: 2 },
      ],
      job: { jobId: 'j1', customerId: 'c1', service: 'AC repair', status: 'booked' as const, scheduledAt: new Date().toISOString(), bookedAt: new Date().toISOString() },
    };
    expect(await recordProgress(step)).toEqual({ deliver: [] });
    expect(await recordProgress(step)).toEqual({ deliver: [] });
    const messages = await messagesOf(database.db, tenantId, 'c1');
    expect(messages.map((m) => [m.id, m.status, m.body])).toEqual([['m-1', 'recorded', 'You are booked, Ann: AC repair on Mon 9:00. Reply C to change the time.']]);
    expect((await timelineOf(database.db, tenantId, 'c1')).map((e) => e.type)).toEqual(['job.booked', 'message.sent']);
  });
});
