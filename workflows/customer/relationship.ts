import { workflowInfo } from '@temporalio/workflow';
import type { StepRecords } from '../../activities/records';
import type { CustomerEvent } from '../../domain/customer-events';
import { CustomerLeaks } from './leakage';
import type { CustomerAgendaKind, CustomerMemory, CustomerStage, CustomerWorkflowInput } from '../definitions';
import { RunState } from '../lifecycle/run-state';
import type { StepWrites } from '../lifecycle/versions';
import type { MessagingContext } from '../messenger';
import { deriveStage, freshMemory } from './state';

// The state every concern of a customer relationship works on: its memory (what crosses
// continue-as-new), its agenda, its messenger and ledger, and what this run alone keeps.

/** How many applied event ids a run remembers once written; older ones are on the timeline, where the API finds them. */
const RECENT_EVENT_IDS = 500;

export class Relationship extends RunState<CustomerMemory, CustomerAgendaKind, CustomerEvent> {
  readonly leaks: CustomerLeaks;
  /** Legacy runs take the whole queue before recording it; validators still count it as waiting. */
  legacyBatch: CustomerEvent[] = [];
  /** The customer's record, written with the first step of a new relationship. */
  newCustomer: StepRecords['newCustomer'];

  constructor(
    readonly input: CustomerWorkflowInput,
    readonly writes: StepWrites,
  ) {
    const memory = input.memory ?? freshMemory(Date.now());
    const leaks = new CustomerLeaks((memory.leaks ??= []), input.playbook.definition, workflowInfo().workflowId);
    super(memory, { writes, pending: memory.inbox, window: RECENT_EVENT_IDS, messaging: messagingOf(input, memory), ledger: leaks.ledger });
    this.leaks = leaks;
  }

  get playbook() {
    return this.input.playbook.definition;
  }

  get timezone() {
    return this.input.profile.timezone;
  }

  /** Who the customer's messages go to and how; job and invoice workflows are started with it. */
  messagingContext(): MessagingContext {
    return messagingOf(this.input, this.memory);
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

function messagingOf(input: CustomerWorkflowInput, memory: CustomerMemory): MessagingContext {
  const { profile } = input;
  const playbook = input.playbook.definition;
  return {
    tenantId: input.tenantId,
    subject: { subjectType: 'customer', subjectId: input.customerId },
    recipient: { name: profile.name, timezone: profile.timezone, ...(profile.phone ? { phone: profile.phone } : {}), ...(profile.email ? { email: profile.email } : {}) },
    business: playbook.business,
    quietHours: playbook.quietHours,
    templates: playbook.templates,
    optOuts: [...memory.optOuts],
  };
}
