/**
 * How every lifecycle takes events in, exactly once. Workflow code only.
 *
 * An event is known to this workflow while it waits to be applied (`pending`), once it has been
 * applied but its step's rows are not yet written (`unwritten`), and for the next `window` events
 * after that (`recent`, carried across continue-as-new). Anything older is on the timeline in
 * PostgreSQL, where the API finds it before it signals (`api/event-receipts.ts`): the timeline row
 * of an event is written by the step that applied it, after that step committed, so "on the
 * timeline" means "applied". An id leaves the workflow's memory only after its row is written,
 * so no redelivery falls between the two.
 *
 * Nothing here depends on a position in a batch, a counter, or what an attempt of a workflow
 * task that failed might have written.
 */
export interface IntakeMemory {
  /** Applied and written, newest last: at most `window`. */
  recentEventIds: string[];
}

export class Intake<E extends { eventId: string }> {
  private readonly queue: E[];
  private unwritten: string[] = [];

  constructor(
    private readonly memory: IntakeMemory,
    pending: readonly E[],
    private readonly window: number,
    /** Runs from before `patches.committedSteps` trim the window at once, as they always did. */
    private readonly legacy = false,
  ) {
    this.queue = [...pending];
  }

  /** Already applied, being applied, or waiting: a second delivery changes nothing. */
  has(eventId: string): boolean {
    return this.queue.some((e) => e.eventId === eventId) || this.unwritten.includes(eventId) || this.memory.recentEventIds.includes(eventId);
  }

  /** Queues a first delivery; says whether it was one. */
  receive(event: E): 'queued' | 'duplicate' {
    if (this.has(event.eventId)) return 'duplicate';
    this.queue.push(event);
    return 'queued';
  }

  /** Accepted and not yet applied, in arrival order; validators judge new events against these too. */
  get pending(): readonly E[] {
    return this.queue;
  }

  /** The oldest event waiting; it stays pending until `applied`, so validators still see it meanwhile. */
  next(): E | undefined {
    return this.queue[0];
  }

  /** Every waiting event at once, off the queue: how runs from before `patches.committedSteps` took them. */
  takeAll(): E[] {
    return this.queue.splice(0, this.queue.length);
  }

  /** Takes the event off the queue once applied (or recognised as applied before). */
  applied(event: E): void {
    const at = this.queue.findIndex((e) => e.eventId === event.eventId);
    if (at !== -1) this.queue.splice(at, 1);
    this.remember(event.eventId);
  }

  /** Marks an id applied without it having been queued (an event applied in its handler). */
  remember(eventId: string): void {
    if (this.legacy) {
      this.memory.recentEventIds.push(eventId);
      this.trim();
    } else if (!this.unwritten.includes(eventId)) this.unwritten.push(eventId);
  }

  /** Ids applied whose rows the next step write will carry: take them before the write starts. */
  toWrite(): string[] {
    return [...this.unwritten];
  }

  /** Those rows are written: the ids may age out of memory now (handlers may have applied more meanwhile). */
  written(ids: readonly string[] = this.unwritten): void {
    if (ids.length === 0) return;
    const done = new Set(ids);
    this.memory.recentEventIds.push(...this.unwritten.filter((id) => done.has(id)));
    this.unwritten = this.unwritten.filter((id) => !done.has(id));
    this.trim();
  }

  /** Newest last: what `GET …` shows as "did my event arrive?". */
  recent(count: number): string[] {
    return [...this.memory.recentEventIds, ...this.unwritten].slice(-count);
  }

  private trim(): void {
    const excess = this.memory.recentEventIds.length - this.window;
    if (excess > 0) this.memory.recentEventIds.splice(0, excess);
  }
}
