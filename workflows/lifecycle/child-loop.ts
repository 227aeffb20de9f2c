import { setHandler, workflowInfo, type QueryDefinition, type SignalDefinition } from '@temporalio/workflow';
import type { AgendaItem } from '../agenda';
import { contactPreferencesSignal, type ChildNotice } from '../definitions';
import { Messenger, type AnyTemplateKey, type MessagingContext } from '../messenger';
import { notifyParent } from '../parent';
import { Scheduler } from '../scheduler';
import { LeakLedger } from './leak-ledger';
import type { StepWrites } from './versions';

// What job and invoice workflows share: their writers, their handlers, their line to the parent
// and the loop they run until they close.

/** What a job or invoice workflow brings to the loop they share. */
export interface ChildLifecycle<E extends { eventId: string; type: string }, K extends string> {
  readonly messenger: Messenger<AnyTemplateKey>;
  readonly scheduler: Scheduler<K>;
  /** Events its parent forwarded, oldest first (the parent forwards each once). */
  readonly inbox: E[];
  /** Writes what changed and tells the parent. */
  publish(): Promise<void>;
  /** Why it is done, once it is (`already paid`), or null while it goes on. */
  closedAs(): string | null;
  apply(event: E): void;
  perform(item: AgendaItem<K>): void;
}

/**
 * The life of a child workflow: write, then wait for a forwarded event or the next agenda item,
 * apply each under its own cause, until it closes; events that raced the close are noted as
 * ignored, and message deliveries in flight finish before it returns.
 */
export async function runUntilClosed<E extends { eventId: string; type: string }, K extends string>(child: ChildLifecycle<E, K>, what: string): Promise<void> {
  let closed: string | null;
  for (;;) {
    await child.publish();
    closed = child.closedAs();
    if (closed !== null) break;
    await child.scheduler.wait(() => child.inbox.length > 0);
    for (let event = child.inbox.shift(); event; event = child.inbox.shift()) {
      child.messenger.cause = event.eventId;
      child.apply(event);
    }
    for (const item of child.scheduler.takeDue()) {
      child.messenger.causedBy(item);
      child.perform(item);
    }
  }
  await child.messenger.ignoreLateEvents(child.inbox.splice(0), `${what} is already ${closed}`);
  await child.messenger.settle();
}

/**
 * What a job or invoice workflow is made of before its own state: the agenda, the inbox of
 * forwarded events, the messenger and leakage ledger that name its rows under `{kind}:{id}/`,
 * and its line to the parent.
 */
export abstract class ChildWorkflow<E extends { eventId: string; type: string }, K extends string, N extends ChildNotice, T extends AnyTemplateKey> implements ChildLifecycle<E, K> {
  readonly scheduler = new Scheduler<K>();
  readonly inbox: E[] = [];
  readonly messenger: Messenger<T>;
  protected readonly ledger: LeakLedger;
  protected readonly parent: ParentLine<N>;

  constructor(child: { prefix: string; messaging: MessagingContext<T>; writes: StepWrites; currency: string; parentWorkflowId: string }) {
    this.ledger = new LeakLedger([], { currency: child.currency, workflowId: workflowInfo().workflowId, idPrefix: child.prefix });
    this.messenger = new Messenger({ ...child.messaging, optOuts: [...child.messaging.optOuts] }, { writes: child.writes, causePrefix: child.prefix, ledger: this.ledger });
    this.parent = new ParentLine(child.parentWorkflowId);
  }

  abstract publish(): Promise<void>;
  abstract closedAs(): string | null;
  abstract apply(event: E): void;
  abstract perform(item: AgendaItem<K>): void;
}

/** A child's handlers: forwarded events wait in its inbox, contact preferences reach its messenger at once, the query shows its view. */
export function registerChildHandlers<E extends { eventId: string; type: string }, V>(
  child: { readonly inbox: E[]; readonly messenger: Messenger<AnyTemplateKey>; view(): V },
  [events, eventsDescription]: [SignalDefinition<[E]>, string],
  [state, stateDescription]: [QueryDefinition<V>, string],
): void {
  setHandler(events, (event) => void child.inbox.push(event), { description: eventsDescription });
  setHandler(contactPreferencesSignal, ({ optOuts }) => child.messenger.setOptOuts(optOuts), { description: 'The customer opted out of or back in to a channel' });
  setHandler(state, () => child.view(), { description: stateDescription });
}

/** The child's line to its parent: a notice goes only when it says something new. */
export class ParentLine<N extends ChildNotice> {
  private last = '';

  constructor(private readonly parentWorkflowId: string) {}

  /** Whether `notice` differs from the last one sent. */
  isNews(notice: N): boolean {
    return JSON.stringify(notice) !== this.last;
  }

  async tell(notice: N): Promise<void> {
    const key = JSON.stringify(notice);
    if (key === this.last) return;
    await notifyParent(this.parentWorkflowId, notice);
    this.last = key;
  }
}
