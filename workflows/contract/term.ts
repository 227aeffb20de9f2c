import { uplift } from '../../domain/billing/line-changes';
import { renewalIssue } from '../../domain/contracts/bounds';
import type { ContractEvent } from '../../domain/contracts/contract-events';
import { addDuration } from '../../domain/durations';
import type { ContractAgendaKind } from '../contract-definitions';
import type { AgendaHandlers, EventHandlers } from '../lifecycle/handlers';
import { bill, scheduleBilling } from './billing';
import { isoNow, type Deal } from './deal';
import { mrr } from './state';

// The term: signature starts it; renewal notices before its end; at its end a renewal (new
// term, uplifted prices, a fresh run) or churn and, later, one win-back outreach.

export const termEvents = {
  'contract.signed': {
    describe: (e) => `contract signed${e.signedBy ? ` by ${e.signedBy}` : ''}`,
    apply: (d, event) => {
      const now = isoNow();
      const start = d.input.start;
      const end = new Date(addDuration(Date.parse(start), d.input.term)).toISOString();
      d.memory.signedAt = now;
      d.memory.term = { index: 0, start, end, duration: d.input.term };
      d.agenda.cancel('quote.expire');
      d.setStage('active');
      d.messenger.note('contract.active', `signed${event.signedBy ? ` by ${event.signedBy}` : ''}; term ${start.slice(0, 10)} → ${end.slice(0, 10)}`);
      d.messenger.send('contract.welcome', { contractId: d.input.contractId, start: start.slice(0, 10), end: end.slice(0, 10) });
      d.recordChange('new', mrr(d.memory));
      scheduleTerm(d);
    },
  },
  'contract.renewed': {
    describe: (e) => `renewal agreed${e.term ? ` for ${e.term}` : ''}`,
    apply: (d, event) => {
      d.memory.renewal = { term: event.term ?? d.memory.term!.duration, upliftPercent: event.upliftPercent ?? d.playbook.renewal.autoRenewUpliftPercent };
      d.memory.cancelled = null;
      if (d.memory.stage === 'cancelling') d.setStage('active');
      d.messenger.note('renewal.agreed', `renewal agreed: next term ${d.memory.renewal.term}, prices ${d.memory.renewal.upliftPercent >= 0 ? '+' : ''}${d.memory.renewal.upliftPercent}%`);
    },
  },
  'contract.cancelled': {
    describe: (e) => `cancelled${e.reason ? `: ${e.reason}` : ''}`,
    apply: (d, event) => {
      d.memory.cancelled = { at: isoNow(), reason: event.reason ?? null };
      d.memory.renewal = null;
      d.setStage('cancelling');
      d.agenda.cancelWhere((i) => i.kind === 'renewal.notice');
      d.messenger.note('contract.cancelling', `cancelled; the contract ends with its term on ${d.memory.term!.end.slice(0, 10)}`);
    },
  },
} satisfies Partial<EventHandlers<ContractEvent, Deal, void>>;

export const termAgenda = {
  'renewal.notice': (d, item) => {
    if (d.memory.stage !== 'active') return;
    const term = d.memory.term!;
    const end = term.end.slice(0, 10);
    const auto = d.memory.renewal ? ' as agreed' : d.input.autoRenew ? ` automatically (prices +${d.playbook.renewal.autoRenewUpliftPercent}%)` : ' only if you confirm';
    d.messenger.send('renewal.notice', { contractId: d.input.contractId, end, autoRenew: auto });
    d.tasks.push({ taskId: `task:renewal:${term.index}:${item.data?.before}`, kind: 'renewal', summary: `Renewal of ${d.input.contractId} on ${end} (${item.data?.before} notice): confirm, expand or save`, dueAt: term.end, createdAt: isoNow() });
  },
  'term.end': (d) => endTerm(d),
  winback: (d) => {
    d.messenger.send('winback.outreach', { contractId: d.input.contractId, end: d.memory.term!.end.slice(0, 10) });
    d.leaks.winBackSent();
    d.ended = 'churned';
  },
} satisfies Partial<AgendaHandlers<ContractAgendaKind, Deal>>;

/** Billing, renewal notices and the end of the current term. */
function scheduleTerm(d: Deal): void {
  const term = d.memory.term!;
  const end = Date.parse(term.end);
  const notices = [...d.playbook.renewal.noticeBefore, ...(d.input.renewalNotice ? [d.input.renewalNotice] : [])];
  for (const before of new Set(notices)) {
    const dueAt = addDuration(end, before, -1);
    if (dueAt > Date.now()) d.agenda.schedule({ key: `renewal.notice:${before}`, kind: 'renewal.notice', dueAt, summary: `renewal notice (${before} before the term ends)`, data: { before } });
  }
  d.agenda.schedule({ key: 'term.end', kind: 'term.end', dueAt: end, summary: `term ${term.index + 1} ends` });
  scheduleBilling(d);
}

/** The last periods billed, then a new term on the agreed (or automatic) terms, or churn. */
async function endTerm(d: Deal): Promise<void> {
  await bill(d);
  const term = d.memory.term!;
  const renew = d.memory.renewal ?? (d.input.autoRenew && !d.memory.cancelled ? { term: term.duration, upliftPercent: d.playbook.renewal.autoRenewUpliftPercent } : null);
  // A renewal that could not be billed exactly ends the contract instead of breaking it.
  const refused = renew && !d.memory.cancelled ? renewalIssue(d.memory.lines.map((l) => l.line), term.end, renew) : null;
  if (refused) d.messenger.note('renewal.refused', `the contract cannot renew: ${refused}`);
  if (!renew || d.memory.cancelled || refused) {
    d.leaks.churned(term.index, mrr(d.memory), d.memory.cancelled ? 'cancelled' : refused ? 'could not renew' : 'not renewed');
    d.recordChange('churn', -mrr(d.memory));
    d.setStage('churned');
    d.agenda.cancelWhere(() => true);
    d.messenger.send('contract.churned', { contractId: d.input.contractId, end: term.end.slice(0, 10) });
    d.agenda.schedule({ key: 'winback', kind: 'winback', dueAt: addDuration(Date.parse(term.end), d.playbook.winBack.after), summary: `win-back outreach (${d.playbook.winBack.after} after churn)` });
    return;
  }
  const mrrBefore = mrr(d.memory);
  for (const line of d.memory.lines) {
    line.line = uplift(line.line, renew.upliftPercent);
    line.nextPeriod = 0;
    line.segments = [];
  }
  const start = term.end;
  const end = new Date(addDuration(Date.parse(start), renew.term)).toISOString();
  d.memory.term = { index: term.index + 1, start, end, duration: renew.term };
  d.memory.renewal = null;
  d.recordChange('renewal', mrr(d.memory) - mrrBefore);
  d.messenger.note('contract.renewed', `renewed for ${renew.term} (${start.slice(0, 10)} → ${end.slice(0, 10)}), prices ${renew.upliftPercent >= 0 ? '+' : ''}${renew.upliftPercent}%`, { term: d.memory.term });
  d.messenger.send('renewal.renewed', { contractId: d.input.contractId, end: end.slice(0, 10) });
  scheduleTerm(d);
  // A new term is a natural point to start a fresh history.
  d.continueAsNewSoon = true;
}
