import { describe, expect, it, inject } from 'vitest';
import { contractQuotes } from '../../db/schema';
import { findBuiltinContractPlaybook } from '../../playbooks';
import { simulateContractWhatIf } from '../../simulation/contract-what-if';
import type { Outcome } from '../../simulation/outcomes';
import { contractInvoices, invoicesUntil, lines, send, startContract, usd } from '../support/contracts';
import { createTestTenant } from '../support/database';
import { eventually } from '../support/eventually';
import { DAY, timeSkippingSuite } from '../support/suite';

/**
 * The contract what-if's replies model on a recorded contract: the customer paid its first
 * invoice a day after the first reminder. Under a candidate whose first reminder comes four days
 * sooner, the payment comes four days sooner too, before the candidate's final notice would go.
 */
describe('what-if of a contract playbook: an answer to a reminder follows the reminder', () => {
  const suite = timeSkippingSuite();
  const saas = findBuiltinContractPlaybook('saas-subscription')!;

  it('brings a payment that answered a reminder as much sooner as the candidate reminds, and says what that saves', async () => {
    const db = suite.database.db;
    const tenantId = await createTestTenant(db);
    const contractId = 'acme';
    const now = await suite.now();
    const seats = lines({ lineId: 'seats', sku: 'SEAT', quantity: 10, listPrice: usd(10_000), pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } });
    const start = new Date(now).toISOString();
    // The quote as the API keeps it, and the contract it started.
    const input = { contractId, customer: { name: 'Initech', email: 'ap@initech.example', timezone: 'UTC' }, currency: 'USD', lines: seats, term: 'P12M', start, autoRenew: true };
    await db.insert(contractQuotes).values({ tenantId, contractId, input, createdAt: new Date(now) });
    const { handle } = await startContract(suite.env, { taskQueue: suite.worker.taskQueue, tenantId, contractId, lines: seats, start, playbook: saas });
    await send(handle, { type: 'contract.signed', signedBy: 'Pat' });
    const [first] = await invoicesUntil(db, tenantId, contractId, (r) => r.length === 1);
    // Net 30, the first reminder seven days after: the customer pays the day after it.
    await suite.env.sleep(first!.dueAt!.getTime() + 8 * DAY - (await suite.now()));
    await send(handle, { type: 'payment.received', invoiceId: first!.id, amount: usd(first!.total) });
    await eventually(async () => (await contractInvoices(db, tenantId, contractId))[0]!, { until: (i) => i.status === 'paid' });

    const sooner = { ...saas.definition, collections: { ...saas.definition.collections, steps: [{ after: 'P3D', action: 'reminder' as const }, { after: 'P5D', action: 'final_notice' as const }, { after: 'P90D', action: 'write_off' as const }] } };
    const common = { db, tenantId, candidate: sooner, sample: { contractIds: [contractId] }, horizonDays: 10, testServer: inject('temporalTestServer'), workflowBundle: { codePath: inject('workflowBundlePath') } };
    const answered = await simulateContractWhatIf(common);
    const subject = answered.subjects[0]!;
    const kinds = (o: Outcome) => o.messages.filter((m) => m.kind.startsWith('collections.')).map((m) => m.kind);
    // The baseline is what happened: one reminder, then the payment.
    expect(kinds(subject.baseline)).toEqual(['collections.reminder']);
    expect(subject.baseline.collected).toBe(first!.total);
    // The candidate reminds on day 3; the payment comes on day 4, before its day-5 final notice.
    expect(kinds(subject.candidate)).toEqual(['collections.reminder']);
    expect(subject.candidate.collected).toBe(first!.total);
    const reminderAt = (o: Outcome) => o.messages.find((m) => m.kind === 'collections.reminder')!.atMinute;
    expect(reminderAt(subject.baseline) - reminderAt(subject.candidate)).toBe(4 * 24 * 60);
    expect(subject.differs).toBe(true);

    // Without the replies model the payment comes when it came, after the final notice.
    const recorded = await simulateContractWhatIf({ ...common, replyWindowMs: 0 });
    expect(kinds(recorded.subjects[0]!.candidate)).toEqual(['collections.reminder', 'collections.final_notice']);
    expect(recorded.subjects[0]!.messageChanges).toEqual(['+1 collections.final_notice']);
  });
});
