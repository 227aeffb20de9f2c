import { proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { StepRecords } from '../../activities/records';
import type { StepWrites } from './versions';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' };

/**
 * A step's rows (timeline, outbox, jobs, invoices, payments, tasks, read models) are written by a
 * regular activity: Temporal schedules it with the workflow task that decided them and runs it
 * only once that task has committed, with the same input on every retry. A task that times out
 * or fails therefore writes nothing, and the retried task writes what it decided, once. The
 * write is idempotent (upserts by ids derived from causes), retried without limit (PostgreSQL
 * may be down for a while; the workflow waits), and short: a write still running after 10 s is
 * stuck on a lock and is better retried.
 */
const committedOptions: ActivityOptions = { startToCloseTimeout: '10s', retry };
const committed = proxyActivities<Activities>(committedOptions);

/**
 * Reads a workflow decision depends on (the newest playbook version, a usage period's total) and
 * the writes of runs from before `patches.committedSteps` are local activities: one marker in
 * history each. A read repeated by a retried task has no effect; a usage period close is
 * idempotent by construction (activities/usage.ts).
 */
export const localOptions: LocalActivityOptions = { startToCloseTimeout: '30s', retry: { ...retry, maximumInterval: '1m' } };
export const local = proxyLocalActivities<Activities>(localOptions);

/** Writes one step's records, after the step committed (or, for a legacy run, from inside it). */
export function writeStep(records: StepRecords, summary: string, mode: StepWrites): Promise<{ deliver: string[] }> {
  if (mode === 'committed') return committed.recordProgress.executeWithOptions({ ...committedOptions, summary }, [records]);
  return local.recordProgress.executeWithOptions({ ...localOptions, summary }, [records]);
}
