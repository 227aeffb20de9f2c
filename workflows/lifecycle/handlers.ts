import type { AgendaItem } from '../agenda';

/**
 * How a lifecycle routes what happens to it: one handler per event type and one per agenda kind,
 * as maps the compiler checks for completeness (a new event type without a handler does not build).
 */

/** What a lifecycle does with one event type: how it reads on the timeline, and applying it. */
export interface EventHandler<S, E, R> {
  describe(event: E): string;
  apply(state: S, event: E): R;
}

/** Event type → its handler, each given the event narrowed to its own type. */
export type EventHandlers<E extends { type: string }, S, R = void | Promise<void>> = { [T in E['type']]: EventHandler<S, Extract<E, { type: T }>, R> };

/** Agenda kind → what the lifecycle does when such an item comes due. */
export type AgendaHandlers<K extends string, S, R = void | Promise<void>> = { [Kind in K]: (state: S, item: AgendaItem<K>) => R };

function handlerOf<E extends { type: string }, S, R>(handlers: EventHandlers<E, S, R>, event: E): EventHandler<S, E, R> {
  return handlers[event.type as E['type']] as unknown as EventHandler<S, E, R>;
}

/** Hands `event` to the handler of its type. */
export function dispatchEvent<E extends { type: string }, S, R>(handlers: EventHandlers<E, S, R>, state: S, event: E): R {
  return handlerOf(handlers, event).apply(state, event);
}

/** The timeline's line for `event`, as the handler of its type words it. */
export function describeEvent<E extends { type: string }, S, R>(handlers: EventHandlers<E, S, R>, event: E): string {
  return handlerOf(handlers, event).describe(event);
}

/** Hands a due agenda item to the handler of its kind. */
export function dispatchItem<K extends string, S, R>(handlers: AgendaHandlers<K, S, R>, state: S, item: AgendaItem<K>): R {
  return handlers[item.kind](state, item);
}
