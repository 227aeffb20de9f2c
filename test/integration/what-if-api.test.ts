import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBuiltinPlaybook } from '../../playbooks';
import { zoneInDaytime } from '../support/daytime';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';

/** `POST /v1/playbooks/{id}/simulate` over HTTP, on the tenant's real customers (dev server stack). */
describe('what-if simulation over the API', () => {
  let stack: Stack;
  let shop: TenantClient;
  const plumbing = findBuiltinPlaybook('plumbing')!.definition;

  beforeAll(async () => {
    stack = await startStack();
    shop = await stack.tenant('Riverside Plumbing');
    for (const id of ['ana', 'ben']) {
      await shop.request('POST', '/v1/customers', { id, name: id, phone: '+15550100200', playbook: 'plumbing', timezone: zoneInDaytime() });
      expect((await shop.request('POST', `/v1/customers/${id}/events`, { type: 'inquiry.received', channel: 'web' })).status).toBe(202);
    }
    await eventually(() => shop.request('GET', '/v1/customers/ben/timeline'), { until: (r) => r.body.data.some((e: { type: string }) => e.type === 'inquiry.received') });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers what a candidate would change for the customers following the playbook, and nothing for the same playbook', async () => {
    const fewer = await shop.request('POST', '/v1/playbooks/plumbing/simulate', { definition: { ...plumbing, inquiry: { followUps: ['PT15M'], lostAfter: 'P4D' } }, horizonDays: 10 });
    expect(fewer.status).toBe(200);
    expect(fewer.body.subjects.map((s: { customerId: string }) => s.customerId).sort()).toEqual(['ana', 'ben']);
    expect(fewer.body.subjects[0].messageChanges).toEqual(['-2 inquiry.follow_up']);
    // Three follow-ups each under the playbook they follow, one each under the candidate.
    expect([fewer.body.totals.baseline.byKind['inquiry.follow_up'], fewer.body.totals.candidate.byKind['inquiry.follow_up']]).toEqual([6, 2]);

    const same = await shop.request('POST', '/v1/playbooks/plumbing/simulate', { definition: plumbing, sample: { customerIds: ['ana'] }, horizonDays: 10 });
    expect(same.status).toBe(200);
    expect([same.body.differing, same.body.subjects]).toEqual([0, []]);
    // The tenant's own outbox holds only what really happened: one acknowledgement each, no simulated follow-ups.
    const outbox = (await shop.request('GET', '/v1/customers/ana/messages')).body.data.map((m: { kind: string }) => m.kind);
    expect(outbox).toEqual(['inquiry.acknowledgement']);
  });

  it('refuses a candidate with another id, and a bad sample', async () => {
    const other = await shop.request('POST', '/v1/playbooks/plumbing/simulate', { definition: { ...plumbing, id: 'hvac' } });
    expect(other.status).toBe(422);
    expect(other.body.detail).toContain('/v1/playbooks/hvac/simulate');
    expect((await shop.request('POST', '/v1/playbooks/plumbing/simulate', { definition: plumbing, sample: { last: 0 } })).status).toBe(400);
    expect((await shop.request('POST', '/v1/playbooks/nope/simulate', { definition: { ...plumbing, id: 'nope' } })).status).toBe(404);
  });
});
