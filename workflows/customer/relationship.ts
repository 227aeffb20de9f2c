import { workflowInfo } from '@temporalio/workflow';
import type { StepRecords, TaskRecord } from '../../activities/records';
import type { CustomerEvent } from '../../domain/customer-events';
import { CustomerLeaks } from './leakage';
import type { CustomerAgendaKind, CustomerMemory, CustomerStage, CustomerWorkflowInput } from '../definitions';
import { Children } from '../lifecycle/children';
import { Intake } from '../lifecycle/intake';
import { Visibility } from '../lifecycle/visibility';
import { Messenger, type MessagingContext } from '../messenger';
import { Scheduler } from '../scheduler';
import { deriveStage, freshMemory } from './state';

// The state every concern of a customer relationship works on: its memory (what crosses
// continue-as-new), its agenda, its messenger and ledger, and what this run alone keeps.

/** How many applied event ids a run remembers once written; older ones are on the timeline, where the API finds them. */
const RECENT_EVENT_IDS = 500;

export type StepWrites = 'committed' | 'legacy';

export class Relationship {
  readonly memory: CustomerMemory;
  readonly scheduler: Scheduler<CustomerAgendaKind>;
  readonly messenger: Messenger;
  readonly intake: Intake<CustomerEvent>;
  readonly leaks: CustomerLeaks;
  /** Jobs and invoices this run started that have not closed yet; a close wakes the loop. */
  readonly children = new Children(() => void (this.changed = true));
  readonly visibility = new Visibility();
  /** Legacy runs take the whole queue before recording it; validators still count it as waiting. */
  legacyBatch: CustomerEvent[] = [];
  /** The customer's record, written with the first step of a new relationship. */
  newCustomer: StepRecords['newCustomer'];
  tasks: TaskRecord[] = [];
  /** A child reported a change: publish even without an event or a due item. */
  changed = false;
  /** Between waits: applying events, acting on the agenda or writing the step. */
  busy = true;
  /** The read-model row last written, to skip writes that would change nothing. */
  publishedSnapshot = '';

  constructor(
    readonly input: CustomerWorkflowInput,
    readonly writes: StepWrites,
  ) {
    this.memory = input.memory ?? freshMemory(Date.now());
    this.scheduler = new Scheduler(this.memory.agenda);
    this.intake = new Intake(this.memory, this.memory.inbox, RECENT_EVENT_IDS, writes === 'legacy');
    this.leaks = new CustomerLeaks((this.memory.leaks ??= []), this.playbook, workflowInfo().workflowId);
    this.messenger = new Messenger(this.messagingContext(), { writes, seq: this.memory.seq, ledger: this.leaks.ledger });
  }

  get playbook() {
    return this.input.playbook.definition;
  }

  get agenda() {
    return this.scheduler.agenda;
  }

  get timezone() {
    return this.input.profile.timezone;
  }

  /** Who the customer's messages go to and how; job and invoice workflows are started with it. */
  messagingContext(): MessagingContext {
    const { profile } = this.input;
    return {
      tenantId: this.input.tenantId,
      subject: { subjectType: 'customer', subjectId: this.input.customerId },
      recipient: { name: profile.name, timezone: profile.timezone, ...(profile.phone ? { phone: profile.phone } : {}), ...(profile.email ? { email: profile.email } : {}) },
      business: this.playbook.business,
      quietHours: this.playbook.quietHours,
      templates: this.playbook.templates,
      optOuts: [...this.memory.optOuts],
    };
  }

  /** Accepted events not applied yet: what validators count on as good as done. */
  waiting(): readonly CustomerEvent[] {
    return [...this.legacyBatch, ...this.intake.pending];
  }

  /** Notes a change of stage on the timeline, after every event and action, so each stage passed through is on record. */
  trackStage(): CustomerStage {
    const stage = deriveStage(this.memory);
    if (stage !== this.memory.stage) {
      this.messenger.note('stage.changed', `${this.memory.stage} → ${stage}`, { from: this.memory.stage, to: stage });
      this.memory.stage = stage;
      this.memory.stageSince = Date.now();
    }
    return stage;
  }
}
