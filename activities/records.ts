import type { Money } from '../domain/money';
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
  status: 'booked' | 'in_progress' | 'no_show' | 'completed' | 'cancelled';
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
}

export interface InvoiceRecord {
  invoiceId: string;
  jobId?: string | undefined;
  currency: string;
  total: number;
  balance: number;
  status: 'open' | 'in_collections' | 'disputed' | 'paid' | 'written_off';
  collectionsStep?: string | undefined;
  issuedAt: string;
  dueAt: string;
  paidAt?: string | undefined;
  writtenOffAt?: string | undefined;
  disputedAt?: string | undefined;
  disputeReason?: string | undefined;
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

/** Everything one workflow step writes, in one transaction. */
export interface StepRecords extends Subject {
  entries: TimelineEntryInput[];
  messages?: MessageDraft[];
  customer?: CustomerSnapshot;
  job?: JobRecord;
  invoice?: InvoiceRecord;
  payments?: PaymentRecord[];
  tasks?: TaskRecord[];
}
