import { getExternalWorkflowHandle, ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import { childStartAttributes } from '../lifecycle/visibility';
import { formatLocal } from '../../domain/local-time';
import type { CustomerEvent, JobEvent } from '../../domain/customer-events';
import { invoiceIdForJob } from '../../domain/ids';
import { jobEventSignal, jobTemplateKeys, type ChildNotice, type OpenJob } from '../definitions';
import { messagingFor } from '../messenger';
import type { job } from '../job';
import { forwardToChild } from '../lifecycle/children';
import type { EventHandlers } from '../lifecycle/handlers';
import { jobWorkflowIdOf, newJobWorkflowId } from './child-ids';
import { closeInquiry } from './inquiry';
import { invoiceCompletedJob } from './invoicing';
import type { Relationship } from './relationship';
import { RECENT_CLOSED } from './state';
import { reconcileSeasonalOutreach, reengage, scheduleAfterService } from './retention';
import { scheduleReviewRequest } from './reviews';

// Jobs: a booking starts a job workflow (reminders, no-shows); reschedules, starts, cancellations
// and completions go to it; a completed job is invoiced and sets off its review and outreach.

export const jobEvents = {
  'booking.requested': {
    describe: (e) => `booking requested: ${e.service} at ${e.scheduledAt} (job ${e.jobId})`,
    apply: async (r, event) => {
      reengage(r);
      closeInquiry(r);
      r.leaks.booked(event.estimate?.amount);
      const workflowId = newJobWorkflowId(r, event.jobId);
      r.memory.jobs.push({ jobId: event.jobId, service: event.service, scheduledAt: new Date(event.scheduledAt).toISOString(), status: 'booked', nextAction: null, workflowId });
      await r.children.startOnce(() =>
        startChild<typeof job>('job', {
          workflowId,
          parentClosePolicy: ParentClosePolicy.ABANDON,
          staticSummary: `Job ${event.jobId} · ${event.service} for ${r.input.profile.name}`,
          staticDetails: `A **${event.service}** job booked by **${r.input.profile.name}** (customer \`${r.input.customerId}\` of tenant \`${r.input.tenantId}\`), slot ${formatLocal(Date.parse(event.scheduledAt), r.input.profile.timezone)} local. Reminders before the slot and a no-show check after it; started, completed, rescheduled or cancelled by events the customer workflow forwards.`,
          ...childStartAttributes({ tenantId: r.input.tenantId, subjectId: r.input.customerId, playbook: `${r.input.playbook.id}@v${r.input.playbook.version}`, stage: 'booked' }),
          args: [
            {
              tenantId: r.input.tenantId,
              customerId: r.input.customerId,
              jobId: event.jobId,
              parentWorkflowId: workflowInfo().workflowId,
              service: event.service,
              scheduledAt: event.scheduledAt,
              ...(event.estimate ? { estimate: event.estimate } : {}),
              booking: r.playbook.booking,
              messaging: messagingFor(r.messagingContext(), jobTemplateKeys),
              worth: { amount: r.leaks.worth(event.service), currency: r.playbook.currency },
            },
          ],
        }),
      );
    },
  },
  'booking.rescheduled': {
    describe: (e) => `job ${e.jobId} rescheduled to ${e.scheduledAt}`,
    apply: (r, event) => {
      updateJob(r, event.jobId, { status: 'booked', scheduledAt: new Date(event.scheduledAt).toISOString() });
      return forwardToJob(r, jobWorkflowIdOf(r, event.jobId), event);
    },
  },
  'job.started': {
    describe: (e) => `job ${e.jobId} started`,
    apply: (r, event) => {
      updateJob(r, event.jobId, { status: 'in_progress' });
      return forwardToJob(r, jobWorkflowIdOf(r, event.jobId), event);
    },
  },
  'booking.cancelled': {
    describe: (e) => `job ${e.jobId} cancelled${e.reason ? `: ${e.reason}` : ''}`,
    apply: (r, event) => {
      const target = jobWorkflowIdOf(r, event.jobId);
      const cancelled = closeJob(r, event.jobId);
      r.leaks.cancelled(event.eventId, event.jobId, cancelled?.service ?? 'service');
      return forwardToJob(r, target, event);
    },
  },
  'job.completed': {
    describe: (e) => `job ${e.jobId} completed with ${e.lineItems.length} line item(s)`,
    apply: async (r, event) => {
      const target = jobWorkflowIdOf(r, event.jobId);
      const service = closeJob(r, event.jobId)?.service ?? 'service';
      await forwardToJob(r, target, event);
      const now = Date.now();
      const firstJob = r.memory.completedJobs === 0;
      r.memory.completedJobs += 1;
      r.memory.lastService = { jobId: event.jobId, service, completedAt: now };
      const invoiceId = invoiceIdForJob(event);
      // Invoice the same minute the job is done; ask for the review and plan the outreach from then.
      await invoiceCompletedJob(r, event, invoiceId, now);
      scheduleReviewRequest(r, { jobId: event.jobId, invoiceId, service }, now);
      scheduleAfterService(r, now);
      if (firstJob) reconcileSeasonalOutreach(r);
    },
  },
} satisfies Partial<EventHandlers<CustomerEvent, Relationship>>;

/**
 * The relationship applies booked, started, completed and cancelled itself, as the events come
 * in. The job only knows what its own timers decide: a no-show, and when it gives up.
 */
export function onJobNotice(r: Relationship, notice: Extract<ChildNotice, { kind: 'job' }>): void {
  const open = r.memory.jobs.find((j) => j.jobId === notice.jobId);
  if (!open) return;
  if (notice.status === 'no_show' && notice.nextAction === null) {
    closeJob(r, notice.jobId);
    return;
  }
  const noShow = notice.status === 'no_show' && open.status === 'booked' && open.scheduledAt === notice.scheduledAt;
  updateJob(r, notice.jobId, { nextAction: notice.nextAction, ...(noShow ? { status: 'no_show' as const } : {}) });
}

function updateJob(r: Relationship, jobId: string, change: Partial<OpenJob>): void {
  r.memory.jobs = r.memory.jobs.map((j) => (j.jobId === jobId ? { ...j, ...change } : j));
}

/** Takes the job off the open list, remembering its id for late events; returns what it was. */
function closeJob(r: Relationship, jobId: string): OpenJob | undefined {
  const open = r.memory.jobs.find((j) => j.jobId === jobId);
  r.memory.jobs = r.memory.jobs.filter((j) => j.jobId !== jobId);
  r.memory.closedJobIds = [...r.memory.closedJobIds.filter((id) => id !== jobId), jobId].slice(-RECENT_CLOSED);
  return open;
}

function forwardToJob(r: Relationship, workflowId: string, event: JobEvent): Promise<void> {
  return forwardToChild(r.messenger, event, workflowId, () => getExternalWorkflowHandle(workflowId).signal(jobEventSignal, event));
}
