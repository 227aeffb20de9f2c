import { allHandlersFinished, condition, patched, setHandler } from '@temporalio/workflow';
import { approvalDecisionUpdate, contractEventUpdate, contractStateQuery, upcomingInvoiceQuery, upcomingUsageQuery, type ContractStage, type ContractWorkflowInput } from '../contract-definitions';
import { childNoticeSignal } from '../definitions';
import { patches, stepWrites } from '../lifecycle/versions';
import { decide, openQuote, validateDecision } from './approvals';
import { continueAsNewRun, shouldContinueAsNew } from './continue-as-new';
import { Deal } from './deal';
import { performItem, receive, validate } from './events';
import { onInvoiceNotice } from './issuing';
import { upcomingInvoice, upcomingUsage } from './preview';
import { hasUnwritten, publish } from './publishing';
import { view } from './view';

// The contract workflow: handlers that apply (or queue what must await), and the loop that
// acts on the agenda, runs queued work and writes. Each concern lives in its own module.

/**
 * One B2B contract, from quote to renewal and beyond: approvals by the playbook's guardrails,
 * signature, an invoice at every billing period boundary (usage rated at period close, anomalies
 * held for review), collections through the shared `invoice` workflow, mid-term amendments
 * prorated by day, credits, revenue recognition lines, renewal notices, renewal (a new term,
 * continue-as-new) or churn and win-back.
 */
export async function contract(input: ContractWorkflowInput): Promise<ContractStage> {
  const d = new Deal(input, stepWrites());
  d.lateUsage = patched(patches.lateUsage);
  d.breakage = patched(patches.breakage);
  d.lowBalanceNotice = patched(patches.lowBalanceNotice);
  d.carryBelowZero = patched(patches.carryBelowZero);
  d.commandsBeforeWrites = patched(patches.commandsBeforeWrites);
  // Before any handler is registered: an Update that arrives with the start (a signature sent
  // right after the quote) is validated against the opened quote, not a blank one.
  if (!input.memory) openQuote(d);
  setHandler(approvalDecisionUpdate, (decision) => decide(d, decision), {
    validator: (decision) => validateDecision(d, decision),
    description: "An approver's decision on the quote; refused when that role has nothing pending",
  });
  setHandler(contractEventUpdate, (event) => receive(d, event), {
    validator: (event) => validate(d, event),
    description: 'A contract event (signed, amended, renewed, cancelled, invoice approved, payment, dispute, credit)',
  });
  setHandler(childNoticeSignal, (notice) => onInvoiceNotice(d, notice), { description: 'An invoice workflow reports a change' });
  setHandler(contractStateQuery, () => view(d), { description: 'Live state: stage, approvals, term, billing, invoices, renewal' });
  setHandler(upcomingUsageQuery, () => upcomingUsage(d), { description: 'When the next invoice is issued, and which usage periods it will rate' });
  setHandler(upcomingInvoiceQuery, (measured) => upcomingInvoice(d, measured), { description: 'The next invoice as it stands, from usage measured so far (by the same plan the contract issues it with)' });

  if (input.memory) d.messenger.note('contract.continued', `run ${d.memory.runs + 1} of the contract continues`, { term: d.memory.term });
  const ended = d.commandsBeforeWrites ? await runPasses(d) : await runLegacyLoop(d);
  await condition(allHandlersFinished);
  await d.messenger.settle();
  return ended;
}

/**
 * The loop: each pass runs the work handlers queued, acts on what came due, and writes. Whatever
 * arrived while a pass awaited (an event applied in its handler, an invoice's notice) is taken up
 * by the next pass, from the top, never from the point where the await returned: a worker may be
 * handed the arrival and the await's result in one activation or in two (patches.commandsBeforeWrites),
 * and either way the next pass decides the same commands in the same order.
 */
async function runPasses(d: Deal): Promise<ContractStage> {
  for (;;) {
    d.busy = true;
    d.changed = false;
    await takeUp(d);
    await publish(d);
    if (d.changed || d.pending.length > 0 || hasUnwritten(d)) continue;
    if (d.ended) return d.ended;
    if (shouldContinueAsNew(d)) {
      // Returns only when something arrived while it waited: a pass takes it up.
      await continueAsNewRun(d, contract);
      continue;
    }
    d.busy = false;
    await d.scheduler.wait(() => d.pending.length > 0 || d.changed);
  }
}

/** The loop of runs from before `patches.commandsBeforeWrites`, as they recorded it. */
async function runLegacyLoop(d: Deal): Promise<ContractStage> {
  for (;;) {
    await publish(d);
    if (d.ended) return d.ended;
    if (shouldContinueAsNew(d)) await continueAsNewRun(d, contract);
    d.busy = false;
    await d.scheduler.wait(() => d.pending.length > 0 || d.changed);
    d.busy = true;
    d.changed = false;
    await takeUp(d);
  }
}

/** Runs the work the handlers queued, then acts on every agenda item that has come due. */
async function takeUp(d: Deal): Promise<void> {
  for (let work = d.pending.shift(); work; work = d.pending.shift()) await work();
  for (const item of d.scheduler.takeDue()) {
    d.messenger.causedBy(item);
    await performItem(d, item);
  }
}
