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

  it('replays a fixed cast through a candidate: the same playbook changes nothing, shorter follow-ups send fewer', async () => {
    const { env, database, worker } = suite;
    const db = database.db;
    const tenantId = await createTestTenant(db);
    // The cast: two leads who never book, one who books the day after asking.
    const cast = await Promise.all(['lead-a', 'lead-b', 'booker'].map((customerId) => startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook, customerId, profile: { timezone: 'UTC' } })));
    for (const { handle } of cast) await deliver(handle, { type: 'inquiry.received', channel: 'web' });
    // Not on the dot of a day: a booking at the very instant the P1D follow-up fires races it,
    // in a replay as in life, and either may come first.
    await env.sleep(DAY + HOUR);
    const slot = new Date(Number(await env.currentTimeMs()) + 3 * DAY).toISOString();
    await deliver(cast[2]!.handle, { type: 'booking.requested', jobId: 'j-1', service: 'drain cleaning', scheduledAt: slot });
    await env.sleep(5 * DAY);
    const realMessages = (await db.select().from(messages).where(eq(messages.tenantId, tenantId))).length;

    const common = { db, tenantId, sample: { last: 3 }, horizonDays: 10, testServer: inject('temporalTestServer'), workflowBundle: { codePath: inject('workflowBundlePath') } };
    const same = await simulateWhatIf({ ...common, candidate: playbook.definition });
    expect(same.subjects.map((s) => s.customerId).sort()).toEqual(['booker', 'lead-a', 'lead-b']);
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

    // Nothing of the tenant's own records changed, and the scratch tenants are gone.
    expect((await db.select().from(messages).where(eq(messages.tenantId, tenantId))).length).toBe(realMessages);
    expect(await db.select().from(tenants).where(and(like(tenants.id, 'whatif-%'), like(tenants.name, `%${tenantId}`)))).toEqual([]);
  });
});
