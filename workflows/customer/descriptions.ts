import type { CustomerEvent } from '../../domain/customer-events';
import { formatMoney } from '../../domain/money';
import { dispatchEvent, type EventHandlers } from '../lifecycle/handlers';

// How each customer event reads on the timeline: one line per type, a map the compiler keeps
// complete.

const describers: EventHandlers<CustomerEvent, null, string> = {
  'inquiry.received': (_, e) => `inquiry by ${e.channel}${e.message ? `: ${e.message.slice(0, 80)}` : ''}`,
  'call.missed': (_, e) => `missed call from ${e.from}`,
  'booking.requested': (_, e) => `booking requested: ${e.service} at ${e.scheduledAt} (job ${e.jobId})`,
  'booking.rescheduled': (_, e) => `job ${e.jobId} rescheduled to ${e.scheduledAt}`,
  'booking.cancelled': (_, e) => `job ${e.jobId} cancelled${e.reason ? `: ${e.reason}` : ''}`,
  'job.started': (_, e) => `job ${e.jobId} started`,
  'job.completed': (_, e) => `job ${e.jobId} completed with ${e.lineItems.length} line item(s)`,
  'payment.received': (_, e) => `payment of ${formatMoney(e.amount)} for invoice ${e.invoiceId}`,
  'payment.failed': (_, e) => `payment failed for invoice ${e.invoiceId}: ${e.reason}`,
  'invoice.disputed': (_, e) => `invoice ${e.invoiceId} disputed: ${e.reason}`,
  'invoice.dispute_resolved': (_, e) => `dispute of invoice ${e.invoiceId} resolved${e.resolution ? `: ${e.resolution}` : ''}`,
  'review.submitted': (_, e) => `review ${e.rating}/5${e.platform ? ` on ${e.platform}` : ''}`,
  'contact.opted_out': (_, e) => `opted out of ${e.channel}`,
  'contact.opted_in': (_, e) => `opted in to ${e.channel}`,
};

export function describeEvent(event: CustomerEvent): string {
  return dispatchEvent(describers, null, event);
}
