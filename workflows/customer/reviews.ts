import { patched } from '@temporalio/workflow';
import type { CustomerEvent } from '../../domain/customer-events';
import { addDuration } from '../../domain/durations';
import type { CustomerAgendaKind } from '../definitions';
import type { AgendaHandlers, EventHandlers } from '../lifecycle/handlers';
import { patches } from '../lifecycle/versions';
import type { Relationship } from './relationship';

// Reviews: the request after a completed job (skipped for a disputed invoice), its window, and
// what a rating leads to: service recovery when low, the ask to say it in public when good.

export const reviewEvents = {
  'review.submitted': {
    describe: (e) => `review ${e.rating}/5${e.platform ? ` on ${e.platform}` : ''}`,
    apply: (r, event) => {
      r.memory.review = null;
      r.agenda.cancelWhere((i) => i.kind === 'review.window_closed');
      // Reviewed already: asking for it would be noise. A review naming no job answers every pending request.
      if (patched(patches.noRequestAfterReview)) r.agenda.cancelWhere((i) => i.kind === 'review.request' && (!event.jobId || i.data?.jobId === event.jobId));
      if (event.rating <= r.playbook.review.serviceRecoveryAtOrBelow) {
        const summary = `service recovery: ${r.input.profile.name} rated ${event.rating}/5${event.comment ? ` — "${event.comment.slice(0, 120)}"` : ''}`;
        r.tasks.push({ taskId: `task:${event.eventId}`, kind: 'service_recovery', summary, dueAt: new Date(addDuration(Date.now(), 'P1D')).toISOString(), createdAt: new Date().toISOString() });
        r.messenger.note('task.created', summary, { kind: 'service_recovery', rating: event.rating });
        r.leaks.lowRating(event.eventId, event.rating, event.jobId, r.memory.lastService?.service);
        return;
      }
      // A good private rating earns the ask to say it in public, unless it already is public.
      if (!event.platform) r.messenger.send('review.public_push', { rating: String(event.rating) });
    },
  },
} satisfies Partial<EventHandlers<CustomerEvent, Relationship>>;

export const reviewAgenda = {
  'review.request': (r, item) => {
    const invoiceId = String(item.data?.invoiceId);
    if (r.memory.invoices.some((i) => i.invoiceId === invoiceId && i.status === 'disputed')) {
      r.messenger.note('review.skipped', `review request for job ${item.data?.jobId} skipped: invoice disputed`);
      r.leaks.reviewNotRequested(String(item.data?.jobId), 'invoice disputed');
      return;
    }
    if (r.messenger.deferForQuietHours(item, r.scheduler)) return;
    if (r.messenger.suppresses('review.request')) r.leaks.reviewNotRequested(String(item.data?.jobId), 'the customer opted out');
    r.messenger.send('review.request', { service: String(item.data?.service ?? 'service') });
    r.memory.review = { jobId: String(item.data?.jobId), requestedAt: Date.now() };
    r.agenda.schedule({ key: 'review.window_closed', kind: 'review.window_closed', dueAt: addDuration(Date.now(), r.playbook.review.windowAfterRequest), summary: 'review request expires' });
  },
  'review.window_closed': (r) => {
    r.memory.review = null;
  },
} satisfies Partial<AgendaHandlers<CustomerAgendaKind, Relationship, void>>;

/** The review request for a job completed at `now`. */
export function scheduleReviewRequest(r: Relationship, job: { jobId: string; invoiceId: string; service: string }, now: number): void {
  r.agenda.schedule({
    key: `review.request:${job.jobId}`,
    kind: 'review.request',
    dueAt: addDuration(now, r.playbook.review.requestAfter),
    summary: `review request for ${job.service}`,
    data: { jobId: job.jobId, invoiceId: job.invoiceId, service: job.service },
  });
}

/** A disputed invoice means no review request for its job: asking now would only make it worse. */
export function skipReviewFor(r: Relationship, invoiceId: string, reason: string): void {
  const skipped = r.agenda.cancelWhere((i) => i.kind === 'review.request' && i.data?.invoiceId === invoiceId);
  for (const item of skipped) {
    r.messenger.note('review.skipped', `review request for job ${item.data?.jobId} skipped: ${reason}`, { jobId: item.data?.jobId });
    r.leaks.reviewNotRequested(String(item.data?.jobId), reason);
  }
}
