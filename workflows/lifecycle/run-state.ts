import type { TaskRecord } from '../../activities/records';
import type { AgendaItem } from '../agenda';
import { Messenger, type MessagingContext } from '../messenger';
import { Scheduler } from '../scheduler';
import { Children } from './children';
import { Intake, type IntakeMemory } from './intake';
import type { LeakLedger } from './leak-ledger';
import type { StepWrites } from './versions';
import { Visibility } from './visibility';

/** The part of a lifecycle's memory the kernel reads: its agenda, timeline sequence and recent event ids. */
export interface LifecycleMemory<K extends string> extends IntakeMemory {
  agenda: AgendaItem<K>[];
  seq: number;
}

/**
 * What every long-lived lifecycle (customer, contract) is made of: the memory that crosses
 * continue-as-new, and for the length of one run its agenda, intake, messenger, the children it
 * follows, what it last published, and whether the loop has something to do.
 */
export class RunState<M extends LifecycleMemory<K>, K extends string, E extends { eventId: string }> {
  readonly scheduler: Scheduler<K>;
  readonly intake: Intake<E>;
  readonly messenger: Messenger;
  /** Job and invoice workflows this run started that have not closed yet; a close wakes the loop. */
  readonly children = new Children(() => void (this.changed = true));
  readonly visibility = new Visibility();
  /** Something changed outside an event or a due item (a child reported): publish. */
  changed = false;
  /** Between waits: applying events, acting on the agenda or writing the step. */
  busy = true;
  /** Tasks for people, written with the next step. */
  tasks: TaskRecord[] = [];
  /** The read-model row last written, to skip writes that would change nothing. */
  publishedSnapshot = '';

  constructor(
    readonly memory: M,
    run: {
      writes: StepWrites;
      /** Events accepted by an earlier run and not applied yet. */
      pending: readonly E[];
      /** How many applied event ids the memory keeps once written. */
      window: number;
      messaging: MessagingContext;
      ledger: LeakLedger;
    },
  ) {
    this.scheduler = new Scheduler(memory.agenda);
    this.intake = new Intake(memory, run.pending, run.window, run.writes === 'legacy');
    this.messenger = new Messenger(run.messaging, { writes: run.writes, seq: memory.seq, ledger: run.ledger });
  }

  get agenda() {
    return this.scheduler.agenda;
  }
}
