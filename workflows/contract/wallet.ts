import { addGrant, balanceOf, emptyWallet, expire, expiring, hasLeft, inUseOrder, leftOf, type Wallet, type WalletGrant } from '../../domain/billing/wallet';
import type { ContractEvent } from '../../domain/contracts/contract-events';
import { formatMoney } from '../../domain/money';
import type { ContractAgendaKind, ContractView } from '../contract-definitions';
import type { AgendaHandlers, EventHandlers } from '../lifecycle/handlers';
import { isoNow, type Deal } from './deal';

// The contract's prepaid wallet as the workflow keeps it: grants in, their expiry, the balance
// its view shows, and the low-balance alert. Consumption is the billing plan's (billing-plan.ts
// and issuing.ts), so the preview uses the wallet exactly as the invoice will.

export const walletEvents = {
  'credit.granted': {
    describe: (e) => `${e.paid ? 'prepaid top-up' : 'credit grant'} ${e.grantId}: ${e.amount ? formatMoney(e.amount) : `${e.units!.quantity} ${e.units!.metric}`}`,
    apply: (d, event) => {
      const before = d.memory.wallet ?? emptyWallet();
      const wallet = addGrant(before, {
        grantId: event.grantId,
        kind: event.amount ? 'money' : 'units',
        ...(event.units ? { metric: event.units.metric } : {}),
        granted: event.amount ? String(event.amount.amount) : String(event.units!.quantity),
        // Defaults the API fills in; an event from elsewhere without them still applies.
        paid: event.paid ?? false,
        priority: event.priority ?? 50,
        grantedAt: isoNow(),
        expiresAt: event.expiresAt ? new Date(event.expiresAt).toISOString() : null,
        ...(event.reason ? { reason: event.reason } : {}),
      });
      d.memory.wallet = wallet;
      const repaid = before.overdrawn - wallet.overdrawn;
      d.messenger.note(
        'credit.granted',
        `${event.paid ? 'prepaid top-up' : 'credit'} ${event.grantId} of ${event.amount ? formatMoney(event.amount) : `${event.units!.quantity} ${event.units!.metric}`} into the wallet${repaid > 0 ? `, ${formatMoney(d.money(repaid))} of it repaying the overdraft` : ''}${event.expiresAt ? `, until ${event.expiresAt.slice(0, 10)}` : ''}`,
        { grantId: event.grantId, paid: event.paid, ...(event.amount ? { amount: event.amount.amount } : { metric: event.units!.metric, units: event.units!.quantity }) },
      );
      scheduleExpiry(d);
    },
  },
} satisfies Partial<EventHandlers<ContractEvent, Deal, void>>;

export const walletAgenda = {
  'wallet.expire': (d) => {
    const wallet = d.memory.wallet;
    if (!wallet) return;
    const gone = expiring(wallet, Date.now());
    if (gone.length) {
      d.memory.wallet = expire(wallet, gone.map((g) => g.grantId));
      for (const g of gone) {
        // Paid for and never used: the customer's money is now the business's revenue (breakage),
        // recognised at the expiry. Free credit and prepaid units were never paid for: nothing.
        const breakage = d.breakage && g.paid && g.kind === 'money' ? leftOf(g) : 0;
        if (breakage > 0) (d.step.revenueLines ??= []).push({ key: `breakage:${g.grantId}`, invoiceId: `wallet:${g.grantId}`, amount: breakage, method: 'point', start: g.expiresAt!, end: g.expiresAt!, billedAt: g.expiresAt! });
        d.messenger.note(
          'credit.expired',
          `${g.paid ? 'prepaid top-up' : 'credit'} ${g.grantId} expired with ${describeLeft(d, g)} unused${breakage > 0 ? ', recognised as breakage revenue' : ''}`,
          { grantId: g.grantId, ...(breakage > 0 ? { breakage } : {}) },
        );
      }
      lowBalanceCheck(d);
    }
    scheduleExpiry(d);
  },
} satisfies Partial<AgendaHandlers<ContractAgendaKind, Deal>>;

/** One timer for the wallet: the next grant to expire with something left. */
function scheduleExpiry(d: Deal): void {
  const wallet = d.memory.wallet;
  const next = wallet ? inUseOrder(wallet.grants).filter((g) => g.expiresAt !== null && hasLeft(g)).map((g) => Date.parse(g.expiresAt!)).sort((a, b) => a - b)[0] : undefined;
  if (next === undefined) d.agenda.cancel('wallet.expire');
  else d.agenda.schedule({ key: 'wallet.expire', kind: 'wallet.expire', dueAt: next, summary: 'prepaid credit expires' });
}

/** Below the playbook's low-balance mark (once until the next grant): a timeline event, a task for the account's owner, and a message to the customer. */
export function lowBalanceCheck(d: Deal): void {
  const wallet = d.memory.wallet;
  const below = d.playbook.billing.wallet?.lowBalanceBelow;
  if (!wallet || below === undefined || wallet.lowBalanceAlerted) return;
  const balance = balanceOf(wallet, Date.now()).money;
  if (balance >= below) return;
  d.memory.wallet = { ...wallet, lowBalanceAlerted: true };
  const summary = `prepaid balance ${formatMoney(d.money(balance))} is below ${formatMoney(d.money(below))}`;
  d.messenger.note('wallet.low_balance', summary, { balance, below });
  // A playbook resolved before the template existed has no wording for it: the note and task stand alone.
  if (d.lowBalanceNotice && d.playbook.templates['wallet.low_balance']) {
    d.messenger.send('wallet.low_balance', { contractId: d.input.contractId, balance: formatMoney(d.money(balance)), below: formatMoney(d.money(below)) });
  }
  d.tasks.push({ taskId: `task:wallet-low:${wallet.grants.length}`, kind: 'follow_up', summary: `Offer a top-up to ${d.input.customer.name}: ${summary}`, createdAt: isoNow() });
}

export function walletView(d: Deal): ContractView['wallet'] {
  const wallet: Wallet | undefined = d.memory.wallet;
  if (!wallet) return null;
  const b = balanceOf(wallet, Date.now());
  const grants = inUseOrder(wallet.grants).map(({ remaining, granted, ...g }) => ({ ...g, granted: Number(granted), remaining: leftOf({ kind: g.kind, remaining }) }));
  return { balance: d.money(b.money), paid: d.money(b.paid), free: d.money(b.free), overdrawn: d.money(b.overdrawn), units: b.units, grants };
}

function describeLeft(d: Deal, g: WalletGrant): string {
  return g.kind === 'money' ? formatMoney(d.money(leftOf(g))) : `${leftOf(g)} ${g.metric}`;
}
