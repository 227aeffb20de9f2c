import { getExternalWorkflowHandle } from '@temporalio/workflow';
import type { CustomerEvent, CustomerEventOf } from '../../domain/customer-events';
import { contactPreferencesSignal } from '../definitions';
import type { EventHandlers } from '../lifecycle/handlers';
import { invoiceWorkflowIdOf, jobWorkflowIdOf } from './child-ids';
import type { Relationship } from './relationship';

// Contact preferences: opting out of (or back in to) a channel, for the relationship's own
// messages and, at once, for every open job and invoice that drafts messages of its own.

export const contactEvents = {
  'contact.opted_out': { describe: (e) => `opted out of ${e.channel}`, apply: changePreference },
  'contact.opted_in': { describe: (e) => `opted in to ${e.channel}`, apply: changePreference },
} satisfies Partial<EventHandlers<CustomerEvent, Relationship>>;

async function changePreference(r: Relationship, event: CustomerEventOf<'contact.opted_out' | 'contact.opted_in'>): Promise<void> {
  const channels = event.channel === 'all' ? (['sms', 'email', 'call'] as const) : [event.channel];
  const optOuts = new Set(r.memory.optOuts);
  for (const c of channels) {
    if (event.type === 'contact.opted_out') optOuts.add(c);
    else optOuts.delete(c);
  }
  r.memory.optOuts = [...optOuts].sort();
  r.messenger.setOptOuts(r.memory.optOuts);
  const children = [...r.memory.jobs.map((j) => jobWorkflowIdOf(r, j.jobId)), ...r.memory.invoices.map((i) => invoiceWorkflowIdOf(r, i.invoiceId))];
  for (const id of children) {
    try {
      await getExternalWorkflowHandle(id).signal(contactPreferencesSignal, { optOuts: r.memory.optOuts });
    } catch {
      // Closed since; nothing left for it to send.
    }
  }
}

/** Opting in or out is no activity: it neither wakes a quiet customer nor moves the idle clock. */
export function isActivity(event: CustomerEvent): boolean {
  return event.type !== 'contact.opted_out' && event.type !== 'contact.opted_in';
}
