import { and, eq, like } from 'drizzle-orm';
import { describe, expect, it, inject } from 'vitest';
import { messages, tenants } from '../../db/schema';
import { findBuiltinPlaybook } from '../../playbooks';
import { simulateWhatIf } from '../../simulation/what-if';
import { deliver, startCustomer } from '../support/customers';
import { createTestTenant } from '../support/database';
import { DAY, HOUR, timeSkippingSuite } from '../support/suite';

describe('what-if simulation of a playbook change', () => {
  const suite = timeSkippingSuite();
  const playbook = findBuiltinPlaybook('home-service')!;

  it('replays a fixed cast through a candidate: the same playbook changes nothing, fewer follow-ups send fewer, quicker ones lose fewer leads', async () => {
    const { env, database, worker } = suite;
    const db = database.db;
    const tenantId = await createTestTenant(db);
    // The cast: two leads who never book, one who books an hour after the day-one follow-up, and
    // one who answers the last follow-up a day and two hours late, after the lead was lost.
    const cast = await Promise.all(['lead-a', 'lead-b', 'booker', 'late-lead'].map((customerId) => startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook, customerId, profile: { timezone: 'UTC' } })));
    for (const { handle } of cast) await deliver(handle, { type: 'inquiry.received', channel: 'web' });
    // Not on the dot of a day: a booking at the very instant the P1D follow-up fires races it,
    // in a replay as in life, and either may come first.
    await env.sleep(DAY + HOUR);
    const slot = new Date(Number(await env.currentTimeMs()) + 3 * DAY).toISOString();
    await deliver(cast[2]!.handle, { type: 'booking.requested', jobId: 'j-1', service: 'drain cleaning', scheduledAt: slot });
    await env.sleep(3 * DAY + HOUR);
    const lateSlot = new Date(Number(await env.currentTimeMs()) + 3 * DAY).toISOString();
    await deliver(cast[3]!.handle, { type: 'booking.requested', jobId: 'j-2', service: 'drain cleaning', scheduledAt: lateSlot });
    await env.sleep(2 * DAY);
    const realMessages = (await db.select().from(messages).where(eq(messages.tenantId, tenantId))).length;

    const common = { db, tenantId, sample: { last: 4 }, horizonDays: 10, testServer: inject('temporalTestServer'), workflowBundle: { codePath: inject('workflowBundlePath') } };
    const same = await simulateWhatIf({ ...common, candidate: playbook.definition });
    expect(same.subjects.map((s) => s.customerId).sort()).toEqual(['booker', 'late-lead', 'lead-a', 'lead-b']);
    expect(same.differing, JSON.stringify(same.subjects.filter((s) => s.differs))).toBe(0);
    expect(same.totals.baseline.byKind['inquiry.follow_up']).toBeGreaterThan(0);

    // Over two servers at once, as a large sample would run: the same answers.
    const sooner = await simulateWhatIf({ ...common, servers: 2, candidate: { ...playbook.definition, inquiry: { followUps: ['PT15M'], lostAfter: 'P4D' } } });
    const followUps = (run: 'baseline' | 'candidate') => sooner.totals[run].byKind['inquiry.follow_up'] ?? 0;
    expect(followUps('candidate')).toBeLessThan(followUps('baseline'));
    const leadA = sooner.subjects.find((s) => s.customerId === 'lead-a')!;
    expect(leadA.differs).toBe(true);
    expect(leadA.messageChanges).toEqual(['-2 inquiry.follow_up']);
    // Both leads are lost either way; the booker books in both.
    expect(sooner.totals.candidate.stages).toEqual(sooner.totals.baseline.stages);
    // The late lead answered the third follow-up, which this candidate never sends: the answer
    // comes when it came, after the lead was lost, as in the baseline.
    expect(sooner.subjects.find((s) => s.customerId === 'late-lead')!.candidate.leakage.unbooked_inquiry?.lostCount).toBe(1);

    // Quicker follow-ups, as many: the late lead's answer comes as long after the third as it
    // did, two days sooner, before the lead is lost. Fewer lost leads, the same money at stake less.
    const quicker = await simulateWhatIf({ ...common, candidate: { ...playbook.definition, inquiry: { followUps: ['PT5M', 'PT12H', 'P1D'], lostAfter: 'P4D' } } });
    const lostLeads = (run: 'baseline' | 'candidate') => quicker.totals[run].lostByKind.unbooked_inquiry ?? 0;
    expect(lostLeads('baseline')).toBe(3);
    expect(lostLeads('candidate')).toBe(2);
    const late = quicker.subjects.find((s) => s.customerId === 'late-lead')!;
    expect(late.baseline.leakage.unbooked_inquiry).toMatchObject({ count: 1, lostCount: 1 });
    expect(late.candidate.leakage.unbooked_inquiry).toMatchObject({ count: 1, lostCount: 0 });
    expect(quicker.totals.candidate.leakageLost).toBeLessThan(quicker.totals.baseline.leakageLost);

    // Nothing of the tenant's own records changed, and the scratch tenants are gone.
    expect((await db.select().from(messages).where(eq(messages.tenantId, tenantId))).length).toBe(realMessages);
    expect(await db.select().from(tenants).where(and(like(tenants.id, 'whatif-%'), like(tenants.name, `%${tenantId}`)))).toEqual([]);
  });
});
