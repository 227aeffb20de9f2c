import type { ContractView } from '../contract-definitions';
import type { Deal } from './deal';
import { currentPeriodOf, nextBillingAt } from './periods';
import { balanceDue, mrr } from './state';
import { walletView } from './wallet';

// The contract's live state, as its query answers it: stage, approvals, term, current billing
// periods, invoices, balance, MRR and what happens next.

export function view(d: Deal): ContractView {
  const m = d.memory;
  const next = nextBillingAt(m);
  return {
    tenantId: d.input.tenantId,
    contractId: d.input.contractId,
    customer: d.input.customer,
    stage: m.stage,
    stageSince: m.stageSince,
    playbook: { id: d.input.playbook.id, version: d.input.playbook.version },
    currency: d.input.currency,
    approvals: m.approvals,
    approvalsPending: m.approvals.filter((a) => a.status === 'pending'),
    term: m.term,
    autoRenew: d.input.autoRenew,
    cancelled: m.cancelled,
    renewalDate: m.term && d.live() ? m.term.end : null,
    currentPeriods: m.term
      ? m.lines.flatMap((l) => {
          // Before the term starts (signed ahead of its start), its first period is the current one.
          const at = new Date(Math.max(Date.now(), Date.parse(m.term!.start))).toISOString();
          const p = currentPeriodOf(m.term!, l, at);
          return p ? [{ lineId: l.line.lineId, start: p.start, end: p.end }] : [];
        })
      : [],
    nextInvoiceAt: next === null ? null : new Date(next).toISOString(),
    mrr: d.money(d.live() ? mrr(m) : 0),
    accountCredit: d.money(m.accountCredit),
    onAccount: d.money(m.onAccount ?? 0),
    invoices: m.invoices.map(({ lines: _lines, revenue: _revenue, ...inv }) => inv),
    balanceDue: d.money(balanceDue(m)),
    wallet: walletView(d),
    nextActions: d.scheduler.nextActions(),
    eventsApplied: m.eventsApplied,
    recentEventIds: d.intake.recent(20),
    busy: d.busy,
    runs: m.runs + 1,
  };
}
