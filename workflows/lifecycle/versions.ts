import { patched } from '@temporalio/workflow';

/**
 * Changes to released workflow code, each behind `patched()` so histories recorded before it replay
 * unchanged (test/replay). The strings are recorded in histories: never rename them. Once no run
 * older than a patch is open anywhere, `deprecatePatch` it and drop the old branch.
 */
/** How this run writes its steps: committed (regular activities after the task) unless it began before `patches.committedSteps`. */
export type StepWrites = 'committed' | 'legacy';

export function stepWrites(): StepWrites {
  return patched(patches.committedSteps) ? 'committed' : 'legacy';
}

export const patches = {
  /** 2026-12: a missed call while a text-back is still waiting (quiet hours) schedules no second one. */
  onePendingTextBack: 'one-pending-text-back',
  /**
   * 2026-12: a step's rows are written by a regular activity, which Temporal runs only once the
   * workflow task that decided them has committed; freshness of an event is the workflow's own
   * durable state. Before it, local activities wrote from inside the task, so a task that timed
   * out and was redone in another order left rows behind and could drop an acknowledged event.
   */
  committedSteps: 'committed-steps',
  /** 2026-12: a run from before `committedSteps` continues as new at its next quiet moment, to move onto it. */
  leaveLegacySteps: 'leave-legacy-steps',
  /**
   * 2026-12: an invoice issued with nothing to pay (a contract invoice its account credit covered)
   * is paid as issued. Before it, it went through collections: reminders for 0.00, then a write-off.
   */
  settleNothingDue: 'settle-nothing-due',
  /** 2026-12: a review that arrives before its request went out cancels the request. Before it, the customer was asked anyway. */
  noRequestAfterReview: 'no-request-after-review',
  /**
   * 2026-12: a run continues as new past 2,000 events or 512 KB (3,500 events with children open),
   * so a relationship's run is as small to replay in year ten as in year one. Before it, 10,000.
   */
  smallRuns: 'small-runs',
  /**
   * 2026-12: job and invoice workflows carry Revloop's search attributes (tenant, customer or
   * contract, stage, balance, next action), set at start and upserted when they change, so ops can
   * ask the Temporal UI for "every invoice in collections". Before it, children had none.
   */
  childSearchAttributes: 'child-search-attributes',
  /**
   * 2026-12: a usage period's close also bills the late records of the term's earlier periods
   * (received after their close) as dated adjustment lines. Before it, late records were refused
   * at the API, so a close had none to bill.
   */
  lateUsage: 'late-usage',
  /**
   * 2026-12: paid prepaid credit that expires unused is recognised as breakage revenue at its
   * expiry (a point revenue line). Before it, the expiry was only a timeline note.
   */
  breakage: 'wallet-breakage',
  /**
   * 2026-12: a prepaid balance falling below the playbook's mark also tells the customer (the
   * `wallet.low_balance` template), beside the timeline event and the owner's task.
   */
  lowBalanceNotice: 'wallet-low-balance-notice',
  /**
   * 2026-12: a contract invoice whose lines come to less than nothing (late gauge readings that
   * lower a month already billed) carries the difference to account credit, for the next invoice,
   * and comes to zero, paid as issued. Before it, it was issued open with a negative balance and
   * went through collections: reminders for a negative amount, then a write-off.
   */
  carryBelowZero: 'carry-below-zero-to-credit',
  /**
   * 2026-12: a contract upserts its search attributes with the step that changed them, before it
   * awaits the step's write, and decides what follows a write (events applied meanwhile, due items,
   * the next write) in the same place as after any wait. Before it, the attributes were upserted
   * when the write returned, and the contract wrote again from there. Temporal's SDK core may hand
   * a worker that replays a run from scratch the task that saw a write return together with the
   * next Update, in one activation (sdk-core #1606, #1146); any later replay hands them over in
   * two. The old order then sent the upsert before the next write in one grouping and after it in
   * the other: a nondeterminism error that stopped the run for good (chaos seed 1011391003;
   * test/replay/task-grouping.test.ts). A customer's Update handler only queues its event, so
   * either grouping leaves its loop the same state: it needs no change.
   */
  commandsBeforeWrites: 'commands-before-writes',
} as const;
