import { formatMoney, type Money } from '../domain/money';
import type { ChildNotice } from './definitions';
import type { Messenger } from './messenger';

/**
 * Cash on account: what a customer paid beyond an invoice's balance. Customers and contracts keep
 * it by the same rules: counted once, from the notice that reports the invoice paid, and handed to
 * the next invoice as a payment of at most what that invoice asks.
 */

type InvoiceNotice = Extract<ChildNotice, { kind: 'invoice' }>;

/** What a notice adds to the account: the overpayment, only on the notice that pays an invoice still open. */
export function overpaymentOnClose(notice: InvoiceNotice, wasOpen: boolean): Money | null {
  return wasOpen && notice.status === 'paid' && notice.overpaid && notice.overpaid.amount > 0 ? notice.overpaid : null;
}

/** How much of the account a new invoice asking `due` takes. */
export function creditFor(onAccount: number, due: number): number {
  return Math.min(onAccount, Math.max(0, due));
}

export function noteCreditAdded(messenger: Messenger, invoiceId: string, added: Money, nowOnAccount: Money): void {
  messenger.note('credit.added', `${formatMoney(added)} paid beyond invoice ${invoiceId} kept on account; ${formatMoney(nowOnAccount)} on account now`, {
    invoiceId,
    amount: added.amount,
  }, `paid:${invoiceId}`);
}
