import { ApplicationFailure } from '@temporalio/workflow';
import type { ContractEvent } from '../../domain/contracts/contract-events';
import type { AgendaItem } from '../agenda';
import type { ContractAgendaKind } from '../contract-definitions';
import { UpdateRefusal } from '../definitions';
import { describeEvent, dispatchEvent, dispatchItem, type AgendaHandlers, type EventHandlers } from '../lifecycle/handlers';
import { formatMoney } from '../../domain/money';
import { amendmentEvents } from './amendments';
import { approvalAgenda } from './approvals';
import { billingAgenda } from './billing';
import { creditEvents } from './credits';
import { isoNow, type Deal } from './deal';
import { forwardToInvoice, invoiceWorkflowIdOf, release } from './issuing';
import { refusalOf } from './refusals';
import { termAgenda, termEvents } from './term';
import { walletAgenda, walletEvents } from './wallet';

// Events in and who handles what: the update's validator (refusals.ts decides), each event
// applied once in its handler, and every event type and agenda kind routed to the concern that
// owns it, by maps the compiler keeps complete.

/** Queues an invoice event for the loop, which forwards it to the invoice's workflow. */
function toInvoice(d: Deal, event: ContractEvent & { invoiceId: string }): void {
  d.defer(() => forwardToInvoice(d, event.invoiceId, event));
}

const collectionEvents = {
  'invoice.approved': {
    describe: (e) => `held invoice ${e.invoiceId} approved`,
    apply: (d, event) => {
      d.releasing.add(event.invoiceId);
      d.defer(() => release(d, event.invoiceId, event.approvedBy ?? 'an approver'));
    },
  },
  // Payments and disputes belong to the invoice's own workflow.
  'payment.received': { describe: (e) => `payment of ${formatMoney(e.amount)} for ${e.invoiceId}`, apply: toInvoice },
  'payment.failed': { describe: (e) => `payment for ${e.invoiceId} failed: ${e.reason}`, apply: toInvoice },
  'invoice.disputed': { describe: (e) => `invoice ${e.invoiceId} disputed: ${e.reason}`, apply: toInvoice },
  'invoice.dispute_resolved': { describe: (e) => `dispute on ${e.invoiceId} resolved`, apply: toInvoice },
} satisfies Partial<EventHandlers<ContractEvent, Deal, void>>;

const onEvent: EventHandlers<ContractEvent, Deal, void> = { ...termEvents, ...amendmentEvents, ...creditEvents, ...walletEvents, ...collectionEvents };

const onDue: AgendaHandlers<ContractAgendaKind, Deal> = { ...approvalAgenda, ...billingAgenda, ...termAgenda, ...walletAgenda };

/** Refuses, before anything is recorded, an event the contract cannot take. It must not change state. */
export function validate(d: Deal, event: ContractEvent): void {
  // A redelivery is answered as the duplicate it is, whatever has happened since.
  if (d.intake.has(event.eventId)) return;
  const refusal = refusalOf(event, {
    memory: d.memory,
    currency: d.input.currency,
    autoRenewUpliftPercent: d.playbook.renewal.autoRenewUpliftPercent,
    releasing: d.releasing,
    collecting: (invoiceId) => d.children.has(invoiceWorkflowIdOf(d, invoiceId)),
    now: isoNow(),
  });
  if (!refusal) return;
  if (refusal.kind === 'conflict') throw ApplicationFailure.create({ type: UpdateRefusal.conflict, message: refusal.message, nonRetryable: true });
  throw ApplicationFailure.create({ type: UpdateRefusal.invalidReference, message: refusal.message, details: [refusal.field], nonRetryable: true });
}

/** Applies an event once, in its update handler, under its own cause; what must await is deferred to the loop. */
export function receive(d: Deal, event: ContractEvent) {
  if (d.intake.has(event.eventId)) return { eventId: event.eventId, accepted: true as const, duplicate: true };
  d.intake.remember(event.eventId);
  d.memory.eventsApplied += 1;
  d.causedBy(event.eventId, () => {
    d.messenger.event(event.eventId, event.type, describeEvent(onEvent, event), event as unknown as Record<string, unknown>);
    dispatchEvent(onEvent, d, event);
  });
  d.changed = true;
  return { eventId: event.eventId, accepted: true as const, duplicate: false };
}

/** Acts on an agenda item that came due. */
export function performItem(d: Deal, item: AgendaItem<ContractAgendaKind>): void | Promise<void> {
  return dispatchItem(onDue, d, item);
}
