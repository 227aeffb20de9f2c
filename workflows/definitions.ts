import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CustomerEvent } from '../domain/customer-events';
import type { Money } from '../domain/money';
import type { ResolvedPlaybook } from '../playbooks/schema';
import type { AgendaItem } from './agenda';

/**
 * The messages the API and the customer workflow exchange, defined once: the API never spells a
 * signal, query or update name as a string.
 */

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

export interface CustomerProfile {
  name: string;
  phone?: string;
  email?: string;
  /** IANA time zone for quiet hours and seasons. */
  timezone: string;
}

export interface CustomerWorkflowInput {
  tenantId: string;
  customerId: string;
  profile: CustomerProfile;
  /** Resolved before the start and pinned for the run; a newer version is adopted at continue-as-new. */
  playbook: ResolvedPlaybook;
  /** Present on continue-as-new: everything the relationship remembers, in plain JSON. */
  memory?: CustomerMemory;
}

/** Lifecycle events that carry no reference needing validation arrive as this signal. */
export const customerEventSignal = defineSignal<[CustomerEvent]>('customerEvent');

/** Events that reference a job or invoice arrive as this update, whose validator rejects unknown references. */
export const customerEventUpdate = defineUpdate<{ eventId: string; accepted: true }, [CustomerEvent]>('customerEvent');

export const customerStateQuery = defineQuery<CustomerView>('state');

export type CustomerAgendaKind =
  | 'inquiry.acknowledgement'
  | 'inquiry.follow_up'
  | 'inquiry.lost'
  | 'missed_call.text_back';

/** The compact state carried across continue-as-new. */
export interface CustomerMemory {
  stage: CustomerStage;
  stageSince: number;
  createdAt: number;
  lastActivityAt: number | null;
  /** Running sequence of timeline entries for this customer, across runs. */
  seq: number;
  eventsApplied: number;
  /** Continue-as-new count, for ops and for tests that prove history stays bounded. */
  runs: number;
  /** Recently applied event ids: the cheap first line of deduplication. PostgreSQL holds the rest. */
  recentEventIds: string[];
  optOuts: Array<'sms' | 'email' | 'call'>;
  inquiry: { openedAt: number; followUpsSent: number } | null;
  agenda: AgendaItem<CustomerAgendaKind>[];
  /** Events received but not yet applied when the run continued as new. */
  inbox: CustomerEvent[];
}

export interface NextAction {
  kind: string;
  dueAt: string;
  summary: string;
}

/** What `GET /v1/customers/{id}` shows: the workflow's live state. */
export interface CustomerView {
  tenantId: string;
  customerId: string;
  name: string;
  timezone: string;
  stage: CustomerStage;
  stageSince: string;
  playbook: { id: string; version: number };
  openJobs: unknown[];
  openInvoices: unknown[];
  balanceDue: Money;
  nextActions: NextAction[];
  /** The open, unbooked inquiry the follow-ups chase, if any. */
  inquiry: { openedAt: string; followUpsSent: number } | null;
  lastActivityAt: string | null;
  optOuts: string[];
  eventsApplied: number;
  /** The last event ids the workflow took in, newest last: "did my event arrive?" */
  recentEventIds: string[];
  /** Events received but not yet applied (the workflow is busy recording earlier ones). */
  pendingEvents: number;
  runs: number;
}
