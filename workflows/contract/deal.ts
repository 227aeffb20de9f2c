import { workflowInfo } from '@temporalio/workflow';
import type { StepRecords } from '../../activities/records';
import type { ContractEvent } from '../../domain/contracts/contract-events';
import type { Money } from '../../domain/money';
import { ContractLeaks } from './leakage';
import { liveContractStages, type ContractAgendaKind, type ContractMemory, type ContractStage, type ContractWorkflowInput } from '../contract-definitions';
import { RunState } from '../lifecycle/run-state';
import type { StepWrites } from '../lifecycle/versions';
import type { MessagingContext } from '../messenger';
import { freshMemory } from './state';

// The state every concern of a contract works on: its memory (what crosses continue-as-new),
// agenda, messenger and ledger, and what this run alone keeps (the step being built, work queued).

/** Applied event ids a run keeps once written; older ones are on the timeline, where the API finds them. */
const RECENT_EVENT_IDS = 200;

export const isoNow = () => new Date().toISOString();

/** What one step writes beside its timeline and messages: invoices, revenue lines, MRR movements, policy exceptions. */
export type StepExtras = Omit<StepRecords, 'tenantId' | 'subjectType' | 'subjectId' | 'entries' | 'messages'>;

export class Deal extends RunState<ContractMemory, ContractAgendaKind, ContractEvent> {
  readonly leaks: ContractLeaks;
  /** Held invoices approved whose release waits for the main loop: payments may name them already. */
  readonly releasing = new Set<string>();
  /** How the contract ended, once it has. */
  ended: ContractStage | null = null;
  /** A new term began: a natural point to start a fresh history. */
  continueAsNewSoon = false;
  /** Work the update handlers queued for the main loop (which may await). */
  pending: Array<() => Promise<void>> = [];
  step: StepExtras = {};
  /** This run bills late usage at each close (`patches.lateUsage`, decided once at the run's start). */
  lateUsage = false;
  /** This run recognises expired paid credit as breakage revenue (`patches.breakage`, decided once at the run's start). */
  breakage = false;
  /** This run tells the customer their prepaid balance is low (`patches.lowBalanceNotice`, decided once at the run's start). */
  lowBalanceNotice = false;
  /** This run carries an invoice below zero to account credit (`patches.carryBelowZero`, decided once at the run's start). */
  carryBelowZero = false;
  /** This run upserts attributes before a write and decides after it in one place (`patches.commandsBeforeWrites`, decided once at the run's start). */
  commandsBeforeWrites = false;

  constructor(
    readonly input: ContractWorkflowInput,
    readonly writes: StepWrites,
  ) {
    const memory = input.memory ?? freshMemory(isoNow());
    if (!input.memory) memory.lines = input.lines.map((line) => ({ line, nextPeriod: 0, segments: [], recentAmounts: [], recentUsage: [] }));
    const leaks = new ContractLeaks((memory.leaks ??= []), input.currency, workflowInfo().workflowId);
    // Contract events are applied in their Update handler: the queue stays empty.
    super(memory, { writes, pending: [], window: RECENT_EVENT_IDS, messaging: messagingOf(input), ledger: leaks.ledger });
    this.leaks = leaks;
    this.messenger.cause = input.memory ? `run:${this.memory.runs}` : 'quote';
  }

  get playbook() {
    return this.input.playbook.definition;
  }

  money(amount: number): Money {
    return { amount, currency: this.input.currency };
  }

  /** Who the contract's messages go to; its invoice workflows are started with it. */
  messagingContext(): MessagingContext {
    return messagingOf(this.input);
  }

  /** Signed and not yet ended: the only stages with recurring revenue. */
  live(): boolean {
    return liveContractStages.includes(this.memory.stage);
  }

  setStage(stage: ContractStage): void {
    if (this.memory.stage === stage) return;
    this.messenger.note('stage.changed', `${this.memory.stage} → ${stage}`, { from: this.memory.stage, to: stage });
    this.memory.stage = stage;
    this.memory.stageSince = isoNow();
  }

  /** Ends the contract as `stage`: nothing more is scheduled. */
  end(stage: ContractStage): void {
    this.setStage(stage);
    this.agenda.cancelWhere(() => true);
    this.ended = stage;
  }

  /**
   * Handlers apply at once, in the middle of whatever the main loop awaits: what they write is
   * named after their own cause, and the loop's cause is back when they return.
   */
  causedBy<T>(cause: string, apply: () => T): T {
    const loop = this.messenger.cause;
    this.messenger.cause = cause;
    try {
      return apply();
    } finally {
      this.messenger.cause = loop;
    }
  }

  /** Queues work for the main loop (which may await), to run under the cause that asked for it. */
  defer(work: () => Promise<void>): void {
    const cause = this.messenger.cause;
    this.pending.push(async () => {
      this.messenger.cause = cause;
      await work();
    });
  }

  /** An MRR movement for the reports (new, expansion, contraction, renewal, churn), once per cause. */
  recordChange(kind: 'new' | 'expansion' | 'contraction' | 'renewal' | 'churn', mrrDelta: number, id = `${kind}:${this.memory.term?.index ?? 0}`): void {
    (this.step.contractChanges ??= []).push({ id, kind, mrrDelta, currency: this.input.currency, occurredAt: isoNow() });
  }
}

function messagingOf(input: ContractWorkflowInput): MessagingContext {
  const c = input.customer;
  return {
    tenantId: input.tenantId,
    subject: { subjectType: 'contract', subjectId: input.contractId },
    recipient: { name: c.name, timezone: c.timezone, ...(c.email ? { email: c.email } : {}), ...(c.phone ? { phone: c.phone } : {}) },
    business: input.playbook.definition.business,
    quietHours: null,
    templates: input.playbook.definition.templates,
    optOuts: [],
  };
}
