import type { PeriodUsage } from '../../activities/usage';
import { walletPays, type Wallet } from '../../domain/billing/wallet';
import type { Draft } from './drafts';
import type { UpcomingInvoice, UpcomingUsage } from '../contract-definitions';
import { creditFor } from '../on-account';
import { planBilling, usageNeeds } from './billing-plan';
import type { Deal } from './deal';
import { carryLine, creditLine, invoiceFigures, walletLines } from './issuing';
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
  const plan = planBilling(d.memory, at, usage, { lateUsageOn: d.playbook.billing.lateUsageOn });
  // The period's invoice is issued first; an adjustment invoice after it takes what credit is left.
  const state: Carried = { accountCredit: d.memory.accountCredit, onAccount: d.memory.onAccount ?? 0, ...(plan.wallet ?? d.memory.wallet ? { wallet: plan.wallet ?? d.memory.wallet } : {}) };
  const main = drawnUp(d, plan.draft, state, at);
  const adjustment = plan.adjustment ? drawnUp(d, plan.adjustment, state, at) : null;
  return { at: new Date(at).toISOString(), ...main, adjustment };
}

/** What issuing leaves for the next invoice of the same boundary. */
interface Carried {
  accountCredit: number;
  onAccount: number;
  wallet?: Wallet;
}

/** One drawn-up invoice as issuing will make it, and what it leaves of credit, cash on account and wallet. */
function drawnUp(d: Deal, draft: Draft, state: Carried, at: number): Omit<UpcomingInvoice, 'at' | 'adjustment'> {
  const figures = invoiceFigures({ ...d.memory, accountCredit: state.accountCredit, ...(state.wallet ? { wallet: state.wallet } : {}) }, d.playbook, d.input.currency, draft, at, { carryBelowZero: d.carryBelowZero });
  const lines = [...draft.lines, ...walletLines(figures.freeCredit), ...(figures.creditApplied > 0 ? [creditLine(figures.creditApplied)] : []), ...(figures.carried > 0 ? [carryLine(figures.carried)] : [])];
  // Prepaid credit is drawn when the invoice is drawn up; cash on account pays it when it is
  // issued, which for a held invoice is when someone releases it.
  const paidFromWallet = walletPays(figures.walletPaid, figures.total);
  const paidFromAccount = figures.hold ? 0 : creditFor(state.onAccount, figures.total - paidFromWallet);
  state.accountCredit += figures.carried - figures.creditApplied;
  state.onAccount -= paidFromAccount;
  if (figures.wallet) state.wallet = figures.wallet;
  return {
    period: draft.period ?? null,
    lines,
    subtotal: d.money(figures.subtotal),
    accountCreditApplied: d.money(figures.creditApplied),
    carriedToAccountCredit: d.money(figures.carried),
    total: d.money(figures.total),
    paidFromWallet: d.money(paidFromWallet),
    paidFromAccount: d.money(paidFromAccount),
    amountDue: d.money(figures.total - paidFromWallet - paidFromAccount),
    hold: figures.hold,
  };
}
