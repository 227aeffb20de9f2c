import { patched, workflowInfo } from '@temporalio/workflow';
import { patches } from './versions';

/** A safety net well under Temporal's 51,200-event limit, for servers that never suggest continue-as-new. */
export const DEFAULT_HISTORY_LIMIT = 10_000;

/**
 * How large one run of a lifecycle may grow (patches.smallRuns). A customer or contract lives
 * for years; its run is what a worker replays when the workflow is not cached, so every run is
 * kept as small in year ten as in year one: past 2,000 events or 512 KB it moves on at its next
 * quiet moment, and past 3,500 events even with children open (a run never nears 4,096).
 */
export const RUN_LIMITS = { events: 2_000, bytes: 512 * 1024, hardEvents: 3_500 } as const;

export interface RunLimits {
  /** Continue as new at the next moment with no child of this run open, from this many events. */
  limit: number;
  /** …or from this many bytes of history. */
  byteLimit?: number;
  /** Continue as new here even with children open. */
  hardLimit: number;
}

/**
 * The limits a run works to: its own input's `historyLimit` (tests set small ones), else
 * RUN_LIMITS. Runs from before patches.smallRuns keep the 10,000-event limit they started with.
 */
export function runLimits(historyLimit: number | undefined, legacyHardLimit: (limit: number) => number): RunLimits {
  if (historyLimit !== undefined) return { limit: historyLimit, hardLimit: legacyHardLimit(historyLimit) };
  if (patched(patches.smallRuns)) return { limit: RUN_LIMITS.events, byteLimit: RUN_LIMITS.bytes, hardLimit: RUN_LIMITS.hardEvents };
  return { limit: DEFAULT_HISTORY_LIMIT, hardLimit: legacyHardLimit(DEFAULT_HISTORY_LIMIT) };
}

/**
 * When a long-lived lifecycle hands over to a fresh run: when Temporal suggests it or the run
 * reaches its limit (or the lifecycle asks, at a natural boundary such as a new term), and then
 * only once the children this run started have closed, so a child's completion lands in the run
 * that started it. A lifecycle that always has children open still moves on at `hardLimit`.
 */
export function timeToContinueAsNew(options: RunLimits & { openChildren: number; asked?: boolean }): boolean {
  const info = workflowInfo();
  const large = info.continueAsNewSuggested || info.historyLength >= options.limit || (options.byteLimit !== undefined && info.historySize >= options.byteLimit);
  if (!options.asked && !large) return false;
  return options.openChildren === 0 || info.historyLength >= options.hardLimit;
}
