import { patched } from '@temporalio/workflow';
import { addDuration } from '../../domain/durations';
import { causeOf } from '../agenda';
import type { CustomerAgendaKind } from '../definitions';
import type { AgendaHandlers, EventHandlers } from '../lifecycle/handlers';
import { patches } from '../lifecycle/versions';
import type { CustomerEvent } from '../../domain/customer-events';
import type { Relationship } from './relationship';
import { reengage } from './retention';

// Inquiry and speed to lead: an inquiry or missed call opens the chase (acknowledgement,
// text-back, follow-ups while unbooked), and an unbooked lead becomes lost.

export const inquiryEvents = {
  'inquiry.received': {
    describe: (e) => `inquiry by ${e.channel}${e.message ? `: ${e.message.slice(0, 80)}` : ''}`,
    apply: (r, event) => {
      reengage(r);
      openInquiry(r, event.channel);
      if (r.playbook.speedToLead.acknowledgeInquiry) {
        r.agenda.schedule({ key: 'inquiry.acknowledgement', kind: 'inquiry.acknowledgement', dueAt: Date.now(), summary: 'inquiry acknowledgement' });
      }
    },
  },
  'call.missed': {
    describe: (e) => `missed call from ${e.from}`,
    apply: (r, event) => {
      reengage(r);
      openInquiry(r, 'call');
      if (r.memory.inquiry) r.leaks.missedCall(event.eventId, event.from);
      // One text-back answers every missed call made before it goes out: a caller who tries
      // three times at night gets one message when quiet hours end, not three.
      if (patched(patches.onePendingTextBack) && r.agenda.list().some((i) => i.kind === 'missed_call.text_back')) {
        r.messenger.note('missed_call.repeated', `another missed call from ${event.from}; the text-back already waiting answers it`);
        return;
      }
      r.agenda.schedule({
        key: `missed_call.text_back:${event.eventId}`,
        kind: 'missed_call.text_back',
        dueAt: Date.now(),
        summary: `missed-call text-back (within ${r.playbook.speedToLead.missedCallTextBackWithin})`,
      });
    },
  },
} satisfies Partial<EventHandlers<CustomerEvent, Relationship>>;

export const inquiryAgenda = {
  'inquiry.acknowledgement': (r, item) => {
    if (!r.messenger.deferForQuietHours(item, r.scheduler)) r.messenger.send('inquiry.acknowledgement', {});
  },
  'missed_call.text_back': (r, item) => {
    if (r.messenger.deferForQuietHours(item, r.scheduler)) return;
    r.messenger.send('missed_call.text_back', {});
    r.leaks.textBackSent();
  },
  'inquiry.follow_up': (r, item) => {
    // Booked (or lost) in the meantime: the follow-up has nothing left to chase.
    if (!r.memory.inquiry || r.messenger.deferForQuietHours(item, r.scheduler)) return;
    r.messenger.send('inquiry.follow_up', {});
    r.memory.inquiry.followUpsSent = Number(item.data?.step ?? 0) + 1;
    r.leaks.followUpSent(causeOf(item), r.memory.inquiry.followUpsSent);
  },
  'inquiry.lost': (r, item) => {
    if (!r.memory.inquiry) return;
    closeInquiry(r);
    r.memory.lost = true;
    r.messenger.note('inquiry.lost', `inquiry never booked within ${r.playbook.inquiry.lostAfter}`);
    r.leaks.inquiryLost(causeOf(item), r.playbook.inquiry.lostAfter);
  },
} satisfies Partial<AgendaHandlers<CustomerAgendaKind, Relationship, void>>;

/**
 * An unbooked lead: follow-ups while it stays unbooked, then `lost`. A new inquiry from a
 * customer with a job already booked does not reopen the chase.
 */
function openInquiry(r: Relationship, channel: string): void {
  if (r.memory.jobs.some((j) => j.status === 'booked')) return;
  const now = Date.now();
  r.memory.inquiry = { openedAt: now, followUpsSent: 0 };
  r.agenda.cancelWhere((i) => i.kind === 'inquiry.follow_up' || i.kind === 'inquiry.lost');
  const followUps = r.playbook.inquiry.followUps;
  followUps.forEach((after, step) =>
    r.agenda.schedule({
      key: `inquiry.follow_up:${step}`,
      kind: 'inquiry.follow_up',
      dueAt: addDuration(now, after),
      summary: `inquiry follow-up ${step + 1}/${followUps.length}`,
      data: { step },
    }),
  );
  r.agenda.schedule({ key: 'inquiry.lost', kind: 'inquiry.lost', dueAt: addDuration(now, r.playbook.inquiry.lostAfter), summary: 'unbooked inquiry becomes lost' });
  r.messenger.note('inquiry.opened', `inquiry opened (${channel}); ${followUps.length} follow-up(s) while unbooked`);
}

/** A booking ends the chase. */
export function closeInquiry(r: Relationship): void {
  r.memory.inquiry = null;
  r.agenda.cancelWhere((i) => i.kind === 'inquiry.follow_up' || i.kind === 'inquiry.lost' || i.kind === 'inquiry.acknowledgement');
}
