import type { LeakRecord } from '../domain/leakage';
import type { Money } from '../domain/money';
import type { InvoiceRecordStatus, JobStatus } from '../domain/statuses';
import type { UpsertCustomerInput } from './customers';
import type { MessageDraft } from './messages';
import type { Subject, TimelineEntryInput } from './timeline';

/** The customer read model a lifecycle keeps current for lists and reports. */
export interface CustomerSnapshot {
  stage: string;
  balanceDue: number;
  nextActionAt: string | null;
  lastActivityAt: string | null;
}

export interface JobRecord {
  jobId: string;
  customerId: string;
  service: string;
  status: JobStatus;
  scheduledAt: string;
  estimate?: Money | undefined;
  bookedAt: string;
  startedAt?: string | undefined;
  completedAt?: string | undefined;
  cancelledAt?: string | undefined;
}

export interface InvoiceLineRecord {
  description: string;
  quantity: number;
  unitAmount: number;
  amount: number;
  /** Contract invoices: the contract line billed and its service period. */
  lineRef?: string | undefined;
  periodStart?: string | undefined;
  periodEnd?: string | undefined;
}

export interface InvoiceRecord {
  invoiceId: string;
  jobId?: string | undefined;
  currency: string;
  total: number;
  balance: number;
  status: InvoiceRecordStatus;
  /** Absent on invoices; `credit_note` for credits (negative total). */
  kind?: 'invoice' | 'credit_note' | undefined;
  holdReason?: string | undefined;
  periodStart?: string | undefined;
  periodEnd?: string | undefined;
  collectionsStep?: string | undefined;
  issuedAt: string;
  dueAt: string;
  paidAt?: string | undefined;
  writtenOffAt?: string | undefined;
  disputedAt?: string | undefined;
  disputeReason?: string | undefined;
  /** The invoice's own workflow, for links from the API. */
  workflowId?: string | undefined;
  /** Written with the first record of the invoice; lines never change afterwards. */
  lines?: InvoiceLineRecord[];
}

export interface PaymentRecord {
  paymentId: string;
  invoiceId: string;
  status: 'received' | 'failed';
  amount?: number | undefined;
  currency?: string | undefined;
  method?: string | undefined;
  reason?: string | undefined;
  occurredAt: string;
}

export interface TaskRecord {
  taskId: string;
  kind: string;
  summary: string;
  dueAt?: string | undefined;
  createdAt: string;
}

/** The contract read model (lists, the usage endpoint's checks, reports). */
export interface ContractSnapshot {
  customerName: string;
  stage: string;
  currency: string;
  playbook: { id: string; version: number };
  usageMetrics: string[];
  termStart: string | null;
  termEnd: string | null;
  autoRenew: boolean;
  mrr: number;
  nextInvoiceAt: string | null;
}

export interface RevenueLineRecord {
  key: string;
  invoiceId: string;
  amount: number;
  method: 'ratable' | 'point';
  start: string;
  end: string;
  billedAt: string;
}

export interface ContractChangeRecord {
  id: string;
  kind: 'new' | 'expansion' | 'contraction' | 'renewal' | 'churn';
  mrrDelta: number;
  currency: string;
  occurredAt: string;
}

export interface PolicyExceptionRecord {
  id: string;
  kind: 'discount' | 'term';
  detail: string;
  approvedBy: string;
  occurredAt: string;
}

/** Everything one workflow step writes, in one transaction. */
export interface StepRecords extends Subject {
  /**
   * The step's number in its workflow, strictly increasing (the timeline sequence, carried across
   * continue-as-new): rows it updates keep the newest. Absent in writes from before it existed.
   */
  version?: number;
  entries: TimelineEntryInput[];
  /** A new relationship's customer record, written with its first step. */
  newCustomer?: UpsertCustomerInput;
  messages?: MessageDraft[];
  customer?: CustomerSnapshot;
  job?: JobRecord;
  invoice?: InvoiceRecord;
  payments?: PaymentRecord[];
  tasks?: TaskRecord[];
  contract?: ContractSnapshot;
  /** Several invoices (a held one and a credit note) in one step; `invoice` is the common single case. */
  invoices?: InvoiceRecord[];
  revenueLines?: RevenueLineRecord[];
  contractChanges?: ContractChangeRecord[];
  policyExceptions?: PolicyExceptionRecord[];
  /** Leakage ledger rows opened or resolved by the step, each written whole. */
  leaks?: LeakRecord[];
}
