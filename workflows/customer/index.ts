import { setHandler } from '@temporalio/workflow';
import {
  childNoticeSignal,
  customerEventSignal,
  customerEventUpdate,
  customerStateQuery,
  type CustomerWorkflowInput,
} from '../definitions';
import { stepWrites } from '../lifecycle/versions';
import { continueAsNewRun, shouldContinueAsNew } from './continue-as-new';
import { performItem } from './events';
import { applyInboxLegacy, applyPending, validate } from './intake';
import { onInvoiceNotice } from './invoicing';
import { onJobNotice } from './jobs';
import { publish, recordCreation } from './publishing';
import { Relationship } from './relationship';
import { reconcileSeasonalOutreach, scheduleReactivation } from './retention';
import { view } from './view';

// The customer workflow: handlers that only queue, and the loop that applies, acts and writes.
// Each concern (inquiry, jobs, invoicing, reviews, retention, contact) lives in its own module.

/**
 * One customer relationship, for as long as the business has the customer: inquiry, booking,
 * job, invoice, collections, review, retention, reactivation, and round again. Events arrive as a
 * signal (or, when they name a job or invoice, an update that validates the reference). Bookings
 * and invoices run as child workflows so several can be in flight; the relationship's own timers
 * wait in an agenda; continue-as-new keeps the history small while it runs for years.
 */
export async function customer(input: CustomerWorkflowInput): Promise<void> {
  const r = new Relationship(input, stepWrites());
  setHandler(customerEventSignal, (event) => void r.intake.receive(event), { description: 'A lifecycle event (inquiry, missed call, review, opt-out…), applied once per eventId' });
  setHandler(
    customerEventUpdate,
    (event) => ({ eventId: event.eventId, accepted: true as const, duplicate: r.intake.receive(event) === 'duplicate' }),
    { validator: (event) => validate(r, event), description: 'A lifecycle event naming a job or invoice; refused if the customer has no such open job or invoice' },
  );
  setHandler(
    childNoticeSignal,
    (notice) => {
      r.changed = true;
      if (notice.kind === 'job') onJobNotice(r, notice);
      else onInvoiceNotice(r, notice);
    },
    { description: 'A job or invoice workflow reports a change' },
  );
  setHandler(customerStateQuery, () => view(r), { description: 'Live state: stage, open jobs and invoices, balance, next actions' });

  if (!input.memory) await recordCreation(r);
  scheduleReactivation(r);
  reconcileSeasonalOutreach(r);
  for (;;) {
    await publish(r);
    if (r.intake.pending.length === 0 && shouldContinueAsNew(r)) await continueAsNewRun(r, customer);
    r.busy = false;
    await r.scheduler.wait(() => r.intake.pending.length > 0 || r.changed);
    r.busy = true;
    r.changed = false;
    if (r.writes === 'committed') await applyPending(r);
    else if (r.intake.pending.length > 0) await applyInboxLegacy(r);
    for (const item of r.scheduler.takeDue()) {
      r.messenger.causedBy(item);
      performItem(r, item);
      r.trackStage();
    }
  }
}
