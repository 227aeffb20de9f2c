import type { ContractEvent } from '../../domain/contracts/contract-events';
import { formatMoney } from '../../domain/money';
import { dispatchEvent, type EventHandlers } from '../lifecycle/handlers';

// How each contract event reads on the timeline: one line per type, a map the compiler keeps
// complete.

const describers: EventHandlers<ContractEvent, null, string> = {
  'contract.signed': (_, e) => `contract signed${e.signedBy ? ` by ${e.signedBy}` : ''}`,
  'contract.amended': (_, e) => `amendment of line ${e.lineId}`,
  'contract.renewed': (_, e) => `renewal agreed${e.term ? ` for ${e.term}` : ''}`,
  'contract.cancelled': (_, e) => `cancelled${e.reason ? `: ${e.reason}` : ''}`,
  'invoice.approved': (_, e) => `held invoice ${e.invoiceId} approved`,
  'payment.received': (_, e) => `payment of ${formatMoney(e.amount)} for ${e.invoiceId}`,
  'payment.failed': (_, e) => `payment for ${e.invoiceId} failed: ${e.reason}`,
  'invoice.disputed': (_, e) => `invoice ${e.invoiceId} disputed: ${e.reason}`,
  'invoice.dispute_resolved': (_, e) => `dispute on ${e.invoiceId} resolved`,
  'credit.issued': (_, e) => `credit of ${formatMoney(e.amount)} against ${e.invoiceId}: ${e.reason}`,
  'invoice.rebilled': (_, e) => `rebill of ${e.invoiceId}: ${e.reason}`,
};

export function describeContractEvent(event: ContractEvent): string {
  return dispatchEvent(describers, null, event);
}
