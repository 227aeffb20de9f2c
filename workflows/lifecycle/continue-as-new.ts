import { workflowInfo } from '@temporalio/workflow';

/** A safety net well under Temporal's 51,200-event limit, for servers that never suggest continue-as-new. */
export const DEFAULT_HISTORY_LIMIT = 10_000;

/**
 * When a long-lived lifecycle hands over to a fresh run: when Temporal suggests it or the run
 * reaches its limit (or the lifecycle asks, at a natural boundary such as a new term), and then
 * only once the children this run started have closed, so a child's completion lands in the run
 * that started it. A lifecycle that always has children open still moves on at `hardLimit`.
 */
export function timeToContinueAsNew(options: { limit: number; hardLimit: number; openChildren: number; asked?: boolean }): boolean {
  const info = workflowInfo();
  const large = info.continueAsNewSuggested || info.historyLength >= options.limit;
  if (!options.asked && !large) return false;
  return options.openChildren === 0 || info.historyLength >= options.hardLimit;
}
