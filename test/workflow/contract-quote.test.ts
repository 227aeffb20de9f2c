import { describe, expect, it } from 'vitest';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { contractWorkflowId } from '../../domain/ids';
import type { contract } from '../../workflows/contract';
import { contractEventUpdate } from '../../workflows/contract-definitions';
import { createTestTenant, messagesOfSubject, timelineOf } from '../support/database';
import { contractTasks, decide, exceptionsOf, lines, saasPlaybook, send, startContract, state, usd } from '../support/contracts';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { DAY, HOUR, timeSkippingSuite } from '../support/suite';

describe('contract workflow: quote, approvals, expiry and signature', () => {
  const suite = timeSkippingSuite();
  const seat = (discountPercent: number) => lines({ lineId: 'seats', sku: 'SEAT', quantity: 20, listPrice: usd(5000), discountPercent, pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } });

  async function quote(discountPercent: number, extra: { term?: string } = {}) {
    const tenantId = await createTestTenant(suite.database.db);
    const start = new Date((await suite.now()) + 7 * DAY).toISOString();
    const { contractId, handle } = await startContract(suite.env, { taskQueue: suite.worker.taskQueue, tenantId, lines: seat(discountPercent), start, ...extra });
    return { tenantId, contractId, handle };
  }

  const conflict = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    return ((error as WorkflowUpdateFailedError).cause as { type?: string; message: string });
  };

  it('approves a discount within the guardrail at once and sends the quote', async () => {
    const { tenantId, contractId, handle } = await quote(10);
    const view = await state(handle);
    expect(view.stage).toBe('approved');
    expect(view.approvals).toEqual([]);
    await eventually(() => messagesOfSubject(suite.database.db, tenantId, 'contract', contractId), { until: (m) => m.some((x) => x.kind === 'quote.sent') });
  });

  it('routes a 20% discount to the sales manager and records the exception; the wrong role or a second decision is refused', async () => {
    const { tenantId, contractId, handle } = await quote(20);
    expect((await state(handle)).approvalsPending.map((a) => a.role)).toEqual(['sales_manager']);
    expect((await conflict(decide(handle, 'finance'))).type).toBe('ContractConflict');
    await expect(send(handle, { type: 'contract.signed' })).rejects.toThrow();

    const decided = await decide(handle, 'sales_manager');
    expect(decided.status).toBe('approved');
    expect((await conflict(decide(handle, 'sales_manager'))).message).toContain('nothing to decide');
    const exceptions = await eventually(() => exceptionsOf(suite.database.db, tenantId, contractId), { until: (r) => r.length === 1 });
    expect(exceptions[0]).toMatchObject({ kind: 'discount', approvedBy: 'sales_manager@vendor.example (sales_manager)' });
  });

  it('needs finance for 30% and legal for a non-standard term, and rejection ends the quote', async () => {
    const { tenantId, contractId, handle } = await quote(30, { term: 'P18M' });
    expect((await state(handle)).approvalsPending.map((a) => a.role).sort()).toEqual(['finance', 'legal']);
    await decide(handle, 'legal');
    expect((await state(handle)).stage).toBe('pending_approval');
    const rejected = await decide(handle, 'finance', 'reject');
    expect(rejected.status).toBe('rejected');
    expect(await handle.result()).toBe('rejected');
    expect(await exceptionsOf(suite.database.db, tenantId, contractId)).toEqual([]);
  });

  it('escalates an undecided approval after two days to the next approver, with a task each time', async () => {
    const { tenantId, contractId, handle } = await quote(20);
    await suite.env.sleep(2 * DAY + HOUR);
    const view = await eventually(() => state(handle), { until: (v) => v.approvalsPending[0]?.role === 'finance' });
    expect(view.approvalsPending[0]!.escalations).toBe(1);
    await suite.env.sleep(2 * DAY + HOUR);
    await eventually(() => state(handle), { until: (v) => v.approvalsPending[0]?.role === 'cfo' });
    const tasks = await eventually(() => contractTasks(suite.database.db, tenantId, contractId), { until: (t) => t.length === 3 });
    expect(tasks.map((t) => t.summary.split(':')[0])).toEqual([`Approve quote ${contractId} as sales_manager`, `Approve quote ${contractId} as finance`, `Approve quote ${contractId} as cfo`]);
    await decide(handle, 'cfo');
    expect((await state(handle)).stage).toBe('approved');
    await recordHistory(handle, 'contract-escalated-approval');
  });

  it('expires an unsigned quote after thirty days', async () => {
    const { tenantId, contractId, handle } = await quote(0);
    await suite.env.sleep(30 * DAY + HOUR);
    expect(await handle.result()).toBe('expired');
    const timeline = await timelineOf(suite.database.db, tenantId, contractId, 'contract');
    expect(timeline.map((e) => e.type)).toContain('stage.changed');
    await eventually(() => messagesOfSubject(suite.database.db, tenantId, 'contract', contractId), { until: (m) => m.some((x) => x.kind === 'quote.expired') });
  });

  it('activates on signature, with its term, renewal date and first billing date', async () => {
    const { handle } = await quote(5);
    await send(handle, { type: 'contract.signed', signedBy: 'CFO of Initech' });
    const view = await state(handle);
    expect(view.stage).toBe('active');
    expect(view.term!.end.slice(0, 4)).toBe(String(Number(view.term!.start.slice(0, 4)) + 1));
    expect(view.renewalDate).toBe(view.term!.end);
    expect(view.nextInvoiceAt).toBe(view.term!.start);
    expect(view.mrr).toEqual(usd(95000));
    await expect(send(handle, { type: 'contract.signed' })).rejects.toThrow();
  });

  it('validates a signature that arrives with the start against the opened quote', async () => {
    const tenantId = await createTestTenant(suite.database.db);
    const contractId = 'k-with-start';
    const start = new WithStartWorkflowOperation<typeof contract>('contract', {
      taskQueue: suite.worker.taskQueue,
      workflowId: contractWorkflowId(tenantId, contractId),
      workflowIdConflictPolicy: 'FAIL',
      args: [{ tenantId, contractId, customer: { name: 'Initech', timezone: 'UTC' }, currency: 'USD', lines: seat(0), term: 'P12M', start: new Date((await suite.now()) + DAY).toISOString(), autoRenew: true, playbook: saasPlaybook() }],
    });
    // One request: the workflow's first task holds both its start and the Update.
    const event = { type: 'contract.signed' as const, eventId: 'sign-with-start', receivedAt: new Date().toISOString() };
    const result = await suite.env.client.workflow.executeUpdateWithStart(contractEventUpdate, { args: [event], updateId: event.eventId, startWorkflowOperation: start });
    expect(result).toEqual({ eventId: 'sign-with-start', accepted: true, duplicate: false });
    expect((await state(await start.workflowHandle())).stage).toBe('active');
  });
});
