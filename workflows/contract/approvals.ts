import { ApplicationFailure } from '@temporalio/workflow';
import { approvalPlan } from '../../domain/contracts/approval-policy';
import { unbillableQuote } from '../../domain/contracts/bounds';
import { addDuration } from '../../domain/durations';
import { formatMoney } from '../../domain/money';
import type { ApprovalDecision, ApprovalState, ContractAgendaKind } from '../contract-definitions';
import { UpdateRefusal } from '../definitions';
import type { AgendaHandlers } from '../lifecycle/handlers';
import { isoNow, type Deal } from './deal';
import { yearlyValue } from './state';

// The quote and its approvals: which approvals the playbook's guardrails ask for, decisions,
// escalation of undecided ones, rejection, and the quote's expiry while unsigned.

export const approvalAgenda = {
  'quote.expire': (d) => {
    if (d.memory.stage !== 'pending_approval' && d.memory.stage !== 'approved') return;
    d.messenger.send('quote.expired', { contractId: d.input.contractId });
    d.leaks.expired(yearlyValue(d.memory), d.playbook.approvals.quoteExpiresAfter);
    d.end('expired');
  },
  'approval.escalate': (d, item) => escalate(d, String(item.data?.key)),
} satisfies Partial<AgendaHandlers<ContractAgendaKind, Deal>>;

/** The quote: which approvals it needs, when it expires. */
export function openQuote(d: Deal): void {
  const now = isoNow();
  const plan = approvalPlan({ lines: d.input.lines, term: d.input.term }, d.playbook.guardrails);
  // The API refuses such quotes before starting; a playbook changed in between, or a quote
  // started some other way, ends up here: refused, not a workflow that cannot go on.
  const unbillable = unbillableQuote(d.input);
  if (plan.refused || unbillable) {
    d.messenger.note('quote.refused', `quote refused: ${plan.refused ? plan.reason : unbillable}`);
    d.end('rejected');
    return;
  }
  d.memory.approvals = plan.approvals.map((a) => ({ ...a, status: 'pending', requestedAt: now, escalations: 0 }));
  d.messenger.note('quote.created', `quote for ${d.input.customer.name}: ${d.input.lines.length} line(s), ${d.input.term} from ${d.input.start}`, {
    lines: d.input.lines.length,
    term: d.input.term,
  });
  for (const a of d.memory.approvals) requestApproval(d, a);
  d.agenda.schedule({
    key: 'quote.expire',
    kind: 'quote.expire',
    dueAt: addDuration(Date.parse(now), d.playbook.approvals.quoteExpiresAfter),
    summary: `quote expires unsigned (${d.playbook.approvals.quoteExpiresAfter})`,
  });
  if (d.memory.approvals.length === 0) approve(d);
}

/** Why a decision cannot be taken now, as the update's refusal; it must not change state. */
export function validateDecision(d: Deal, decision: ApprovalDecision): void {
  if (d.memory.stage !== 'pending_approval') {
    throw ApplicationFailure.create({ type: UpdateRefusal.conflict, message: `the quote is ${d.memory.stage}; there is nothing to decide`, nonRetryable: true });
  }
  if (!d.memory.approvals.some((a) => a.status === 'pending' && a.role === decision.role)) {
    const waiting = d.memory.approvals.filter((a) => a.status === 'pending').map((a) => a.role);
    throw ApplicationFailure.create({ type: UpdateRefusal.conflict, message: `no approval is pending for ${decision.role}; waiting for ${waiting.join(', ')}`, nonRetryable: true });
  }
}

/** An approver decides: every approval pending for that role takes the decision. */
export function decide(d: Deal, decision: ApprovalDecision) {
  return d.causedBy(decision.decisionId ?? `decision@${Date.now()}`, () => {
    const now = isoNow();
    for (const a of d.memory.approvals.filter((x) => x.status === 'pending' && x.role === decision.role)) {
      a.status = decision.decision === 'approve' ? 'approved' : 'rejected';
      a.decidedBy = decision.approver;
      a.decidedAt = now;
      if (decision.comment) a.comment = decision.comment;
      d.agenda.cancel(`approval.escalate:${a.key}`);
      d.messenger.note(`approval.${a.status}`, `${a.role} ${a.status} (${decision.approver}): ${a.reason}`, { role: a.role, key: a.key, approver: decision.approver });
    }
    if (decision.decision === 'reject') {
      d.leaks.rejected(yearlyValue(d.memory), `${decision.approver} (${decision.role})`);
      d.end('rejected');
    } else if (d.memory.approvals.every((a) => a.status === 'approved')) {
      // Every approval granted beyond auto-approval is an exception to policy: a KPI.
      d.step.policyExceptions = d.memory.approvals.map((a) => ({ id: `exception:${a.key}`, kind: a.key, detail: a.reason, approvedBy: `${a.decidedBy} (${a.role})`, occurredAt: now }));
      d.leaks.approved();
      approve(d);
    }
    d.changed = true;
    return { status: d.memory.stage, approvalsPending: d.memory.approvals.filter((a) => a.status === 'pending') };
  });
}

function requestApproval(d: Deal, a: ApprovalState): void {
  const escalatesAt = addDuration(Date.parse(a.requestedAt), d.playbook.approvals.escalateAfter);
  d.messenger.note('approval.requested', `${a.role} approval requested: ${a.reason}`, { role: a.role, key: a.key });
  d.tasks.push({ taskId: `task:approval:${a.key}:${a.escalations}`, kind: 'approval', summary: `Approve quote ${d.input.contractId} as ${a.role}: ${a.reason}`, dueAt: new Date(escalatesAt).toISOString(), createdAt: isoNow() });
  d.agenda.schedule({ key: `approval.escalate:${a.key}`, kind: 'approval.escalate', dueAt: escalatesAt, summary: `${a.role} approval escalates if undecided`, data: { key: a.key } });
}

function approve(d: Deal): void {
  d.setStage('approved');
  d.messenger.send('quote.sent', { contractId: d.input.contractId, total: formatMoney(d.money(yearlyValue(d.memory))), term: d.input.term, start: d.input.start.slice(0, 10) });
}

function escalate(d: Deal, key: string): void {
  const a = d.memory.approvals.find((x) => x.key === key && x.status === 'pending');
  if (!a || d.memory.stage !== 'pending_approval') return;
  const next = d.playbook.approvals.escalation[a.role];
  if (!next) {
    d.messenger.note('approval.overdue', `${a.role} approval still undecided after ${d.playbook.approvals.escalateAfter}; no one to escalate to`, { role: a.role });
    return;
  }
  d.messenger.note('approval.escalated', `${a.role} did not decide within ${d.playbook.approvals.escalateAfter}: escalated to ${next}`, { from: a.role, to: next });
  d.leaks.approvalEscalated(yearlyValue(d.memory), a.role, next);
  a.role = next;
  a.escalations += 1;
  a.requestedAt = isoNow();
  requestApproval(d, a);
}
