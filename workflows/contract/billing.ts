import type { PeriodUsage } from '../../activities/usage';
import type { Period } from '../../domain/billing/periods';
import { MAX_AMOUNT } from '../../domain/money';
import type { ContractAgendaKind } from '../contract-definitions';
import type { AgendaHandlers } from '../lifecycle/handlers';
import { local, localOptions } from '../lifecycle/step-writes';
import { isoNow, type Deal } from './deal';
import { planBilling, usageNeeds } from './billing-plan';
import { issueDraft } from './issuing';
import { nextBillingAt } from './periods';

// Billing periods: at every period boundary one invoice for all lines due then (one-time fees,
// subscriptions in advance or arrears, usage rated at period close), and the next boundary's timer.

export const billingAgenda = {
  billing: (d) => bill(d),
} satisfies Partial<AgendaHandlers<ContractAgendaKind, Deal>>;

export function scheduleBilling(d: Deal): void {
  const next = nextBillingAt(d.memory);
  if (next === null) d.agenda.cancel('billing');
  else d.agenda.schedule({ key: 'billing', kind: 'billing', dueAt: next, summary: 'invoice for the period' });
}

/** Invoices every period boundary that has come: one invoice for all lines due at this time. */
export async function bill(d: Deal): Promise<void> {
  const now = Date.now();
  // Each usage period is closed and measured first, in line order, then the invoice is planned
  // from what was measured (the same plan the upcoming-invoice query shows).
  const usage = new Map<string, PeriodUsage>();
  for (const { key, request } of usageNeeds(d.memory, d.input, d.playbook, now, { lateUsage: d.lateUsage })) {
    usage.set(key, await local.closeUsagePeriod.executeWithOptions({ ...localOptions, summary: `rate ${request.metric} ${request.from.slice(0, 10)} → ${request.to.slice(0, 10)}` }, [request]));
  }
  // The boundary this invoice is for (its timer fires at or just after it): the wallet is judged there.
  const boundary = Math.min(now, nextBillingAt(d.memory) ?? now);
  const plan = planBilling(d.memory, now, usage, { lateUsageOn: d.playbook.billing.lateUsageOn, walletAt: boundary });
  d.memory.lines = plan.lines;
  d.memory.oneTimeBilled = plan.oneTimeBilled;
  if (plan.wallet) d.memory.wallet = plan.wallet;
  for (const r of plan.refused) refuseToBill(d, r.lineId, r.period, r.quantity);
  for (const late of plan.lateUsage) d.leaks.lateUsage(late.lineId, late.period, late.billedWith, late.records, late.amount);
  if (plan.draft.lines.length > 0) await issueDraft(d, plan.draft);
  if (plan.adjustment) await issueDraft(d, plan.adjustment);
  scheduleBilling(d);
}

/**
 * Usage so large that its amount cannot be counted exactly is not billed: the period is noted,
 * and a person is asked to bill it by hand, rather than the workflow failing on every attempt.
 */
function refuseToBill(d: Deal, lineId: string, period: Period, quantity: number): void {
  const summary = `usage of line ${lineId} for ${period.start.slice(0, 10)} → ${period.end.slice(0, 10)} (${quantity}) comes to more than ${MAX_AMOUNT} minor units: not billed`;
  d.messenger.note('billing.refused', summary, { lineId, quantity, period });
  d.tasks.push({ taskId: `task:bill-by-hand:${lineId}:${period.start}`, kind: 'invoice_review', summary: `Bill by hand: ${summary}`, createdAt: isoNow() });
}
