import type { CustomerEvent } from '../../domain/customer-events';
import { invoiceIdForJob } from '../../domain/ids';
import { BELOW_ZERO, billsBelowZero } from '../../domain/invoice-lines';
import type { CustomerMemory } from '../definitions';

// Which events a relationship refuses before recording them, as a pure function of its memory,
// the events still waiting, and the time: a table test says what each refusal is for.

/** A slot this far in the past is still taken (a booking entered just after the visit began, clocks a little apart). */
export const PAST_SLOT_GRACE_MS = 5 * 60_000;

export interface Refusal {
  message: string;
  /** The event's field at fault, as the API's problem details name it. */
  field: string;
}

type Known = Pick<CustomerMemory, 'jobs' | 'closedJobIds' | 'invoices' | 'closedInvoiceIds'>;

/**
 * Why `event` cannot be applied, or null: it names a job or invoice this customer does not have
 * (or no longer has open), books the same job twice, is money in another currency, bills less than
 * nothing, or books a slot already past. Events `waiting` to be applied count as good as done.
 */
export function refusalOf(event: CustomerEvent, known: Known, waiting: readonly CustomerEvent[], currency: string, now: number): Refusal | null {
  const pending = (type: string, key: 'jobId' | 'invoiceId', id: string) => waiting.some((e) => e.type === type && (e as Record<string, unknown>)[key] === id);
  // A slot already past would send a confirmation for it and a no-show notice at once.
  if ((event.type === 'booking.requested' || event.type === 'booking.rescheduled') && Date.parse(event.scheduledAt) < now - PAST_SLOT_GRACE_MS) {
    return { message: `scheduledAt ${event.scheduledAt} is in the past; book a slot to come`, field: 'scheduledAt' };
  }
  switch (event.type) {
    case 'booking.requested':
      if (known.jobs.some((j) => j.jobId === event.jobId) || known.closedJobIds.includes(event.jobId) || pending('booking.requested', 'jobId', event.jobId)) {
        return { message: `job ${event.jobId} is already booked for this customer; use booking.rescheduled to move it`, field: 'jobId' };
      }
      if (event.estimate && event.estimate.currency !== currency) return { message: `the estimate must be in ${currency}`, field: 'estimate.currency' };
      return null;
    case 'booking.rescheduled':
    case 'booking.cancelled':
    case 'job.started':
    case 'job.completed': {
      const open = known.jobs.find((j) => j.jobId === event.jobId);
      if (!open && !pending('booking.requested', 'jobId', event.jobId)) {
        return {
          message: known.closedJobIds.includes(event.jobId) ? `job ${event.jobId} is already closed` : `this customer has no job ${event.jobId}; send booking.requested first`,
          field: 'jobId',
        };
      }
      if (event.type === 'job.completed') {
        const lineCurrency = event.lineItems[0]!.unitPrice.currency;
        if (lineCurrency !== currency) return { message: `line items must be in ${currency}, the customer's currency`, field: 'lineItems.0.unitPrice.currency' };
        if (billsBelowZero(event.lineItems)) return { message: BELOW_ZERO, field: 'lineItems' };
        const invoiceId = invoiceIdForJob(event);
        if (known.invoices.some((i) => i.invoiceId === invoiceId) || known.closedInvoiceIds.includes(invoiceId)) return { message: `invoice ${invoiceId} already exists`, field: 'invoiceId' };
      }
      return null;
    }
    case 'payment.received':
    case 'payment.failed':
    case 'invoice.disputed':
    case 'invoice.dispute_resolved': {
      const open = known.invoices.find((i) => i.invoiceId === event.invoiceId);
      const coming = waiting.some((e) => e.type === 'job.completed' && invoiceIdForJob(e) === event.invoiceId);
      if (!open && !coming) {
        return {
          message: known.closedInvoiceIds.includes(event.invoiceId) ? `invoice ${event.invoiceId} is already closed (paid or written off)` : `this customer has no invoice ${event.invoiceId}`,
          field: 'invoiceId',
        };
      }
      const invoiceCurrency = open?.total.currency ?? currency;
      if (event.type === 'payment.received' && event.amount.currency !== invoiceCurrency) {
        return { message: `the payment must be in ${invoiceCurrency}, the invoice's currency`, field: 'amount.currency' };
      }
      return null;
    }
    default:
      return null;
  }
}
