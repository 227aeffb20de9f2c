import { allHandlersFinished, condition, continueAsNew, patched } from '@temporalio/workflow';
import type { CustomerMemory, CustomerWorkflowInput } from '../definitions';
import { runLimits, timeToContinueAsNew } from '../lifecycle/continue-as-new';
import { local, localOptions } from '../lifecycle/step-writes';
import { patches } from '../lifecycle/versions';
import type { Relationship } from './relationship';

// Continue-as-new: when a relationship hands over to a fresh run, and what crosses: the memory,
// the agenda, events still waiting, and the newest version of its playbook.

/** Continue as new by here even with children open: far enough under Temporal's 51,200. */
const HARD_HISTORY_LIMIT = 40_000;

export function shouldContinueAsNew(r: Relationship): boolean {
  // A run from before committed steps moves onto them at the first moment it may.
  const leaveLegacy = r.writes === 'legacy' && patched(patches.leaveLegacySteps);
  const limits = runLimits(r.input.historyLimit, (limit) => Math.min(4 * limit, HARD_HISTORY_LIMIT));
  return timeToContinueAsNew({ ...limits, openChildren: r.children.size, asked: leaveLegacy });
}

/** Hands the relationship to a fresh run: same memory, the newest playbook version, nothing lost. */
export async function continueAsNewRun(r: Relationship, workflow: (input: CustomerWorkflowInput) => Promise<void>): Promise<never> {
  await r.messenger.settle();
  await condition(allHandlersFinished);
  const playbook = await newestPlaybook(r);
  if (playbook.version !== r.input.playbook.version) {
    r.messenger.note('playbook.adopted', `playbook ${playbook.id} v${r.input.playbook.version} → v${playbook.version}`, { from: r.input.playbook.version, to: playbook.version }, `run:${r.memory.runs}`);
    await r.messenger.flush();
  }
  // A child's notice taken in while this run waited wrote a note that must not be left behind.
  if (r.writes === 'committed') while (r.messenger.hasPending()) await r.messenger.flush();
  r.intake.written();
  r.memory.seq = r.messenger.sequence;
  const memory: CustomerMemory = { ...r.memory, runs: r.memory.runs + 1, agenda: [...r.agenda.list()], inbox: [...r.intake.pending] };
  return continueAsNew<typeof workflow>({ ...r.input, playbook, memory });
}

/** The newest version of the pinned playbook; the pinned one itself if it can no longer be resolved. */
async function newestPlaybook(r: Relationship) {
  try {
    return await local.resolvePlaybook.executeWithOptions({ ...localOptions, summary: 'adopt the newest playbook version' }, [{ tenantId: r.input.tenantId, playbookId: r.input.playbook.id }]);
  } catch {
    r.messenger.note('playbook.kept', `playbook ${r.input.playbook.id} could not be resolved; keeping v${r.input.playbook.version}`, {}, `run:${r.memory.runs}`);
    return r.input.playbook;
  }
}
