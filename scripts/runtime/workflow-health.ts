import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

/**
 * Every workflow task that failed, in any run of any workflow on a server: a task failure is a
 * defect (an input a workflow could not handle, non-determinism), apart from the benign races
 * the server reports the same way (an event arriving as a task completes). Used by the fault
 * suite and by the tests that throw hostile inputs at the API. Also lists workflows that closed
 * badly (failed, terminated, timed out).
 */
export async function workflowTaskFailures(client: Client, query?: string): Promise<{ defects: Record<string, number>; benign: Record<string, number>; closedBadly: string[] }> {
  const Cause = proto.temporal.api.enums.v1.WorkflowTaskFailedCause;
  const benignCauses = new Set<number>([
    Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
    Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_UPDATE,
    Cause.WORKFLOW_TASK_FAILED_CAUSE_RESET_STICKY_TASK_QUEUE,
    Cause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
    Cause.WORKFLOW_TASK_FAILED_CAUSE_FAILOVER_CLOSE_COMMAND,
  ]);
  const defects: Record<string, number> = {};
  const benign: Record<string, number> = {};
  const closedBadly: string[] = [];
  for await (const execution of client.workflow.list(query ? { query } : {})) {
    if (['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED'].includes(execution.status.name)) closedBadly.push(`${execution.workflowId}: ${execution.status.name}`);
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    for (const event of history.events ?? []) {
      if (event.eventType !== proto.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) continue;
      const cause = event.workflowTaskFailedEventAttributes?.cause ?? 0;
      const name = (Cause[cause] ?? String(cause)).replace('WORKFLOW_TASK_FAILED_CAUSE_', '');
      const bucket = benignCauses.has(cause) ? benign : defects;
      bucket[name] = (bucket[name] ?? 0) + 1;
    }
  }
  return { defects, benign, closedBadly };
}
