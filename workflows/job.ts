import { setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { JobRecord } from '../activities/records';
import type { JobEvent } from '../domain/customer-events';
import { addDuration, humanizeMs } from '../domain/durations';
import { formatLocal } from '../domain/local-time';
import type { AgendaItem } from './agenda';
import {
  type ChildNotice,
  jobEventSignal,
  jobStateQuery,
  type JobStatus,
  type JobView,
  type JobTemplateKey,
  type JobWorkflowInput,
  type NextAction,
} from './definitions';
import { ChildWorkflow, registerChildHandlers, runUntilClosed } from './lifecycle/child-loop';
import { stepWrites, type StepWrites } from './lifecycle/versions';
import { ChildVisibility } from './lifecycle/visibility';

type JobAgendaKind = 'booking.reminder' | 'booking.no_show' | 'job.expire';

/** The job's one slot in the leakage ledger. */
const NO_SHOW_LEAK = 'no-show';

/** A no-show job stays open this long for a reschedule before it is closed. */
const NO_SHOW_EXPIRY = 'P30D';

/**
 * One booked job, from confirmation to completion: the confirmation at once, reminders before
 * the appointment, no-show outreach when nobody starts the job, and reminders that move with a
 * reschedule. Its parent, the customer workflow, forwards the job's events and hears back on every
 * change.
 */
export async function job(input: JobWorkflowInput): Promise<JobStatus> {
  const booking = new Booking(input, stepWrites());
  registerChildHandlers(booking, [jobEventSignal, 'Reschedule, cancel, start or complete, forwarded by the customer workflow'], [jobStateQuery, 'Status, slot and scheduled reminders']);
  return booking.run();
}

class Booking extends ChildWorkflow<JobEvent, JobAgendaKind, Extract<ChildNotice, { kind: 'job' }>, JobTemplateKey> {
  private status: JobStatus = 'booked';
  private scheduledAt: number;
  private readonly record: JobRecord;
  private readonly visibility = new ChildVisibility();

  constructor(
    private readonly input: JobWorkflowInput,
    writes: StepWrites,
  ) {
    // The no-show's row in the ledger is in the estimate's currency (or, with none, what a booking is worth).
    super({ prefix: `job:${input.jobId}/`, messaging: input.messaging, writes, currency: input.estimate?.currency ?? input.worth?.currency ?? 'USD', parentWorkflowId: input.parentWorkflowId });
    this.scheduledAt = Date.parse(input.scheduledAt);
    this.record = {
      jobId: input.jobId,
      customerId: input.customerId,
      service: input.service,
      status: 'booked',
      scheduledAt: input.scheduledAt,
      estimate: input.estimate,
      bookedAt: new Date().toISOString(),
    };
  }

  async run(): Promise<JobStatus> {
    this.messenger.cause = 'booked';
    if (this.input.booking.confirm) this.messenger.send('booking.confirmation', this.vars());
    this.scheduleAppointment();
    await runUntilClosed(this, `job ${this.input.jobId}`);
    return this.status;
  }

  closedAs(): string | null {
    return this.status === 'completed' || this.status === 'cancelled' || (this.status === 'no_show' && !this.scheduler.agenda.next()) ? this.status : null;
  }

  private vars(): Record<string, string> {
    return { service: this.input.service, scheduledAt: formatLocal(this.scheduledAt, this.input.messaging.recipient.timezone) };
  }

  /** Reminders before the slot (those still in the future) and the no-show watch after it. */
  private scheduleAppointment(): void {
    const agenda = this.scheduler.agenda;
    agenda.cancelWhere(() => true);
    const now = Date.now();
    const reminders = this.input.booking.remindersBefore;
    reminders.forEach((before, i) => {
      const dueAt = addDuration(this.scheduledAt, before, -1);
      if (dueAt > now) {
        agenda.schedule({ key: `reminder:${i}`, kind: 'booking.reminder', dueAt, summary: `booking reminder ${i + 1}/${reminders.length} (${before} before)` });
      }
    });
    agenda.schedule({
      key: 'no-show',
      kind: 'booking.no_show',
      dueAt: addDuration(this.scheduledAt, this.input.booking.noShowAfter),
      summary: `no-show check ${this.input.booking.noShowAfter} after the slot`,
    });
  }

  apply(event: JobEvent): void {
    const now = new Date().toISOString();
    switch (event.type) {
      case 'booking.rescheduled':
        this.scheduledAt = Date.parse(event.scheduledAt);
        this.record.scheduledAt = new Date(this.scheduledAt).toISOString();
        this.setStatus('booked');
        this.scheduleAppointment();
        this.messenger.send('booking.rescheduled', this.vars());
        this.ledger.recover(NO_SHOW_LEAK);
        return;
      case 'booking.cancelled':
        this.scheduler.agenda.cancelWhere(() => true);
        this.record.cancelledAt = now;
        this.ledger.lose(NO_SHOW_LEAK);
        this.setStatus('cancelled');
        this.messenger.send('booking.cancelled', this.vars());
        return;
      case 'job.started':
        this.scheduler.agenda.cancelWhere(() => true);
        this.record.startedAt = now;
        this.ledger.recover(NO_SHOW_LEAK);
        this.setStatus('in_progress');
        return;
      case 'job.completed':
        this.scheduler.agenda.cancelWhere(() => true);
        this.record.startedAt ??= now;
        this.record.completedAt = now;
        this.ledger.recover(NO_SHOW_LEAK);
        this.setStatus('completed');
        return;
    }
  }

  perform(item: AgendaItem<JobAgendaKind>): void {
    switch (item.kind) {
      case 'booking.reminder':
        if (this.status !== 'booked') return;
        if (this.messenger.deferForQuietHours(item, this.scheduler)) return;
        this.messenger.send('booking.reminder', this.vars());
        return;
      case 'booking.no_show':
        if (this.status !== 'booked') return;
        this.setStatus('no_show');
        this.messenger.note('job.no_show', `nobody started ${this.input.service} by ${this.input.booking.noShowAfter} after the slot`, { jobId: this.input.jobId });
        this.messenger.send('booking.no_show', this.vars());
        this.ledger.open('no_show', {
          slot: NO_SHOW_LEAK,
          cause: `no-show@${new Date(this.scheduledAt).toISOString()}`,
          atStake: (this.input.estimate ?? this.input.worth)?.amount ?? 0,
          estimated: true,
          ref: this.input.jobId,
          summary: `no-show for ${this.input.service} (job ${this.input.jobId})`,
          detail: { jobId: this.input.jobId, service: this.input.service },
        });
        this.ledger.note(NO_SHOW_LEAK, {}, 'no_show_outreach');
        this.scheduler.agenda.schedule({ key: 'expire', kind: 'job.expire', dueAt: addDuration(Date.now(), NO_SHOW_EXPIRY), summary: 'close the no-show job unless rescheduled' });
        return;
      case 'job.expire':
        // Leaving the agenda empty while no_show closes the job.
        this.ledger.lose(NO_SHOW_LEAK);
        return;
    }
  }

  private setStatus(status: JobStatus): void {
    if (this.status === status) return;
    this.messenger.note(`job.${status}`, `job ${this.input.jobId} (${this.input.service}) ${this.status} → ${status}`, { jobId: this.input.jobId, from: this.status, to: status });
    this.status = status;
    this.record.status = status;
  }

  private nextAction(): NextAction | null {
    return this.scheduler.nextActions(`job ${this.input.jobId}: `)[0] ?? null;
  }

  /** Writes the job and its messages, tells the customer workflow, updates the UI's details. */
  async publish(): Promise<void> {
    const notice = { kind: 'job' as const, jobId: this.input.jobId, status: this.status, scheduledAt: new Date(this.scheduledAt).toISOString(), nextAction: this.nextAction() };
    if (this.messenger.hasPending() || this.parent.isNews(notice)) await this.messenger.flush({ job: { ...this.record } });
    await this.parent.tell(notice);
    const next = this.scheduler.agenda.next();
    this.visibility.publish(this.status, next?.dueAt ?? null);
    setCurrentDetails(
      [
        `Job **${this.input.jobId}** · ${this.input.service} for ${this.input.messaging.recipient.name}`,
        `Status **${this.status}** · slot ${new Date(this.scheduledAt).toISOString()} (${formatLocal(this.scheduledAt, this.input.messaging.recipient.timezone)} local)`,
        next ? `Waiting for the job to start, or ${next.summary} in ${humanizeMs(next.dueAt - Date.now())}.` : 'Nothing scheduled.',
        `Customer workflow: \`${this.input.parentWorkflowId}\` · run ${workflowInfo().runId.slice(0, 8)}`,
      ].join('\n\n'),
    );
  }

  view(): JobView {
    return {
      jobId: this.input.jobId,
      service: this.input.service,
      status: this.status,
      scheduledAt: new Date(this.scheduledAt).toISOString(),
      nextActions: this.scheduler.nextActions(),
    };
  }
}
