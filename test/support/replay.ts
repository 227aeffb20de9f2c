import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { JsonHistory } from '../../scripts/runtime/task-groupings';

/** Replays histories on today's workflow bundle (the suite's global setup builds it); one line per history that fails. */
export async function replayFailures(histories: Array<{ workflowId: string; history: JsonHistory }>): Promise<string[]> {
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return failures;
}
