/**
 * The status vocabularies of jobs, invoices and messages, written once: the schema's columns, the
 * step records the activities write and the workflows' own state all read them from here.
 */
export const jobStatuses = ['booked', 'in_progress', 'no_show', 'completed', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** What an invoice workflow moves through. */
export const invoiceLifecycleStatuses = ['open', 'in_collections', 'disputed', 'paid', 'written_off'] as const;
export type InvoiceStatus = (typeof invoiceLifecycleStatuses)[number];

/** What an invoice row can say: the workflow's statuses, a contract's held invoice, an issued credit note. */
export const invoiceRecordStatuses = ['held', ...invoiceLifecycleStatuses, 'issued'] as const;
export type InvoiceRecordStatus = (typeof invoiceRecordStatuses)[number];

export const messageStatuses = ['recorded', 'pending', 'delivered', 'failed', 'suppressed'] as const;
export type MessageStatus = (typeof messageStatuses)[number];
