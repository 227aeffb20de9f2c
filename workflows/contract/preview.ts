import type { PeriodUsage } from '../../activities/usage';
import type { UpcomingInvoice, UpcomingUsage } from '../contract-definitions';
import { creditFor } from '../on-account';
import { planBilling, usageNeeds } from './billing-plan';
import type { Deal } from './deal';
import { creditLine, invoiceFigures, walletLines } from './issuing';
import { nextBillingAt } from './periods';

// The upcoming invoice, as the contract's queries answer it: which usage it will rate, and the
// invoice itself from usage measured so far, drawn up by the same plan and figures the contract
// issues at the boundary. Queries change nothing.

export function upcomingUsage(d: Deal): UpcomingUsage {
  const at = nextBillingAt(d.memory);
  if (at === null || !d.live()) return { at: null, needs: [] };
  return { at: new Date(at).toISOString(), needs: usageNeeds(d.memory, d.input, d.playbook, at, { lateUsage: d.lateUsage }) };
}

export function upcomingInvoice(d: Deal, measured: ReadonlyArray<{ key: string; usage: PeriodUsage }>): UpcomingInvoice | null {
  const at = nextBillingAt(d.memory);
  if (at === null || !d.live()) return null;
  const usage = new Map(measured.map((m) => [m.key, m.usage]));
  // A period the caller did not measure has no usage yet.
  for (const need of usageNeeds(d.memory, d.input, d.playbook, at, { lateUsage: d.lateUsage })) if (!usage.has(need.key)) usage.set(need.key, { quantity: 0, records: 0 });
  const plan = planBilling(d.memory, at, usage);
  const figures = invoiceFigures({ ...d.memory, ...(plan.wallet ? { wallet: plan.wallet } : {}) }, d.playbook, d.input.currency, plan.draft, at);
  const draft = plan.draft;
  const lines = [...draft.lines, ...walletLines(figures.freeCredit), ...(figures.creditApplied > 0 ? [creditLine(figures.creditApplied)] : [])];
  const paidFromWallet = Math.min(figures.walletPaid, figures.total);
  const paidFromAccount = creditFor(d.memory.onAccount ?? 0, figures.total - paidFromWallet);
  return {
    at: new Date(at).toISOString(),
    period: draft.period ?? null,
    lines,
    subtotal: d.money(figures.subtotal),
    accountCreditApplied: d.money(figures.creditApplied),
    total: d.money(figures.total),
    paidFromWallet: d.money(paidFromWallet),
    paidFromAccount: d.money(paidFromAccount),
    amountDue: d.money(figures.total - paidFromWallet - paidFromAccount),
    hold: figures.hold,
  };
}
