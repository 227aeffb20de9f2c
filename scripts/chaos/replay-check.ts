import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { mergedGroupings, type JsonHistory } from '../runtime/task-groupings';

/**
 * Every run the chaos load produced, replayed on the workflow code that ran it: as recorded, and
 * with each empty task before an Update merged into it, the grouping a worker that replays from
 * scratch may have used (scripts/runtime/task-groupings.ts). A workflow that happened never to
 * land on such a worker still shows here whether it would have failed on one.
 */
export interface ReplayCheck {
  /** Runs replayed as recorded. */
  histories: number;
  /** Other groupings of them replayed. */
  groupings: number;
  /** `workflowId run: error`, one per history or grouping that did not replay. */
  failures: string[];
}

export async function replayEveryRun(client: Client, workflowBundlePath: string, onFailure: (workflowId: string, runId: string, history: string) => void): Promise<ReplayCheck> {
  const check: ReplayCheck = { histories: 0, groupings: 0, failures: [] };
  const runs = new Map<string, { workflowId: string; runId: string; recorded: string; failed: boolean }>();
  // One replay worker for them all, fed as the histories are fetched: a worker per run would load the bundle every time.
  async function* replays() {
    for await (const execution of client.workflow.list()) {
      const recorded = historyToJSON(await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory());
      const history = JSON.parse(recorded) as JsonHistory;
      const name = `${execution.workflowId} ${execution.runId.slice(0, 8)}`;
      runs.set(name, { workflowId: execution.workflowId, runId: execution.runId, recorded, failed: false });
      const variants = mergedGroupings(history);
      check.histories += 1;
      check.groupings += variants.length;
      yield { workflowId: `${name}|as recorded`, history };
      for (const v of variants) yield { workflowId: `${name}|task ${v.mergedTask} merged into the next`, history: v.history };
    }
  }
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: workflowBundlePath } }, replays())) {
    if (!result.error) continue;
    const [name, grouping] = result.workflowId.split('|') as [string, string];
    check.failures.push(`${name} ${grouping}: ${result.error.message.replace(/\s+/g, ' ').slice(0, 240)}`);
    runs.get(name)!.failed = true;
  }
  for (const run of runs.values()) if (run.failed) onFailure(run.workflowId, run.runId, run.recorded);
  return check;
}
