/**
 * What a lifecycle workflow will do next on its own, and when. One timer at a time waits for the
 * earliest item, so a relationship with a dozen pending reminders costs one timer in history,
 * and the whole agenda travels across continue-as-new as plain data.
 */
export interface AgendaItem<Kind extends string = string> {
  /** Unique within the workflow: scheduling the same key again moves the item. */
  key: string;
  kind: Kind;
  /** Workflow time, ms since epoch (UTC). */
  dueAt: number;
  /** One line for ops staff: "review request", "booking reminder 1/2 for job J-7". */
  summary: string;
  /** Plain JSON the item's handler needs (a job id, a step number). */
  data?: Record<string, string | number | boolean | null>;
  /**
   * What the rows written when it comes due are named after. Absent for an item as first
   * scheduled (its key and due time say it); kept when quiet hours move the item, so the message
   * it finally sends is still the one it was scheduled to send.
   */
  cause?: string;
}

/** The cause an item's rows are named after: its key and the time it was first due. */
/** What a lifecycle will do next, as its live state and the Temporal UI show it. */
export interface NextAction {
  kind: string;
  dueAt: string;
  summary: string;
}

export function causeOf(item: AgendaItem): string {
  return item.cause ?? `${item.key}@${item.dueAt}`;
}

export class Agenda<Kind extends string = string> {
  private items: AgendaItem<Kind>[];

  constructor(items: readonly AgendaItem<Kind>[] = []) {
    this.items = [...items].sort(byDueAt);
  }

  schedule(item: AgendaItem<Kind>): void {
    this.items = this.items.filter((i) => i.key !== item.key);
    this.items.push(item);
    this.items.sort(byDueAt);
  }

  cancel(key: string): boolean {
    const before = this.items.length;
    this.items = this.items.filter((i) => i.key !== key);
    return this.items.length !== before;
  }

  cancelWhere(predicate: (item: AgendaItem<Kind>) => boolean): AgendaItem<Kind>[] {
    const cancelled = this.items.filter(predicate);
    this.items = this.items.filter((i) => !predicate(i));
    return cancelled;
  }

  has(key: string): boolean {
    return this.items.some((i) => i.key === key);
  }

  next(): AgendaItem<Kind> | undefined {
    return this.items[0];
  }

  /** Removes and returns the earliest item if it is due. */
  takeDue(now: number): AgendaItem<Kind> | undefined {
    const first = this.items[0];
    if (!first || first.dueAt > now) return undefined;
    this.items.shift();
    return first;
  }

  list(): readonly AgendaItem<Kind>[] {
    return this.items;
  }
}

// Stable for equal times: items scheduled earlier for the same instant run first.
function byDueAt(a: AgendaItem, b: AgendaItem): number {
  return a.dueAt - b.dueAt;
}
