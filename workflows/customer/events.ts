import type { CustomerEvent } from '../../domain/customer-events';
import type { CustomerAgendaKind } from '../definitions';
import { describeEvent, dispatchEvent, dispatchItem, type AgendaHandlers, type EventHandlers } from '../lifecycle/handlers';
import type { AgendaItem } from '../agenda';
import { contactEvents, isActivity } from './contact';
import { inquiryAgenda, inquiryEvents } from './inquiry';
import { invoiceEvents } from './invoicing';
import { jobEvents } from './jobs';
import type { Relationship } from './relationship';
import { retentionAgenda, scheduleReactivation } from './retention';
import { reviewAgenda, reviewEvents } from './reviews';

// Who handles what: every customer event type (how it reads, what it does) and agenda kind,
// routed to the concern that owns it; complete by type, so a type without a handler does not build.

const onEvent: EventHandlers<CustomerEvent, Relationship> = { ...inquiryEvents, ...jobEvents, ...invoiceEvents, ...reviewEvents, ...contactEvents };

const onDue: AgendaHandlers<CustomerAgendaKind, Relationship, void> = { ...inquiryAgenda, ...reviewAgenda, ...retentionAgenda };

/** Applies one event: any activity restarts the idle clock, then the concern that owns the type acts. */
export async function applyEvent(r: Relationship, event: CustomerEvent): Promise<void> {
  r.memory.eventsApplied += 1;
  if (isActivity(event)) {
    r.memory.lastActivityAt = Date.now();
    scheduleReactivation(r);
  }
  await dispatchEvent(onEvent, r, event);
}

/** How `event` reads on the timeline. */
export function describeCustomerEvent(event: CustomerEvent): string {
  return describeEvent(onEvent, event);
}

/** Acts on an agenda item that came due. */
export function performItem(r: Relationship, item: AgendaItem<CustomerAgendaKind>): void {
  dispatchItem(onDue, r, item);
}
