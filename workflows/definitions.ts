import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CustomerEvent, InvoiceEvent, JobEvent, LineItem } from '../domain/customer-events';
import type { CustomerProfile } from '../domain/customer-profile';
import type { Money } from '../domain/money';
import type { InvoiceStatus, JobStatus } from '../domain/statuses';
import type { HomeServicePlaybook, ResolvedPlaybook } from '../playbooks/schema';
import type { AgendaItem, NextAction } from './agenda';
import type { MessagingContext } from './messenger';
import type { InvoiceLineRecord } from '../activities/records';
import type { OpenLeak } from './lifecycle/leak-ledger';

/**
 * The messages the API and the lifecycle workflows exchange, defined once: no caller spells a
 * signal, query or update name as a string.
 */

// ── customer ─────────────────────────────────────────────────────────────────────────────────

export const customerStages = [
  'inquiry',
  'booking',
  'job',
  'invoice',
  'collections',
  'review',
  'retention',
  'renewal',
  'reactivation',
  'dormant',
  'lost',
] as const;
export type CustomerStage = (typeof customerStages)[number];

export type { CustomerProfile } from '../domain/customer-profile';

export interface CustomerWorkflowInput {
  tenantId: string;
  customerId: string;
  profile: CustomerProfile;
  /** Resolved before the start and pinned for the run; a newer version is adopted at continue-as-new. */
  playbook: ResolvedPlaybook;
  /** Continue as new once the run's history reaches this many events (default 10,000), or when Temporal suggests it. */
  historyLimit?: number;
  /** Present on continue-as-new: everything the relationship remembers, in plain JSON. */
  memory?: CustomerMemory;
}

/** Lifecycle events that carry no reference needing validation arrive as this signal. */
export const customerEventSignal = defineSignal<[CustomerEvent]>('customerEvent');

/** Events that name a job or invoice arrive as this update, whose validator rejects an unknown reference. */
export const customerEventUpdate = defineUpdate<EventReceipt, [CustomerEvent]>('customerEvent');

/** What a lifecycle answers an event Update: accepted, and whether it had the event already (nothing changed then). */
export interface EventReceipt {
  eventId: string;
  accepted: true;
  /** Absent in answers recorded before it existed. */
  duplicate?: boolean;
}

export const customerStateQuery = defineQuery<CustomerView>('state');

export type CustomerAgendaKind =
  | 'inquiry.acknowledgement'
  | 'inquiry.follow_up'
  | 'inquiry.lost'
  | 'missed_call.text_back'
  | 'review.request'
  | 'review.window_closed'
  | 'retention.seasonal'
  | 'retention.after_service'
  | 'reactivation.start'
  | 'reactivation.message'
  | 'reactivation.dormant';

export interface OpenJob {
  jobId: string;
  service: string;
  scheduledAt: string;
  status: JobStatus;
  nextAction: NextAction | null;
  /** The job's workflow; absent for jobs opened before ids belonged to their customer (the tenant-wide id then). */
  workflowId?: string;
}

export interface OpenInvoice {
  invoiceId: string;
  jobId?: string;
  total: Money;
  balance: Money;
  status: InvoiceStatus;
  dueAt: string;
  nextAction: NextAction | null;
  /** The invoice's workflow; absent for invoices opened before ids belonged to their customer. */
  workflowId?: string;
}

/** The compact state carried across continue-as-new. */
export interface CustomerMemory {
  createdAt: number;
  stageSince: number;
  stage: CustomerStage;
  lastActivityAt: number | null;
  /** Running sequence of this workflow's timeline entries, across runs. */
  seq: number;
  eventsApplied: number;
  /** Continue-as-new count, for ops and for tests that prove history stays bounded. */
  runs: number;
  /** Recently applied event ids: the cheap first line of deduplication. PostgreSQL holds the rest. */
  recentEventIds: string[];
  optOuts: Array<'sms' | 'email' | 'call'>;
  inquiry: { openedAt: number; followUpsSent: number } | null;
  /** The last inquiry went unbooked. */
  lost: boolean;
  jobs: OpenJob[];
  invoices: OpenInvoice[];
  /** Recently closed job and invoice ids, so late events about them get a clear answer. */
  closedJobIds: string[];
  closedInvoiceIds: string[];
  completedJobs: number;
  lastService: { jobId: string; service: string; completedAt: number } | null;
  /** A review request sent and not yet answered. */
  review: { jobId: string; requestedAt: number } | null;
  reactivation: { step: number; startedAt: number } | null;
  dormant: boolean;
  agenda: AgendaItem<CustomerAgendaKind>[];
  /** Events received but not yet applied when the run continued as new. */
  inbox: CustomerEvent[];
  /**
   * Money on account by currency (minor units): what the customer paid beyond an invoice's
   * balance, applied as a payment to the next invoice. Absent in runs from before it existed.
   */
  onAccount?: Record<string, number>;
  /** Leakage ledger rows still open (a lead, a cancelled booking, a quiet customer). Absent in older runs. */
  leaks?: OpenLeak[];
}

export type { NextAction } from './agenda';

/** What `GET /v1/customers/{id}` shows: the workflow's live state. */
export interface CustomerView {
  tenantId: string;
  customerId: string;
  name: string;
  timezone: string;
  stage: CustomerStage;
  stageSince: string;
  playbook: { id: string; version: number };
  openJobs: OpenJob[];
  openInvoices: OpenInvoice[];
  balanceDue: Money;
  /** Cash on account (paid beyond an invoice), one entry per currency, applied to the next invoice as a payment. */
  onAccount: Money[];
  /** The workflow's own agenda and its jobs' and invoices' next steps, soonest first. */
  nextActions: NextAction[];
  /** The open, unbooked inquiry the follow-ups chase, if any. */
  inquiry: { openedAt: string; followUpsSent: number } | null;
  completedJobs: number;
  lastActivityAt: string | null;
  optOuts: string[];
  eventsApplied: number;
  /** The last event ids the workflow took in, newest last: "did my event arrive?" */
  recentEventIds: string[];
  /** Events received but not yet applied (the workflow is busy recording earlier ones). */
  pendingEvents: number;
  /** True while the workflow is applying events or acting; false while it waits. */
  busy: boolean;
  runs: number;
}

// ── children: job and invoice ────────────────────────────────────────────────────────────────

export type { InvoiceStatus, JobStatus } from '../domain/statuses';

/** What a job or invoice workflow tells the workflow that started it, on every change. */
export type ChildNotice =
  | { kind: 'job'; jobId: string; status: JobStatus; scheduledAt: string; nextAction: NextAction | null }
  | {
      kind: 'invoice';
      invoiceId: string;
      status: InvoiceStatus;
      total: Money;
      balance: Money;
      dueAt: string;
      nextAction: NextAction | null;
      /** Paid beyond the balance, when anything was: the parent keeps it on account. */
      overpaid?: Money;
    };

export const childNoticeSignal = defineSignal<[ChildNotice]>('childNotice');

/** Opt-outs changed: children drafting marketing messages must know at once. */
export const contactPreferencesSignal = defineSignal<[{ optOuts: MessagingContext['optOuts'] }]>('contactPreferences');

/** The messages a job's workflow sends: its input carries these templates and no others. */
export const jobTemplateKeys = ['booking.confirmation', 'booking.rescheduled', 'booking.cancelled', 'booking.reminder', 'booking.no_show'] as const;
export type JobTemplateKey = (typeof jobTemplateKeys)[number];

/** The messages an invoice's workflow sends (home-service and contract invoices alike). */
export const invoiceTemplateKeys = ['invoice.issued', 'collections.reminder', 'collections.final_notice', 'collections.payment_failed'] as const;
export type InvoiceTemplateKey = (typeof invoiceTemplateKeys)[number];

export interface JobWorkflowInput {
  tenantId: string;
  customerId: string;
  jobId: string;
  /** The workflow to notify (by id, so it reaches whichever run is current). */
  parentWorkflowId: string;
  service: string;
  scheduledAt: string;
  estimate?: Money;
  booking: HomeServicePlaybook['booking'];
  /** Runs started before 2026-12 carry every template of the playbook; later ones only the job's. */
  messaging: MessagingContext<JobTemplateKey>;
  /** What the job is worth to the leakage ledger when it has no estimate: the playbook's average ticket for it. */
  worth?: Money;
}

export const jobEventSignal = defineSignal<[JobEvent]>('jobEvent');

export interface JobView {
  jobId: string;
  service: string;
  status: JobStatus;
  scheduledAt: string;
  nextActions: NextAction[];
}
export const jobStateQuery = defineQuery<JobView>('state');

/** How an invoice is collected; from a home-service playbook or (later) a contract's. */
export interface CollectionsPolicy {
  /** Due date = issue date + this; `P0D` is due on receipt. */
  netTerms: string;
  /** Measured from the due date. */
  steps: Array<{ after: string; action: 'reminder' | 'final_notice' | 'write_off' }>;
  /** Retry outreach after `payment.failed`, measured from the failure. */
  paymentRetries: string[];
}

export interface InvoiceWorkflowInput {
  tenantId: string;
  invoiceId: string;
  parentWorkflowId: string;
  jobId?: string;
  lines: LineItem[];
  /** Lines already priced by the caller (a contract's tiers, prorations and usage); `lines` is then ignored. */
  pricedLines?: InvoiceLineRecord[];
  /** The service period billed, for contract invoices. */
  period?: { start: string; end: string };
  /** Money the customer already has on account (an earlier overpayment), applied as a payment when the invoice is issued. */
  openingCredit?: Money;
  currency: string;
  collections: CollectionsPolicy;
  messaging: MessagingContext<InvoiceTemplateKey>;
}

export const invoiceEventSignal = defineSignal<[InvoiceEvent]>('invoiceEvent');

export interface InvoiceView {
  invoiceId: string;
  status: InvoiceStatus;
  total: Money;
  balance: Money;
  issuedAt: string;
  dueAt: string;
  collectionsStep: string | null;
  nextActions: NextAction[];
}
export const invoiceStateQuery = defineQuery<InvoiceView>('state');

/**
 * Why a lifecycle's Update validator refused an event, as the failure type the API maps to an
 * HTTP status. The strings are part of recorded histories: never rename them.
 */
export const UpdateRefusal = {
  /** The lifecycle's state does not allow this now (409). */
  conflict: 'ContractConflict',
  /** The event names something the lifecycle does not have; the field is the failure's detail (422). */
  invalidReference: 'InvalidReference',
} as const;
