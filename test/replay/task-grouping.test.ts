import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { describe, expect, it } from 'vitest';
import { invoicesUntil, lines, send, signedContract, state, usd, quietSaasPlaybook, type ContractHandle } from '../support/contracts';
import { eventually } from '../support/eventually';
import { replayFailures } from '../support/replay';
import { timeSkippingSuite } from '../support/suite';
import { everyTaskMerged, mergedGroupings, type JsonHistory } from '../../scripts/runtime/task-groupings';

/**
 * A workflow must send the same commands however a worker groups its history into activations
 * (scripts/runtime/task-groupings.ts): here, an Update that changes what the Temporal UI shows
 * (the contract's stage) arriving right after the task that saw the previous step's write
 * complete. Replayed as recorded and as a worker replaying from scratch saw it, the history must
 * give the same commands. Before the fix, the contract upserted its search attributes when a
 * write returned, so one grouping upserted before the next write and the other after it.
 */
describe('a history replays the same however its tasks are grouped', () => {
  const suite = timeSkippingSuite();

  it('a contract paid, credited, renewed, cancelled and amended, each right after the last one was written', async () => {
    const { handle, tenantId, contractId } = await signedContract(suite, {
      playbook: quietSaasPlaybook(),
      lines: lines({ lineId: 'seats', sku: 'SEAT', description: 'Seats', quantity: 5, listPrice: usd(2000), pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } }),
    });
    const [invoice] = await invoicesUntil(suite.database.db, tenantId, contractId, (rows) => rows.length === 1);
    // Each event after the previous one's write has completed: the task that saw it complete sent nothing.
    for (const input of [
      { type: 'payment.received', invoiceId: invoice!.id, amount: usd(1000) },
      { type: 'credit.granted', grantId: 'g1', amount: usd(500), paid: false, priority: 1 },
      { type: 'contract.renewed' },
      { type: 'contract.cancelled', reason: 'budget review' },
      { type: 'contract.renewed' },
      { type: 'contract.amended', lineId: 'seats', quantity: 6 },
      { type: 'contract.renewed' },
      { type: 'contract.cancelled', reason: 'budget review, again' },
    ] as const) await idleAfter(handle, (await send(handle, input)).eventId);
    expect((await state(handle)).stage).toBe('cancelling');

    const recorded = JSON.parse(historyToJSON(await handle.fetchHistory())) as JsonHistory;
    const variants = mergedGroupings(recorded);
    // Updates right after a task that saw a write complete and sent nothing: the case at stake.
    expect(variants.filter((v) => v.delivers.includes('ACTIVITY_TASK_COMPLETED')).length).toBeGreaterThanOrEqual(2);
    // And all of them merged at once, the one replay per history the replay suite makes.
    const allMerged = everyTaskMerged(recorded)!;
    expect(allMerged.mergedTasks).toEqual(variants.map((v) => v.mergedTask));
    expect(
      await replayFailures([
        { workflowId: 'as recorded', history: recorded },
        ...variants.map((v) => ({ workflowId: `task ${v.mergedTask} merged into the next`, history: v.history })),
        { workflowId: 'every such task merged', history: allMerged.history },
      ]),
    ).toEqual([]);
  });
});

async function idleAfter(handle: ContractHandle, eventId: string): Promise<void> {
  await eventually(() => state(handle), { until: (s) => !s.busy && s.recentEventIds.includes(eventId) });
}
