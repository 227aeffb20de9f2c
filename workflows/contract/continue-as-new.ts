import { allHandlersFinished, condition, continueAsNew } from '@temporalio/workflow';
import type { ContractStage, ContractWorkflowInput } from '../contract-definitions';
import { runLimits, timeToContinueAsNew } from '../lifecycle/continue-as-new';
import type { Deal } from './deal';
import { publish } from './publishing';

// Continue-as-new: at a new term or a large history, once no work is queued and the invoices
// this run started have closed; the memory and agenda cross to the fresh run.

export function shouldContinueAsNew(d: Deal): boolean {
  if (d.pending.length > 0 || d.ended) return false;
  // Children that are still open keep reporting to this workflow id, whichever run; but the
  // time-skipping test server loses track of time when one finishes across a continue-as-new,
  // so a new term waits for them (a large history does not wait past four times the limit).
  return timeToContinueAsNew({ ...runLimits(d.input.historyLimit, (limit) => 4 * limit), openChildren: d.children.size, asked: d.continueAsNewSoon });
}

/** Hands the contract to a fresh run; returns instead when events applied while it waited need the loop first. */
export async function continueAsNewRun(d: Deal, workflow: (input: ContractWorkflowInput) => Promise<ContractStage>): Promise<void> {
  await condition(allHandlersFinished);
  await d.messenger.settle();
  if (d.writes === 'committed') {
    // Events applied while this run waited for its handlers: their rows go with this run.
    await publish(d);
    if (d.pending.length > 0 || d.messenger.hasPending() || !allHandlersFinished() || d.ended) return;
  }
  d.intake.written();
  d.memory.runs += 1;
  d.memory.seq = d.messenger.sequence;
  d.memory.agenda = [...d.agenda.list()];
  return continueAsNew<typeof workflow>({ ...d.input, memory: d.memory });
}
