import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { PeriodUsage, UsagePeriod } from '../activities/usage';
import type { InvoiceLineRecord } from '../activities/records';
import type { Period } from '../domain/billing/periods';
import type { QuoteLine } from '../domain/billing/quote-line';
import type { ApprovalDecisionInput, ContractEvent } from '../domain/contracts/contract-events';
import type { Money } from '../domain/money';
import type { Wallet } from '../domain/billing/wallet';
import type { B2BPlaybook } from '../playbooks/b2b-schema';
import type { ResolvedPlaybook } from '../playbooks/schema';
import type { AgendaItem } from './agenda';
import type { InvoiceRecordStatus } from '../domain/statuses';
import type { NextAction } from './definitions';
import type { OpenLeak } from './lifecycle/leak-ledger';

/**
 * What the API and the `contract` workflow exchange: one contract from quote to renewal and
 * beyond, id `contract:{tenant}:{contractId}`.
 */

export const contractStages = ['pending_approval', 'approved', 'rejected', 'expired', 'active', 'cancelling', 'churned'] as const;
export type ContractStage = (typeof contractStages)[number];

/** Signed and not yet ended: the stages that bill, take usage and events, and carry MRR. */
export const liveContractStages: readonly ContractStage[] = ['active', 'cancelling'];

export interface ContractCustomer {
  name: string;
  email?: string;
  phone?: string;
  timezone: string;
}

export interface ContractWorkflowInput {
  tenantId: string;
  contractId: string;
  customer: ContractCustomer;
  currency: string;
  lines: QuoteLine[];
  term: string;
  /** ISO instant the (first) term starts. */
  start: string;
  autoRenew: boolean;
  renewalNotice?: string;
  playbook: ResolvedPlaybook<B2BPlaybook>;
  /** Continue as new once the run's history reaches this many events (default 10,000). */
  historyLimit?: number;
  /** Present on continue-as-new. */
  memory?: ContractMemory;
}

export type ContractAgendaKind = 'quote.expire' | 'approval.escalate' | 'billing' | 'renewal.notice' | 'term.end' | 'winback' | 'wallet.expire';

export interface ApprovalState {
  key: 'discount' | 'term';
  role: string;
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  requestedAt: string;
  escalations: number;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
}

/** A contract line and where its billing stands in the current term. */
export interface ContractLine {
  line: QuoteLine;
  /** Index (into the term's billing periods) of the next period to invoice. */
  nextPeriod: number;
  /** Arrears lines: full-period prices since the start of the open period, for day-weighted blending. */
  segments: Array<{ from: string; amount: number }>;
  /** Earlier invoiced amounts and usage, newest last: the trailing average anomaly checks compare to. */
  recentAmounts: number[];
  recentUsage: number[];
}

/** How an invoice line earns revenue, before it has a key and an issue date. */
export type RevenueSpec = { kind: 'subscription'; servicePeriod: Period } | { kind: 'usage'; usagePeriod: Period } | { kind: 'one_time'; deliveredAt: string };
export type PendingRevenue = RevenueSpec & { amount: number; lineNo: number };

export interface ContractInvoice {
  invoiceId: string;
  kind: 'invoice' | 'credit_note';
  status: InvoiceRecordStatus;
  total: Money;
  balance: Money;
  issuedAt: string;
  dueAt: string | null;
  holdReason?: string;
  /** While held: what will be issued on `invoice.approved`, and what it will mean for revenue. */
  lines?: InvoiceLineRecord[];
  revenue?: PendingRevenue[];
  period?: { start: string; end: string };
  /** Once issued: the invoice's workflow (absent in runs from before it was remembered: the tenant-wide id then). */
  workflowId?: string;
  /** Paid wallet credit that pays it at issue (drawn when it was drawn up). */
  walletPaid?: number;
  /** Once issued: what each contract line was billed, for a rebill. */
  billed?: Array<{ lineId: string; description: string; amount: number; period: { start: string; end: string } }>;
}

/** Everything the contract remembers, in plain JSON, carried across continue-as-new. */
export interface ContractMemory {
  createdAt: string;
  stage: ContractStage;
  stageSince: string;
  seq: number;
  runs: number;
  eventsApplied: number;
  recentEventIds: string[];
  approvals: ApprovalState[];
  signedAt: string | null;
  /** The current term; null until signed. */
  term: { index: number; start: string; end: string; duration: string } | null;
  lines: ContractLine[];
  oneTimeBilled: string[];
  cancelled: { at: string; reason: string | null } | null;
  /** An explicit `contract.renewed` for the coming term. */
  renewal: { term: string; upliftPercent: number } | null;
  invoiceSeq: number;
  creditSeq: number;
  /** Open, held and recent invoices and credit notes; paid and written-off ones drop off. */
  invoices: ContractInvoice[];
  /** Credit not yet applied to an invoice, minor units. */
  accountCredit: number;
  /**
   * Cash paid beyond an invoice's balance, minor units: unlike credit (a revenue reduction) it is
   * the customer's money, applied as a payment to the next invoice. Absent in older runs.
   */
  onAccount?: number;
  firstInvoiceIssued: boolean;
  agenda: AgendaItem<ContractAgendaKind>[];
  /** Leakage ledger rows still open (an escalated approval, a held invoice, a churn awaiting win-back). Absent in older runs. */
  leaks?: OpenLeak[];
  /** Prepaid credit, money and units (`domain/billing/wallet.ts`). Absent until the first grant. */
  wallet?: Wallet;
}

export interface ContractView {
  tenantId: string;
  contractId: string;
  customer: ContractCustomer;
  stage: ContractStage;
  stageSince: string;
  playbook: { id: string; version: number };
  currency: string;
  approvals: ApprovalState[];
  approvalsPending: ApprovalState[];
  term: { index: number; start: string; end: string; duration: string } | null;
  autoRenew: boolean;
  cancelled: { at: string; reason: string | null } | null;
  renewalDate: string | null;
  currentPeriods: Array<{ lineId: string; start: string; end: string }>;
  nextInvoiceAt: string | null;
  mrr: Money;
  accountCredit: Money;
  /** Cash paid beyond invoices, applied as a payment to the next one. */
  onAccount: Money;
  invoices: ContractInvoice[];
  balanceDue: Money;
  /** Prepaid credit left: money (free and paid, less overdraft) and units by metric; null before the first grant. */
  wallet: { balance: Money; paid: Money; free: Money; overdrawn: Money; units: Record<string, number>; grants: WalletGrantView[] } | null;
  nextActions: NextAction[];
  eventsApplied: number;
  recentEventIds: string[];
  /** True while the contract is writing a step or acting; false while it waits. */
  busy: boolean;
  runs: number;
}

/** A wallet grant as the contract shows it: what was granted and what is left, money in minor units. */
export interface WalletGrantView {
  grantId: string;
  kind: 'money' | 'units';
  metric?: string;
  granted: number;
  remaining: number;
  paid: boolean;
  priority: number;
  grantedAt: string;
  expiresAt: string | null;
  reason?: string;
}

export const contractStateQuery = defineQuery<ContractView>('state');

/** The usage the next invoice will rate, for the caller to measure so far (`measurePeriod`) and hand to `upcomingInvoice`. */
export interface UpcomingUsage {
  /** When the next invoice is issued; null when none is coming (not signed, or ended). */
  at: string | null;
  needs: Array<{ key: string; lineId: string; request: UsagePeriod }>;
}
export const upcomingUsageQuery = defineQuery<UpcomingUsage>('upcomingUsage');

/** The next invoice as it stands, from usage measured so far: the same plan the contract issues at `at`. */
export interface UpcomingInvoice {
  at: string;
  period: { start: string; end: string } | null;
  lines: InvoiceLineRecord[];
  subtotal: Money;
  /** Credit notes kept as account credit, deducted on the invoice. */
  accountCreditApplied: Money;
  /** What the lines come to below zero: the customer's as account credit, for the next invoice (the total is then zero). */
  carriedToAccountCredit: Money;
  total: Money;
  /** Paid prepaid credit (top-ups) that pays part of it at issue (the invoice still bills its total). */
  paidFromWallet: Money;
  /** Cash already on account that pays part of it at issue. */
  paidFromAccount: Money;
  amountDue: Money;
  /** Why it would be held for review at issue, if it would. */
  hold: string | null;
  /** Late usage on an adjustment invoice issued beside it (playbook `billing.lateUsageOn`), or null. */
  adjustment: Omit<UpcomingInvoice, 'at' | 'adjustment'> | null;
}
export const upcomingInvoiceQuery = defineQuery<UpcomingInvoice | null, [Array<{ key: string; usage: PeriodUsage }>]>('upcomingInvoice');

/** Every contract event goes through this update: its validator refuses what does not fit the contract's state. */
export const contractEventUpdate = defineUpdate<{ eventId: string; accepted: true; duplicate: boolean }, [ContractEvent]>('contractEvent');

export type ApprovalDecision = ApprovalDecisionInput & { decisionId: string };
export const approvalDecisionUpdate = defineUpdate<{ status: ContractStage; approvalsPending: ApprovalState[] }, [ApprovalDecision]>('approvalDecision');
