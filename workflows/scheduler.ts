import { CancellationScope, condition, isCancellation, sleep } from '@temporalio/workflow';
import { humanizeMs } from '../domain/durations';
import { Agenda, type AgendaItem, type NextAction } from './agenda';

/**
 * An agenda plus the one timer that waits for its earliest item. The timer outlives a wait: an
 * event that leaves the earliest due time unchanged neither cancels nor restarts it, which keeps
 * two history events per event out of histories that run for years. Workflow code only.
 */
export class Scheduler<Kind extends string> {
  readonly agenda: Agenda<Kind>;
  private timer: { dueAt: number; fired: boolean; scope: CancellationScope } | undefined;

  constructor(items: readonly AgendaItem<Kind>[] = []) {
    this.agenda = new Agenda(items);
  }

  /** Returns when `ready()` holds or the earliest agenda item is due. */
  async wait(ready: () => boolean): Promise<void> {
    if (ready()) return;
    const next = this.agenda.next();
    if (!next) {
      this.cancelTimer();
      await condition(ready);
      return;
    }
    const wait = next.dueAt - Date.now();
    if (wait <= 0) return;
    if (this.timer?.dueAt !== next.dueAt) {
      this.cancelTimer();
      const scope = new CancellationScope();
      const timer = { dueAt: next.dueAt, fired: false, scope };
      scope
        .run(() => sleep(wait, { summary: `${next.summary} in ${humanizeMs(wait)}` }))
        .then(
          () => void (timer.fired = true),
          (error) => {
            if (!isCancellation(error)) throw error;
          },
        );
      this.timer = timer;
    }
    const timer = this.timer!;
    await condition(() => ready() || timer.fired);
    if (timer.fired) this.timer = undefined;
  }

  /** Every item due by now, earliest first, removed from the agenda. */
  takeDue(): AgendaItem<Kind>[] {
    const due: AgendaItem<Kind>[] = [];
    for (let item = this.agenda.takeDue(Date.now()); item; item = this.agenda.takeDue(Date.now())) due.push(item);
    return due;
  }

  /** The agenda as ops and parents see it, soonest first; `label` says whose action it is. */
  nextActions(label = ''): NextAction[] {
    return this.agenda.list().map((i) => ({ kind: i.kind, dueAt: new Date(i.dueAt).toISOString(), summary: `${label}${i.summary}` }));
  }

  cancelTimer(): void {
    if (this.timer && !this.timer.fired) this.timer.scope.cancel();
    this.timer = undefined;
  }
}
