import { describe, expect, it } from 'vitest';
import { registerPlaybook, resolvePlaybook } from '../../db/playbook-store';
import { HomeServicePlaybook } from '../../playbooks';
import { deliver, startCustomer } from '../support/customers';
import { createTestTenant, timelineOf } from '../support/database';
import { eventually } from '../support/eventually';
import { testPlaybook } from '../support/playbooks';
import { DAY, timeSkippingSuite } from '../support/suite';

describe('playbook versions', () => {
  const suite = timeSkippingSuite();

  it('pins the version a customer started with and adopts a newer one only at continue-as-new', async () => {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    const base = { ...testPlaybook('hvac').definition, id: 'acme-hvac', quietHours: null };
    const v1 = await registerPlaybook(database.db, tenantId, HomeServicePlaybook.parse(base));
    expect(v1).toMatchObject({ created: true, playbook: { version: 1 } });
    // Registering the same definition again is not a new version.
    expect((await registerPlaybook(database.db, tenantId, HomeServicePlaybook.parse(base))).created).toBe(false);

    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook: v1.playbook, historyLimit: 30 });
    const v2 = await registerPlaybook(database.db, tenantId, HomeServicePlaybook.parse({ ...base, inquiry: { followUps: ['PT5M'], lostAfter: 'P2D' } }));
    expect(v2.playbook.version).toBe(2);
    expect((await resolvePlaybook(database.db, tenantId, 'acme-hvac'))!.version).toBe(2);

    // Still v1 until the run continues as new: the first inquiry follows v1's three follow-ups.
    await deliver(handle, { type: 'inquiry.received', channel: 'web' });
    expect((await timelineOf(database.db, tenantId, customerId)).find((e) => e.type === 'inquiry.opened')!.summary).toContain('3 follow-up(s)');

    // Enough activity to pass the history limit; the next run runs on v2. (PostgreSQL, not
    // queries, tells when: see the decade test for why.)
    for (let i = 0; i < 10; i++) await deliver(handle, { type: 'contact.opted_in', channel: 'sms' }, { wait: false });
    const adopted = await eventually(() => timelineOf(database.db, tenantId, customerId), { until: (rows) => rows.some((e) => e.type === 'playbook.adopted') });
    expect(adopted.find((e) => e.type === 'playbook.adopted')!.summary).toBe('playbook acme-hvac v1 → v2');
    await env.sleep(DAY);
    await deliver(handle, { type: 'inquiry.received', channel: 'web' }, { wait: false });
    const rows = await eventually(() => timelineOf(database.db, tenantId, customerId), { until: (r) => r.filter((e) => e.type === 'inquiry.opened').length === 2 });
    const opened = rows.filter((e) => e.type === 'inquiry.opened');
    expect(opened.at(-1)!.summary).toContain('1 follow-up(s)');
    expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
  });
});
