/**
 * The other ways a worker may group a recorded history's events into workflow activations.
 *
 * Temporal's SDK core decides which events one activation carries from the history it has at
 * hand. A workflow task that applied something (an activity's result) and sent no command, right
 * before the workflow task of an Update, is a case where that decision differs (sdk-core #1606,
 * #1146): a worker that replays the run from scratch to run the Update treats the empty task as a
 * heartbeat and hands the workflow its events together with the Update, in one activation (the
 * Update first, as the SDK sorts them), while any later replay of the finished history hands them
 * over in two. Workflow code must send the same commands either way; if it does not, the next
 * worker to replay the run fails it with a nondeterminism error (chaos seed 1011391003: a contract
 * stuck for good).
 *
 * `mergedGroupings` turns each such empty task into the grouping the first worker saw: the task's
 * scheduled, started and completed events removed, so its events join the Update's task, and the
 * rest of the history renumbered. Replaying every variant proves the code is indifferent.
 */

interface JsonEvent {
  eventId: string;
  eventType: string;
  [attributes: string]: unknown;
}

export interface JsonHistory {
  events: JsonEvent[];
}

const type = (e: JsonEvent | undefined) => e?.eventType.replace(/^EVENT_TYPE_/, '');

/** An empty workflow task directly followed by a workflow task that accepted an Update. */
interface EmptyTaskBeforeUpdate {
  /** The empty task's started event. */
  mergedTask: number;
  /** What it handed the workflow (event types). */
  delivers: string[];
  /** Its scheduled, started and completed events. */
  eventIds: string[];
}

function emptyTasksBeforeUpdates(events: JsonEvent[]): EmptyTaskBeforeUpdate[] {
  const found: EmptyTaskBeforeUpdate[] = [];
  for (let i = 0; i + 2 < events.length; i++) {
    if (type(events[i]) !== 'WORKFLOW_TASK_STARTED' || type(events[i + 1]) !== 'WORKFLOW_TASK_COMPLETED' || type(events[i + 2]) !== 'WORKFLOW_TASK_SCHEDULED') continue;
    if (!acceptsUpdate(events, i + 2)) continue;
    const started = events[i]!;
    const scheduledId = String((started.workflowTaskStartedEventAttributes as { scheduledEventId: string }).scheduledEventId);
    // What the empty task handed the workflow: what happened since the task before it (its commands' events aside).
    let from = i - 1;
    while (from >= 0 && type(events[from]) !== 'WORKFLOW_TASK_COMPLETED') from--;
    const delivers = events.slice(from + 1, i).filter((e) => !isCommandEvent(e)).map((e) => type(e)!).filter((t) => !t.startsWith('WORKFLOW_TASK_'));
    found.push({ mergedTask: Number(started.eventId), delivers, eventIds: [scheduledId, started.eventId, events[i + 1]!.eventId] });
  }
  return found;
}

const without = (events: JsonEvent[], removed: Set<string>) => renumbered(events.filter((e) => !removed.has(e.eventId)));

/** One variant per empty workflow task directly followed by a workflow task that accepted an Update. */
export function mergedGroupings(history: JsonHistory): Array<{ mergedTask: number; delivers: string[]; history: JsonHistory }> {
  return emptyTasksBeforeUpdates(history.events).map(({ mergedTask, delivers, eventIds }) => ({ mergedTask, delivers, history: without(history.events, new Set(eventIds)) }));
}

/**
 * One variant with every such task merged at once, as a worker replaying the whole run from
 * scratch would group it; undefined when the history has none. A replay stops at the first
 * command that differs, so this finds the first grouping the code is not indifferent to at the
 * cost of one replay instead of one per task (the suite's check; `mergedGroupings` names each).
 */
export function everyTaskMerged(history: JsonHistory): { mergedTasks: number[]; history: JsonHistory } | undefined {
  const found = emptyTasksBeforeUpdates(history.events);
  if (!found.length) return undefined;
  return { mergedTasks: found.map((t) => t.mergedTask), history: without(history.events, new Set(found.flatMap((t) => t.eventIds))) };
}

/** An event a command of a workflow task recorded (it names the task's completion). */
function isCommandEvent(e: JsonEvent): boolean {
  return Object.values(e).some((v) => typeof v === 'object' && v !== null && 'workflowTaskCompletedEventId' in v);
}

/** Whether the workflow task scheduled at `at` is completed with an Update accepted after it. */
function acceptsUpdate(events: JsonEvent[], at: number): boolean {
  for (let j = at + 1; j < events.length; j++) {
    if (type(events[j]) === 'WORKFLOW_TASK_COMPLETED') return type(events[j + 1]) === 'WORKFLOW_EXECUTION_UPDATE_ACCEPTED';
  }
  return false;
}

/** Event ids 1..n again, and every reference to an event (`…EventId`) moved with it. */
function renumbered(events: JsonEvent[]): JsonHistory {
  const ids = new Map(events.map((e, index) => [e.eventId, String(index + 1)]));
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, key.endsWith('EventId') && typeof v === 'string' && ids.has(v) ? ids.get(v) : rewrite(v)]));
  };
  return { events: events.map((e) => ({ ...(rewrite(e) as JsonEvent), eventId: ids.get(e.eventId)! })) };
}
