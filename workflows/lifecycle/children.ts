import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Messenger } from '../messenger';

/**
 * The job and invoice workflows a lifecycle started in this run and follows until they close.
 * Customers and contracts track them alike: starting is idempotent, and a close wakes the loop.
 */
export class Children {
  private readonly running = new Map<string, Promise<unknown>>();

  /** `closed` runs when any child closes: the parent's loop has something to publish. */
  constructor(private readonly closed: () => void) {}

  /** How many are still open. */
  get size(): number {
    return this.running.size;
  }

  has(workflowId: string): boolean {
    return this.running.has(workflowId);
  }

  /** Starts a child and follows it; one that already runs under the id is the one we meant. */
  async startOnce(start: () => Promise<{ workflowId: string; result(): Promise<unknown> }>): Promise<void> {
    try {
      const child = await start();
      const done = child
        .result()
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(child.workflowId);
          this.closed();
        });
      this.running.set(child.workflowId, done);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
}

/** Signals a child; one that closed in the meantime cannot take the event, and the timeline says so. */
export async function forwardToChild(messenger: Messenger, event: { type: string; eventId: string }, what: string, send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch {
    messenger.note('event.ignored', `${event.type} not delivered: ${what} has already closed`, { eventId: event.eventId });
  }
}
