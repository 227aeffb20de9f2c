import { getExternalWorkflowHandle, ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import { childStartAttributes } from '../lifecycle/visibility';
import type { CustomerEvent, CustomerEventOf, InvoiceEvent } from '../../domain/customer-events';
import { addDuration } from '../../domain/durations';
import { invoiceDueAt, priceLines } from '../../domain/invoice-lines';
import { formatMoney } from '../../domain/money';
import { invoiceEventSignal, invoiceTemplateKeys, type ChildNotice } from '../definitions';
import { messagingFor } from '../messenger';
import type { invoice } from '../invoice';
import { forwardToChild } from '../lifecycle/children';
import type { EventHandlers } from '../lifecycle/handlers';
import { creditFor, noteCreditAdded, overpaymentOnClose } from '../on-account';
import { invoiceWorkflowIdOf, newInvoiceWorkflowId } from './child-ids';
import type { Relationship } from './relationship';
import { RECENT_CLOSED } from './state';
import { skipReviewFor } from './reviews';

// Invoicing: a completed job's invoice workflow (collections, reminders, retries), payments and
// disputes forwarded to it, and the open invoices and cash on account its notices report.

export const invoiceEvents = {
  'invoice.disputed': {
    describe: (e) => `invoice ${e.invoiceId} disputed: ${e.reason}`,
    apply: (r, event) => {
      skipReviewFor(r, event.invoiceId, 'invoice disputed');
      return forwardToInvoice(r, event);
    },
  },
  'payment.received': { describe: (e) => `payment of ${formatMoney(e.amount)} for invoice ${e.invoiceId}`, apply: forwardToInvoice },
  'payment.failed': { describe: (e) => `payment failed for invoice ${e.invoiceId}: ${e.reason}`, apply: forwardToInvoice },
  'invoice.dispute_resolved': { describe: (e) => `dispute of invoice ${e.invoiceId} resolved${e.resolution ? `: ${e.resolution}` : ''}`, apply: forwardToInvoice },
} satisfies Partial<EventHandlers<CustomerEvent, Relationship>>;

/**
 * Starts the invoice of a job completed at `now`. The invoice workflow reports its own state;
 * until its first notice the relationship already knows what it will say.
 */
export async function invoiceCompletedJob(r: Relationship, event: CustomerEventOf<'job.completed'>, invoiceId: string, now: number): Promise<void> {
  const currency = event.lineItems[0]!.unitPrice.currency;
  const total = { amount: priceLines(event.lineItems).total, currency };
  const dueAt = invoiceDueAt(now, r.playbook.invoicing.netTerms);
  // Money on account (an earlier overpayment) pays what it can of the new invoice at once.
  const onAccount = r.memory.onAccount?.[currency] ?? 0;
  const openingCredit = creditFor(onAccount, total.amount);
  if (openingCredit > 0) r.memory.onAccount![currency] = onAccount - openingCredit;
  const balance = { amount: total.amount - openingCredit, currency };
  const doneAt = event.occurredAt ? Date.parse(event.occurredAt) : null;
  if (doneAt !== null && now > addDuration(doneAt, r.playbook.invoicing.issueWithin ?? 'P1D')) r.leaks.invoiceLate(invoiceId, total.amount, now - doneAt);
  const workflowId = newInvoiceWorkflowId(r, invoiceId);
  r.memory.invoices.push({ invoiceId, jobId: event.jobId, total, balance, status: balance.amount === 0 ? 'paid' : 'open', dueAt, nextAction: null, workflowId });
  await r.children.startOnce(() =>
    startChild<typeof invoice>('invoice', {
      workflowId,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Invoice ${invoiceId} · job ${event.jobId} for ${r.input.profile.name}`,
      staticDetails: `The invoice for job \`${event.jobId}\` of **${r.input.profile.name}** (customer \`${r.input.customerId}\` of tenant \`${r.input.tenantId}\`): issued, then the playbook's collections steps after it falls due, until it is paid, disputed or written off.`,
      ...childStartAttributes({ tenantId: r.input.tenantId, subjectId: r.input.customerId, playbook: `${r.input.playbook.id}@v${r.input.playbook.version}`, stage: 'open', balanceDue: balance.amount }),
      args: [
        {
          tenantId: r.input.tenantId,
          invoiceId,
          parentWorkflowId: workflowInfo().workflowId,
          jobId: event.jobId,
          lines: event.lineItems,
          currency,
          ...(openingCredit > 0 ? { openingCredit: { amount: openingCredit, currency } } : {}),
          collections: { netTerms: r.playbook.invoicing.netTerms, steps: r.playbook.collections.steps, paymentRetries: r.playbook.collections.paymentRetries },
          messaging: messagingFor(r.messagingContext(), invoiceTemplateKeys),
        },
      ],
    }),
  );
}

/** An invoice reports a change: the open list follows it, and an overpayment goes on account. */
export function onInvoiceNotice(r: Relationship, notice: Extract<ChildNotice, { kind: 'invoice' }>): void {
  const existing = r.memory.invoices.find((i) => i.invoiceId === notice.invoiceId);
  r.memory.invoices = r.memory.invoices.filter((i) => i.invoiceId !== notice.invoiceId);
  // `existing` is the open invoice; it is gone once the notice that pays it has been taken in.
  const overpaid = overpaymentOnClose(notice, existing !== undefined);
  if (overpaid) {
    const account = (r.memory.onAccount ??= {});
    account[overpaid.currency] = (account[overpaid.currency] ?? 0) + overpaid.amount;
    noteCreditAdded(r.messenger, notice.invoiceId, overpaid, { amount: account[overpaid.currency]!, currency: overpaid.currency });
  }
  if (notice.status === 'paid' || notice.status === 'written_off') {
    r.memory.closedInvoiceIds = [...r.memory.closedInvoiceIds.filter((id) => id !== notice.invoiceId), notice.invoiceId].slice(-RECENT_CLOSED);
    return;
  }
  r.memory.invoices.push({
    invoiceId: notice.invoiceId,
    ...(existing?.jobId ? { jobId: existing.jobId } : {}),
    total: notice.total,
    balance: notice.balance,
    status: notice.status,
    dueAt: notice.dueAt,
    nextAction: notice.nextAction,
    ...(existing?.workflowId ? { workflowId: existing.workflowId } : {}),
  });
}

function forwardToInvoice(r: Relationship, event: InvoiceEvent): Promise<void> {
  const workflowId = invoiceWorkflowIdOf(r, event.invoiceId);
  return forwardToChild(r.messenger, event, workflowId, () => getExternalWorkflowHandle(workflowId).signal(invoiceEventSignal, event));
}
