import { workflowInfo } from '@temporalio/workflow';
import type { StepRecords, TaskRecord } from '../../activities/records';
import type { ContractEvent } from '../../domain/contracts/contract-events';
import type { Money } from '../../domain/money';
import { ContractLeaks } from './leakage';
import { liveContractStages, type ContractAgendaKind, type ContractMemory, type ContractStage, type ContractWorkflowInput } from '../contract-definitions';
import { Children } from '../lifecycle/children';
import { Intake } from '../lifecycle/intake';
import { Visibility } from '../lifecycle/visibility';
import { Messenger, type MessagingContext } from '../messenger';
import { Scheduler } from '../scheduler';
import { freshMemory } from './state';

// The state every concern of a contract works on: its memory (what crosses continue-as-new),
// agenda, messenger and ledger, and what this run alone keeps (the step being built, work queued).

/** Applied event ids a run keeps once written; older ones are on the timeline, where the API finds them. */
const RECENT_EVENT_IDS = 200;

export const isoNow = () => new Date().toISOString();

/** What one step writes beside its timeline and messages: invoices, revenue lines, MRR movements, policy exceptions. */
export type StepExtras = Omit<StepRecords, 'tenantId' | 'subjectType' | 'subjectId' | 'entries' | 'messages'>;

export class Deal {
  readonly memory: ContractMemory;
  readonly scheduler: Scheduler<ContractAgendaKind>;
  readonly messenger: Messenger;
  readonly intake: Intake<ContractEvent>;
  readonly leaks: ContractLeaks;
  /** Invoice workflows this run started that have not closed yet; a close wakes the loop. */
  readonly children = new Children(() => void (this.changed = true));
  readonly visibility = new Visibility();
  /** Held invoices approved whose release waits for the main loop: payments may name them already. */
  readonly releasing = new Set<string>();
  changed = false;
  /** Between waits: applying, acting or writing the step. */
  busy = true;
  /** How the contract ended, once it has. */
  ended: ContractStage | null = null;
  /** A new term began: a natural point to start a fresh history. */
  continueAsNewSoon = false;
  /** Work the update handlers queued for the main loop (which may await). */
  pending: Array<() => Promise<void>> = [];
  step: StepExtras = {};
  tasks: TaskRecord[] = [];
  /** The read-model row last written, to skip writes that would change nothing. */
  publishedSnapshot = '';

  constructor(
    readonly input: ContractWorkflowInput,
    readonly writes: 'committed' | 'legacy',
  ) {
    this.memory = input.memory ?? freshMemory(isoNow());
    if (!input.memory) this.memory.lines = input.lines.map((line) => ({ line, nextPeriod: 0, segments: [], recentAmounts: [], recentUsage: [] }));
    this.scheduler = new Scheduler(this.memory.agenda);
    // Contract events are applied in their Update handler: the queue stays empty.
    this.intake = new Intake(this.memory, [], RECENT_EVENT_IDS, writes === 'legacy');
    this.leaks = new ContractLeaks((this.memory.leaks ??= []), input.currency, workflowInfo().workflowId);
    this.messenger = new Messenger(this.messagingContext(), { writes, seq: this.memory.seq, ledger: this.leaks.ledger });
    this.messenger.cause = input.memory ? `run:${this.memory.runs}` : 'quote';
  }

  get playbook() {
    return this.input.playbook.definition;
  }

  get agenda() {
    return this.scheduler.agenda;
  }

  money(amount: number): Money {
    return { amount, currency: this.input.currency };
  }

  /** Who the contract's messages go to; its invoice workflows are started with it. */
  messagingContext(): MessagingContext {
    const c = this.input.customer;
    return {
      tenantId: this.input.tenantId,
      subject: { subjectType: 'contract', subjectId: this.input.contractId },
      recipient: { name: c.name, timezone: c.timezone, ...(c.email ? { email: c.email } : {}), ...(c.phone ? { phone: c.phone } : {}) },
      business: this.playbook.business,
      quietHours: null,
      templates: this.playbook.templates,
      optOuts: [],
    };
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
