/**
 * The leakage ledger's vocabulary: every place a relationship or contract can lose revenue, the
 * lifecycle step where it happens, and the Revloop steps that win it back. Plain data, no zod:
 * workflows import it.
 */

export const leakKinds = {
  // home service
  missed_call: { step: 'inquiry', says: 'a call nobody answered' },
  unbooked_inquiry: { step: 'inquiry', says: 'an inquiry that needed chasing' },
  booking_cancelled: { step: 'booking', says: 'a booking cancelled' },
  no_show: { step: 'booking', says: 'nobody there for the appointment' },
  invoice_late: { step: 'invoice', says: 'an invoice issued later than the playbook promises' },
  invoice_overdue: { step: 'collections', says: 'an invoice past its due date' },
  payment_failed: { step: 'collections', says: 'a payment that failed' },
  review_not_requested: { step: 'review', says: 'a review request that could not be sent' },
  low_rating: { step: 'review', says: 'a low rating' },
  retention_outreach: { step: 'retention', says: 'a customer due for service again' },
  customer_idle: { step: 'reactivation', says: 'a customer gone quiet' },
  message_undeliverable: { step: 'messaging', says: 'a message that could not be delivered' },
  // B2B
  quote_expired: { step: 'quote', says: 'a quote that expired unsigned' },
  quote_rejected: { step: 'quote', says: 'a quote rejected in approval' },
  approval_escalated: { step: 'approval', says: 'an approval nobody decided in time' },
  invoice_held: { step: 'billing', says: 'an invoice held by a pre-bill check' },
  credit_note: { step: 'billing', says: 'money credited back' },
  rebill: { step: 'billing', says: 'an invoice that had to be billed again' },
  usage_late: { step: 'billing', says: 'usage reported after its period was invoiced' },
  contraction: { step: 'subscription', says: 'a contract amended down' },
  churn: { step: 'renewal', says: 'a contract that ended' },
} as const satisfies Record<string, { step: string; says: string }>;

export type LeakKind = keyof typeof leakKinds;
export const LEAK_KINDS = Object.keys(leakKinds) as LeakKind[];

/**
 * The Revloop steps credited with what they win back. A recovery with no Revloop step before it
 * (the customer called back on their own) is recovered with `recoveredBy: null`, and does not
 * count as recovered by Revloop.
 */
export const recoverySteps = [
  'text_back',
  'follow_up',
  'no_show_outreach',
  'reminder',
  'final_notice',
  'payment_retry',
  'service_recovery',
  'retention_outreach',
  'reactivation',
  'escalation',
  'pre_bill_check',
  'late_usage_billing',
] as const;
export type RecoveryStep = (typeof recoverySteps)[number];

/** open: still at stake; recovered: won back (wholly or partly); lost: leaked (wholly or partly). */
export type LeakStatus = 'open' | 'recovered' | 'lost';

/**
 * One ledger row, as a workflow step writes it: the whole row every time (an upsert that the
 * step's version orders), keyed by an id derived from its cause. Amounts are integer minor units
 * of `currency`; `estimated` marks a playbook figure (an average ticket) rather than money the
 * system knows (an invoice, a credit, MRR).
 */
export interface LeakRecord {
  id: string;
  kind: LeakKind;
  status: LeakStatus;
  occurredAt: string;
  currency: string;
  atStake: number;
  estimated: boolean;
  recovered: number;
  lost: number;
  recoveredBy: RecoveryStep | null;
  resolvedAt: string | null;
  /** The job, invoice or quote it concerns, when there is one. */
  ref: string | null;
  summary: string;
  /** The workflow where it happened: the link to its Temporal UI page. */
  workflowId: string;
  detail: Record<string, string | number | boolean>;
}
