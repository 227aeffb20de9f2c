import type { AgendaItem } from '../agenda';
import type { Messenger } from '../messenger';
import type { Scheduler } from '../scheduler';

/** What a job or invoice workflow brings to the loop they share. */
export interface ChildLifecycle<E extends { eventId: string; type: string }, K extends string> {
  readonly messenger: Messenger;
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
