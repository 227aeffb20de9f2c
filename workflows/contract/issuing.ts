import { getExternalWorkflowHandle, ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import { childStartAttributes } from '../lifecycle/visibility';
import type { InvoiceLineRecord, RevenueLineRecord } from '../../activities/records';
import { holdReason } from '../../domain/billing/anomaly';
import { useFreeMoney, usePaidMoney, walletPays } from '../../domain/billing/wallet';
import { revenueLineFor, type BilledLine } from '../../domain/billing/recognition';
import type { ContractEvent } from '../../domain/contracts/contract-events';
import { invoiceWorkflowId, legacyChildWorkflowIds } from '../../domain/ids';
import { invoiceDueAt } from '../../domain/invoice-lines';
import { formatMoney } from '../../domain/money';
import type { ContractInvoice, ContractMemory } from '../contract-definitions';
import type { B2BPlaybook } from '../../playbooks/b2b-schema';
import { invoiceEventSignal, invoiceTemplateKeys, type ChildNotice } from '../definitions';
import { messagingFor } from '../messenger';
import type { invoice } from '../invoice';
import { forwardToChild } from '../lifecycle/children';
import { creditFor, noteCreditAdded, overpaymentOnClose } from '../on-account';
import { isoNow, type Deal } from './deal';
import { lowBalanceCheck } from './wallet';
import type { Draft } from './drafts';

// Issuing: account credit and the pre-bill check on a drawn-up invoice, holding it for review or
// issuing it, release of a held one, the invoice workflow that collects it, and its notices.

/** Applies account credit, runs the pre-bill checks, and issues the invoice or holds it. */
export async function issueDraft(d: Deal, draft: Draft): Promise<void> {
  const figures = invoiceFigures(d.memory, d.playbook, d.input.currency, draft, draft.walletAt ?? Date.now(), { carryBelowZero: d.carryBelowZero });
  const { creditApplied: applied, total, hold } = figures;
  // Free prepaid credit lowers the usage it pays for: a line, and revenue less by as much.
  for (const line of walletLines(figures.freeCredit)) {
    draft.lines.push(line);
    draft.revenue.push({ kind: 'usage', usagePeriod: draft.period ?? { start: isoNow(), end: isoNow() }, amount: line.amount, lineNo: draft.lines.length });
  }
  if (applied > 0) {
    d.memory.accountCredit -= applied;
    draft.lines.push(creditLine(applied));
  }
  if (figures.wallet) d.memory.wallet = figures.wallet;
  d.memory.invoiceSeq += 1;
  const invoiceId = `${d.input.contractId}.${String(d.memory.invoiceSeq).padStart(4, '0')}`;
  if (figures.carried > 0) {
    d.memory.accountCredit += figures.carried;
    draft.lines.push(carryLine(figures.carried));
    d.messenger.note('credit.carried', `invoice ${invoiceId} came to ${formatMoney(d.money(-figures.carried))}: carried to account credit, for the next invoice`, { invoiceId, amount: figures.carried });
  }
  for (const c of draft.checked) {
    const line = d.memory.lines.find((l) => l.line.lineId === c.lineId)!;
    line.recentAmounts = [...line.recentAmounts, c.amount].slice(-d.playbook.billing.anomaly.trailingInvoices);
    if (c.usage !== null) line.recentUsage = [...line.recentUsage, c.usage].slice(-d.playbook.billing.anomaly.trailingInvoices);
  }
  const record: ContractInvoice = {
    invoiceId,
    kind: 'invoice',
    status: hold ? 'held' : 'open',
    total: d.money(total),
    balance: d.money(total),
    issuedAt: isoNow(),
    dueAt: null,
    lines: draft.lines,
    revenue: draft.revenue,
    ...(draft.period ? { period: draft.period } : {}),
    ...(hold ? { holdReason: hold } : {}),
    ...(figures.walletPaid > 0 ? { walletPaid: figures.walletPaid } : {}),
  };
  if (figures.freeCredit.length || figures.walletPaid > 0) {
    d.messenger.note('credit.used', `prepaid credit pays ${formatMoney(d.money(figures.freeCredit.reduce((sum, f) => sum + f.amount, 0) + figures.walletPaid))} of invoice ${invoiceId}'s usage`, { invoiceId, free: figures.freeCredit, paid: figures.walletPaid });
    lowBalanceCheck(d);
  }
  d.memory.invoices.push(record);
  d.memory.firstInvoiceIssued = true;
  if (hold) {
    d.messenger.note('invoice.held', `invoice ${invoiceId} for ${formatMoney(d.money(total))} held for review: ${hold}`, { invoiceId, reason: hold });
    d.leaks.invoiceHeld(invoiceId, total, hold);
    d.tasks.push({ taskId: `task:review:${invoiceId}`, kind: 'invoice_review', summary: `Review held invoice ${invoiceId}: ${hold}`, createdAt: isoNow() });
    (d.step.invoices ??= []).push({
      invoiceId,
      currency: d.input.currency,
      total,
      balance: total,
      status: 'held',
      holdReason: hold,
      issuedAt: record.issuedAt,
      dueAt: record.issuedAt,
      lines: draft.lines,
      ...(draft.period ? { periodStart: draft.period.start, periodEnd: draft.period.end } : {}),
    });
    return;
  }
  await issue(d, record);
}

/**
 * What a drawn-up invoice comes to, as a pure function of the memory before it is issued: its
 * subtotal, the account credit it uses, its total, what below zero it carries to account credit,
 * and why it would be held for a person, if it would. Issuing and the upcoming-invoice preview
 * both use it.
 */
export function invoiceFigures(
  m: Pick<ContractMemory, 'accountCredit' | 'lines' | 'firstInvoiceIssued' | 'wallet'>,
  playbook: B2BPlaybook,
  currency: string,
  draft: Draft,
  at: number,
  opts: { carryBelowZero: boolean },
) {
  const subtotal = draft.lines.reduce((sum, l) => sum + l.amount, 0);
  const lines = draft.checked.map((c) => {
    const line = m.lines.find((l) => l.line.lineId === c.lineId)!;
    return { ...c, recentAmounts: line.recentAmounts, recentUsage: line.recentUsage };
  });
  const hold = draft.skipChecks ? null : holdReason({ currency, subtotal, first: !m.firstInvoiceIssued, lines }, playbook.billing.anomaly);
  // Prepaid credit pays for the period's usage before anything is charged: free credit as lines
  // that lower the invoice, then account credit, then paid credit (the customer's money) as a payment.
  let wallet = m.wallet;
  const usageDue = draft.useWallet && wallet ? draft.revenue.filter((r) => r.kind === 'usage').reduce((sum, r) => sum + r.amount, 0) : 0;
  const free = wallet && usageDue > 0 ? useFreeMoney(wallet, Math.min(usageDue, Math.max(0, subtotal)), at) : { used: [], wallet };
  wallet = free.wallet;
  const freeTotal = free.used.reduce((sum, f) => sum + f.amount, 0);
  const afterFree = subtotal - freeTotal;
  const creditApplied = Math.min(m.accountCredit, Math.max(0, afterFree));
  // Lines below zero (a late reading that lowers a month already billed) owe the customer: the
  // difference is theirs as account credit, and the invoice comes to nothing.
  const carried = opts.carryBelowZero ? Math.max(0, -afterFree) : 0;
  const total = afterFree - creditApplied + carried;
  const paid = wallet && usageDue > 0 ? usePaidMoney(wallet, Math.min(usageDue - freeTotal, total), at, playbook.billing.wallet?.overdraftUpTo ?? 0) : { paid: 0, wallet };
  wallet = paid.wallet;
  return { subtotal, freeCredit: free.used, creditApplied, carried, total, walletPaid: paid.paid, wallet, hold };
}

/** The lines that say free prepaid credit paid for usage, one a grant. */
export const walletLines = (used: ReadonlyArray<{ grantId: string; amount: number }>): InvoiceLineRecord[] =>
  used.map((u) => ({ description: `Prepaid credit applied (grant ${u.grantId})`, quantity: 1, unitAmount: -u.amount, amount: -u.amount }));

/** The line that says account credit paid part of an invoice. */
export const creditLine = (applied: number): InvoiceLineRecord => ({ description: 'Account credit applied', quantity: 1, unitAmount: -applied, amount: -applied });

/** The line that says an invoice below zero was carried to account credit. */
export const CARRY_LINE = 'Carried to account credit';
export const carryLine = (carried: number): InvoiceLineRecord => ({ description: CARRY_LINE, quantity: 1, unitAmount: carried, amount: carried });

/** A held invoice approved: issued now. */
export async function release(d: Deal, invoiceId: string, approvedBy: string): Promise<void> {
  const inv = d.memory.invoices.find((i) => i.invoiceId === invoiceId);
  if (!inv || inv.status !== 'held') return void d.releasing.delete(invoiceId);
  d.messenger.note('invoice.released', `held invoice ${invoiceId} approved by ${approvedBy}: ${inv.holdReason}`, { invoiceId, approvedBy });
  d.leaks.invoiceReleased(invoiceId, Date.now() - Date.parse(inv.issuedAt));
  inv.issuedAt = isoNow();
  await issue(d, inv);
  d.releasing.delete(invoiceId);
}

/** Bills it: revenue lines from the issue date, and the shared invoice workflow collects it. */
async function issue(d: Deal, inv: ContractInvoice): Promise<void> {
  const billedAt = isoNow();
  const revenue = inv.revenue ?? [];
  delete inv.revenue;
  addRevenue(
    d,
    revenue.map(({ lineNo, ...billed }) => ({ ...billed, key: `${inv.invoiceId}:${lineNo}`, billedAt }) as BilledLine),
    inv.invoiceId,
  );
  inv.status = 'open';
  inv.issuedAt = billedAt;
  inv.dueAt = invoiceDueAt(Date.parse(billedAt), d.playbook.billing.netTerms);
  const lines = inv.lines ?? [];
  delete inv.lines;
  inv.billed = lines.flatMap((l) => (l.lineRef && l.periodStart && l.periodEnd ? [{ lineId: l.lineRef, description: l.description, amount: l.amount, period: { start: l.periodStart, end: l.periodEnd } }] : []));
  // Cash on account (an earlier overpayment) pays what it can at once, as a payment: the billed
  // total and the revenue stay as they are.
  // Paid prepaid credit, drawn when the invoice was drawn up, pays it the same way.
  const walletPaid = walletPays(inv.walletPaid ?? 0, inv.balance.amount);
  const onAccount = d.memory.onAccount ?? 0;
  const fromAccount = creditFor(onAccount, inv.balance.amount - walletPaid);
  const openingCredit = walletPaid + fromAccount;
  if (openingCredit > 0) {
    d.memory.onAccount = onAccount - fromAccount;
    inv.balance = d.money(inv.balance.amount - openingCredit);
  }
  await startInvoice(d, inv, lines, openingCredit);
}

export function addRevenue(d: Deal, billed: BilledLine[], invoiceId: string): void {
  const lines: RevenueLineRecord[] = billed.map((b) => ({ ...revenueLineFor(b), invoiceId }));
  (d.step.revenueLines ??= []).push(...lines);
}

/** The workflow of one of this contract's invoices: the id it was started under, or would be. */
export function invoiceWorkflowIdOf(d: Deal, invoiceId: string): string {
  const inv = d.memory.invoices.find((i) => i.invoiceId === invoiceId);
  if (inv?.workflowId) return inv.workflowId;
  // Issued by a run that did not remember its invoices' workflows: the tenant-wide id.
  if (inv && inv.kind === 'invoice' && inv.status !== 'held') return legacyChildWorkflowIds.invoice(d.input.tenantId, invoiceId);
  return newInvoiceWorkflowId(d, invoiceId);
}

/** The id an invoice's workflow is started under: the contract's own since committed steps. */
function newInvoiceWorkflowId(d: Deal, invoiceId: string): string {
  return d.writes === 'committed' ? invoiceWorkflowId(d.input.tenantId, { type: 'contract', id: d.input.contractId }, invoiceId) : legacyChildWorkflowIds.invoice(d.input.tenantId, invoiceId);
}

async function startInvoice(d: Deal, inv: ContractInvoice, lines: InvoiceLineRecord[], openingCredit: number): Promise<void> {
  const workflowId = newInvoiceWorkflowId(d, inv.invoiceId);
  inv.workflowId = workflowId;
  await d.children.startOnce(() =>
    startChild<typeof invoice>('invoice', {
      workflowId,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Invoice ${inv.invoiceId} · contract ${d.input.contractId} for ${d.input.customer.name}`,
      staticDetails: `An invoice of contract \`${d.input.contractId}\` for **${d.input.customer.name}** (tenant \`${d.input.tenantId}\`)${inv.period ? `, period ${inv.period.start.slice(0, 10)} → ${inv.period.end.slice(0, 10)}` : ''}: issued, then the playbook's collections steps after it falls due, until it is paid, disputed or written off.`,
      ...childStartAttributes({ tenantId: d.input.tenantId, subjectId: d.input.contractId, playbook: `${d.input.playbook.id}@v${d.input.playbook.version}`, stage: 'open' }),
      args: [
        {
          tenantId: d.input.tenantId,
          invoiceId: inv.invoiceId,
          parentWorkflowId: workflowInfo().workflowId,
          lines: [],
          pricedLines: lines,
          ...(inv.period ? { period: inv.period } : {}),
          currency: d.input.currency,
          ...(openingCredit > 0 ? { openingCredit: d.money(openingCredit) } : {}),
          collections: { netTerms: d.playbook.billing.netTerms, steps: d.playbook.collections.steps, paymentRetries: d.playbook.collections.paymentRetries },
          messaging: messagingFor(d.messagingContext(), invoiceTemplateKeys),
        },
      ],
    }),
  );
}

/** Payments and disputes belong to the invoice's own workflow. */
export function forwardToInvoice(d: Deal, invoiceId: string, event: ContractEvent & { invoiceId: string }): Promise<void> {
  return forwardToChild(d.messenger, event, `invoice ${invoiceId}`, () => getExternalWorkflowHandle(invoiceWorkflowIdOf(d, invoiceId)).signal(invoiceEventSignal, event as never));
}

/** An invoice reports a change: its status, balance and due date follow, an overpayment goes on account. */
export function onInvoiceNotice(d: Deal, notice: ChildNotice): void {
  if (notice.kind !== 'invoice') return;
  const inv = d.memory.invoices.find((i) => i.invoiceId === notice.invoiceId);
  if (!inv) return;
  const overpaid = overpaymentOnClose(notice, inv.status !== 'paid');
  if (overpaid) {
    d.memory.onAccount = (d.memory.onAccount ?? 0) + overpaid.amount;
    noteCreditAdded(d.messenger, notice.invoiceId, overpaid, d.money(d.memory.onAccount));
  }
  inv.status = notice.status;
  inv.balance = notice.balance;
  inv.dueAt = notice.dueAt;
  d.changed = true;
}
