import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ContractSnapshot, InvoiceLineRecord, RevenueLineRecord, StepRecords, TaskRecord } from '../activities/records';
import { billingPeriods, invoiceDate, periodContaining, startOfUtcDay, utcDays, type Period } from '../domain/billing/periods';
import { perUnit, shareOf, uplifted } from '../domain/billing/amounts';
import { holdReason } from '../domain/billing/anomaly';
import { lineAmountIssue, termIssue } from '../domain/contracts/bounds';
import { inSupportedYears } from '../domain/instants';
import { amendmentAdjustment, blendedPeriodAmount } from '../domain/billing/proration';
import type { QuoteLine } from '../domain/billing/quote-line';
import { rateQuantity } from '../domain/billing/rating';
import { revenueKindOf, revenueLineFor, type BilledLine } from '../domain/billing/recognition';
import { approvalPlan } from '../domain/contracts/approval-policy';
import type { ContractEvent, ContractEventOf } from '../domain/contracts/contract-events';
import { addDuration, humanizeMs } from '../domain/durations';
import { invoiceWorkflowId, legacyChildWorkflowIds } from '../domain/ids';
import { formatMoney, MAX_AMOUNT, type Money } from '../domain/money';
import type { AgendaItem } from './agenda';
import {
  approvalDecisionUpdate,
  contractEventUpdate,
  contractStateQuery,
  liveContractStages,
  type ApprovalDecision,
  type ApprovalState,
  type ContractAgendaKind,
  type ContractInvoice,
  type ContractLine,
  type ContractMemory,
  type ContractStage,
  type ContractView,
  type ContractWorkflowInput,
  type PendingRevenue,
  type RevenueSpec,
} from './contract-definitions';
import { childNoticeSignal, invoiceEventSignal, UpdateRefusal, type ChildNotice } from './definitions';
import type { invoice } from './invoice';
import { ContractLeaks } from './contract-leakage';
import { Intake } from './lifecycle/intake';
import { local, localOptions } from './lifecycle/step-writes';
import { patches } from './lifecycle/versions';
import { Messenger, type MessagingContext } from './messenger';
import { creditFor, noteCreditAdded, overpaymentOnClose } from './on-account';
import { Scheduler } from './scheduler';
import { RevloopBalanceDue, RevloopCustomer, RevloopNextActionAt, RevloopPlaybook, RevloopStage, RevloopTenant } from './search-attributes';

const DEFAULT_HISTORY_LIMIT = 10_000;
/** Applied event ids a run keeps once written; older ones are on the timeline, where the API finds them. */
const RECENT_EVENT_IDS = 200;
const isoNow = () => new Date().toISOString();
const MONTHS: Record<string, number> = { month: 1, quarter: 3, year: 12 };

/**
 * One B2B contract, from quote to renewal and beyond: approvals by the playbook's guardrails,
 * signature, an invoice at every billing period boundary (usage rated at period close, anomalies
 * held for review), collections through the shared `invoice` workflow, mid-term amendments
 * prorated by day, credits, revenue recognition lines, renewal notices, renewal (a new term,
 * continue-as-new) or churn and win-back.
 */
export async function contract(input: ContractWorkflowInput): Promise<ContractStage> {
  const deal = new Contract(input, patched(patches.committedSteps) ? 'committed' : 'legacy');
  setHandler(
    approvalDecisionUpdate,
    (decision) => deal.decide(decision),
    { validator: (decision) => deal.validateDecision(decision), description: "An approver's decision on the quote; refused when that role has nothing pending" },
  );
  setHandler(
    contractEventUpdate,
    (event) => deal.receive(event),
    { validator: (event) => deal.validate(event), description: 'A contract event (signed, amended, renewed, cancelled, invoice approved, payment, dispute, credit)' },
  );
  setHandler(childNoticeSignal, (notice) => deal.onChildNotice(notice), { description: 'An invoice workflow reports a change' });
  setHandler(contractStateQuery, () => deal.view(), { description: 'Live state: stage, approvals, term, billing, invoices, renewal' });
  return deal.run();
}

function freshMemory(now: string): ContractMemory {
  return {
    createdAt: now,
    stage: 'pending_approval',
    stageSince: now,
    seq: 0,
    runs: 0,
    eventsApplied: 0,
    recentEventIds: [],
    approvals: [],
    signedAt: null,
    term: null,
    lines: [],
    oneTimeBilled: [],
    cancelled: null,
    renewal: null,
    invoiceSeq: 0,
    creditSeq: 0,
    invoices: [],
    accountCredit: 0,
    firstInvoiceIssued: false,
    agenda: [],
  };
}

interface Draft {
  lines: InvoiceLineRecord[];
  revenue: PendingRevenue[];
  /** Lines whose amount and usage feed the anomaly check and the trailing averages. */
  checked: Array<{ lineId: string; amount: number; usage: number | null }>;
  period?: Period;
  /** Amendment prorations are expected: no anomaly check. */
  skipChecks?: boolean;
}

class Contract {
  private readonly memory: ContractMemory;
  private readonly scheduler: Scheduler<ContractAgendaKind>;
  private readonly messenger: Messenger;
  private readonly intake: Intake<ContractEvent>;
  private readonly leaks: ContractLeaks;
  /** Held invoices approved whose release waits for the main loop: payments may name them already. */
  private readonly releasing = new Set<string>();
  private changed = false;
  /** Between waits: applying, acting or writing the step. */
  private busy = true;
  private ended: ContractStage | null = null;
  private readonly running = new Map<string, Promise<unknown>>();
  /** Work the update handlers queued for the main loop (which may await). */
  private pending: Array<() => Promise<void>> = [];
  private step: Omit<StepRecords, 'tenantId' | 'subjectType' | 'subjectId' | 'entries' | 'messages'> = {};
  private tasks: TaskRecord[] = [];
  private published = { searchAttributes: '', snapshot: '' };

  constructor(
    private readonly input: ContractWorkflowInput,
    private readonly writes: 'committed' | 'legacy',
  ) {
    this.memory = input.memory ?? freshMemory(isoNow());
    if (!input.memory) this.memory.lines = input.lines.map((line) => ({ line, nextPeriod: 0, segments: [], recentAmounts: [], recentUsage: [] }));
    this.scheduler = new Scheduler(this.memory.agenda);
    // Contract events are applied in their Update handler: the queue stays empty.
    this.intake = new Intake(this.memory, [], RECENT_EVENT_IDS, writes === 'legacy');
    this.leaks = new ContractLeaks((this.memory.leaks ??= []), input.currency, workflowInfo().workflowId);
    this.messenger = new Messenger(this.messagingContext(), { writes, seq: this.memory.seq, ledger: this.leaks.ledger });
    this.messenger.cause = input.memory ? `run:${this.memory.runs}` : 'quote';
    // Before any handler is registered: an Update that arrives with the start (a signature sent
    // right after the quote) is validated against the opened quote, not a blank one.
    if (!input.memory) this.openQuote();
  }

  private get playbook() {
    return this.input.playbook.definition;
  }

  private get agenda() {
    return this.scheduler.agenda;
  }

  private messagingContext(): MessagingContext {
    const c = this.input.customer;
    return {
      tenantId: this.input.tenantId,
      subject: { subjectType: 'contract', subjectId: this.input.contractId },
      recipient: { name: c.name, timezone: c.timezone, ...(c.email ? { email: c.email } : {}), ...(c.phone ? { phone: c.phone } : {}) },
      business: this.playbook.business,
      quietHours: null,
      templates: this.playbook.templates,
      optOuts: [],
    };
  }

  private money(amount: number): Money {
    return { amount, currency: this.input.currency };
  }

  // ── the story ────────────────────────────────────────────────────────────────────────────────

  async run(): Promise<ContractStage> {
    if (this.input.memory) this.messenger.note('contract.continued', `run ${this.memory.runs + 1} of the contract continues`, { term: this.memory.term });
    for (;;) {
      await this.publish();
      if (this.ended) break;
      if (this.shouldContinueAsNew()) await this.continueAsNew();
      this.busy = false;
      await this.scheduler.wait(() => this.pending.length > 0 || this.changed);
      this.busy = true;
      this.changed = false;
      for (let work = this.pending.shift(); work; work = this.pending.shift()) await work();
      for (const item of this.scheduler.takeDue()) {
        this.messenger.causedBy(item);
        await this.perform(item);
      }
    }
    await condition(allHandlersFinished);
    await this.messenger.settle();
    return this.ended;
  }

  /** The quote: which approvals it needs, when it expires. */
  private openQuote(): void {
    const now = isoNow();
    const plan = approvalPlan({ lines: this.input.lines, term: this.input.term }, this.playbook.guardrails);
    // The API refuses such quotes before starting; a playbook changed in between, or a quote
    // started some other way, ends up here: refused, not a workflow that cannot go on.
    const unbillable = unbillableQuote(this.input);
    if (plan.refused || unbillable) {
      this.messenger.note('quote.refused', `quote refused: ${plan.refused ? plan.reason : unbillable}`);
      this.setStage('rejected');
      this.ended = 'rejected';
      return;
    }
    this.memory.approvals = plan.approvals.map((a) => ({ ...a, status: 'pending', requestedAt: now, escalations: 0 }));
    this.messenger.note('quote.created', `quote for ${this.input.customer.name}: ${this.input.lines.length} line(s), ${this.input.term} from ${this.input.start}`, {
      lines: this.input.lines.length,
      term: this.input.term,
    });
    for (const a of this.memory.approvals) this.requestApproval(a);
    this.agenda.schedule({
      key: 'quote.expire',
      kind: 'quote.expire',
      dueAt: addDuration(Date.parse(now), this.playbook.approvals.quoteExpiresAfter),
      summary: `quote expires unsigned (${this.playbook.approvals.quoteExpiresAfter})`,
    });
    if (this.memory.approvals.length === 0) this.approve();
  }

  private requestApproval(a: ApprovalState): void {
    this.messenger.note('approval.requested', `${a.role} approval requested: ${a.reason}`, { role: a.role, key: a.key });
    this.tasks.push({ taskId: `task:approval:${a.key}:${a.escalations}`, kind: 'approval', summary: `Approve quote ${this.input.contractId} as ${a.role}: ${a.reason}`, dueAt: new Date(addDuration(Date.parse(a.requestedAt), this.playbook.approvals.escalateAfter)).toISOString(), createdAt: isoNow() });
    this.agenda.schedule({
      key: `approval.escalate:${a.key}`,
      kind: 'approval.escalate',
      dueAt: addDuration(Date.parse(a.requestedAt), this.playbook.approvals.escalateAfter),
      summary: `${a.role} approval escalates if undecided`,
      data: { key: a.key },
    });
  }

  private approve(): void {
    this.setStage('approved');
    this.messenger.send('quote.sent', this.quoteVars());
  }

  private quoteVars(): Record<string, string> {
    return { contractId: this.input.contractId, total: formatMoney(this.money(this.yearlyValue())), term: this.input.term, start: this.input.start.slice(0, 10) };
  }

  /** What the quote's recurring lines bill in a year: the quote's value. */
  private yearlyValue(): number {
    return this.memory.lines.reduce((sum, l) => sum + this.monthly(l.line) * 12, 0);
  }

  // ── approvals ────────────────────────────────────────────────────────────────────────────────

  validateDecision(decision: ApprovalDecision): void {
    if (this.memory.stage !== 'pending_approval') {
      throw ApplicationFailure.create({ type: UpdateRefusal.conflict, message: `the quote is ${this.memory.stage}; there is nothing to decide`, nonRetryable: true });
    }
    if (!this.memory.approvals.some((a) => a.status === 'pending' && a.role === decision.role)) {
      const waiting = this.memory.approvals.filter((a) => a.status === 'pending').map((a) => a.role);
      throw ApplicationFailure.create({ type: UpdateRefusal.conflict, message: `no approval is pending for ${decision.role}; waiting for ${waiting.join(', ')}`, nonRetryable: true });
    }
  }

  decide(decision: ApprovalDecision) {
    return this.causedBy(decision.decisionId ?? `decision@${Date.now()}`, () => this.applyDecision(decision));
  }

  /**
   * Handlers apply at once, in the middle of whatever the main loop awaits: what they write is
   * named after their own cause, and the loop's cause is back when they return.
   */
  private causedBy<T>(cause: string, apply: () => T): T {
    const loop = this.messenger.cause;
    this.messenger.cause = cause;
    try {
      return apply();
    } finally {
      this.messenger.cause = loop;
    }
  }

  /** Queues work for the main loop (which may await), to run under the cause that asked for it. */
  private defer(work: () => Promise<void>): void {
    const cause = this.messenger.cause;
    this.pending.push(async () => {
      this.messenger.cause = cause;
      await work();
    });
  }

  private applyDecision(decision: ApprovalDecision) {
    const now = isoNow();
    for (const a of this.memory.approvals.filter((x) => x.status === 'pending' && x.role === decision.role)) {
      a.status = decision.decision === 'approve' ? 'approved' : 'rejected';
      a.decidedBy = decision.approver;
      a.decidedAt = now;
      if (decision.comment) a.comment = decision.comment;
      this.agenda.cancel(`approval.escalate:${a.key}`);
      this.messenger.note(`approval.${a.status}`, `${a.role} ${a.status} (${decision.approver}): ${a.reason}`, { role: a.role, key: a.key, approver: decision.approver });
    }
    if (decision.decision === 'reject') {
      this.leaks.rejected(this.yearlyValue(), `${decision.approver} (${decision.role})`);
      this.setStage('rejected');
      this.agenda.cancelWhere(() => true);
      this.ended = 'rejected';
    } else if (this.memory.approvals.every((a) => a.status === 'approved')) {
      // Every approval granted beyond auto-approval is an exception to policy: a KPI.
      this.step.policyExceptions = this.memory.approvals.map((a) => ({ id: `exception:${a.key}`, kind: a.key, detail: a.reason, approvedBy: `${a.decidedBy} (${a.role})`, occurredAt: now }));
      this.leaks.approved();
      this.approve();
    }
    this.changed = true;
    return { status: this.memory.stage, approvalsPending: this.memory.approvals.filter((a) => a.status === 'pending') };
  }

  private escalate(key: string): void {
    const a = this.memory.approvals.find((x) => x.key === key && x.status === 'pending');
    if (!a || this.memory.stage !== 'pending_approval') return;
    const next = this.playbook.approvals.escalation[a.role];
    if (!next) {
      this.messenger.note('approval.overdue', `${a.role} approval still undecided after ${this.playbook.approvals.escalateAfter}; no one to escalate to`, { role: a.role });
      return;
    }
    this.messenger.note('approval.escalated', `${a.role} did not decide within ${this.playbook.approvals.escalateAfter}: escalated to ${next}`, { from: a.role, to: next });
    this.leaks.approvalEscalated(this.yearlyValue(), a.role, next);
    a.role = next;
    a.escalations += 1;
    a.requestedAt = isoNow();
    this.requestApproval(a);
  }

  // ── events ───────────────────────────────────────────────────────────────────────────────────

  validate(event: ContractEvent): void {
    // A redelivery is answered as the duplicate it is, whatever has happened since.
    if (this.intake.has(event.eventId)) return;
    const conflict = (message: string) => ApplicationFailure.create({ type: UpdateRefusal.conflict, message, nonRetryable: true });
    const unknown = (field: string, message: string) => ApplicationFailure.create({ type: UpdateRefusal.invalidReference, message, details: [field], nonRetryable: true });
    const stage = this.memory.stage;
    const live = this.live();
    switch (event.type) {
      case 'contract.signed':
        if (stage !== 'approved') throw conflict(stage === 'pending_approval' ? 'the quote still waits for approval' : `the contract is ${stage}`);
        return;
      case 'contract.amended': {
        if (!live) throw conflict(`only an active contract can be amended (it is ${stage})`);
        const line = this.memory.lines.find((l) => l.line.lineId === event.lineId);
        if (!line) throw unknown('lineId', `the contract has no line "${event.lineId}"`);
        if (line.line.billing.interval === 'one_time') throw conflict(`line "${event.lineId}" is a one-time fee; it cannot be amended`);
        if (event.listPrice && event.listPrice.currency !== this.input.currency) throw unknown('listPrice.currency', `the contract is in ${this.input.currency}`);
        const at = event.effectiveAt ?? isoNow();
        if (!this.currentPeriodOf(line, at) || this.periodIndex(line, at) < line.nextPeriod - (line.line.billing.timing === 'advance' ? 1 : 0)) {
          throw unknown('effectiveAt', 'must fall in the line’s current billing period of this term');
        }
        const tooLarge = lineAmountIssue(amendedLine(line.line, event));
        if (tooLarge) throw unknown(event.quantity !== undefined ? 'quantity' : 'listPrice.amount', tooLarge);
        return;
      }
      case 'contract.renewed': {
        if (!live) throw conflict(`only an active contract can be renewed (it is ${stage})`);
        const percent = event.upliftPercent ?? this.playbook.renewal.autoRenewUpliftPercent;
        const tooLarge = this.memory.lines.map((l) => lineAmountIssue(uplift(l.line, percent))).find((issue) => issue !== null);
        if (tooLarge) throw unknown('upliftPercent', tooLarge);
        return;
      }
      case 'contract.cancelled':
        if (!live) throw conflict(`only an active contract can be cancelled (it is ${stage})`);
        return;
      case 'invoice.approved': {
        const inv = this.memory.invoices.find((i) => i.invoiceId === event.invoiceId);
        if (!inv) throw unknown('invoiceId', `the contract has no invoice "${event.invoiceId}"`);
        if (inv.status !== 'held') throw conflict(`invoice ${event.invoiceId} is not held (it is ${inv.status})`);
        if (this.releasing.has(inv.invoiceId)) throw conflict(`invoice ${event.invoiceId} is already approved and being issued`);
        return;
      }
      case 'invoice.rebilled': {
        const inv = this.memory.invoices.find((i) => i.invoiceId === event.invoiceId && i.kind === 'invoice');
        if (!inv) throw unknown('invoiceId', `the contract has no invoice "${event.invoiceId}"`);
        if (inv.status === 'held' || inv.status === 'written_off' || !inv.billed) throw conflict(`invoice ${event.invoiceId} is ${inv.status}; only an issued invoice is rebilled`);
        const index = event.lines.findIndex((l) => !inv.billed!.some((b) => b.lineId === l.lineId));
        if (index !== -1) throw unknown(`lines.${index}.lineId`, `invoice ${event.invoiceId} bills no line "${event.lines[index]!.lineId}"`);
        const other = event.lines.findIndex((l) => l.amount.currency !== this.input.currency);
        if (other !== -1) throw unknown(`lines.${other}.amount.currency`, `the contract is in ${this.input.currency}`);
        return;
      }
      case 'payment.received':
      case 'payment.failed':
      case 'invoice.disputed':
      case 'invoice.dispute_resolved':
      case 'credit.issued': {
        const inv = this.memory.invoices.find((i) => i.invoiceId === event.invoiceId && i.kind === 'invoice');
        if (!inv) throw unknown('invoiceId', `the contract has no invoice "${event.invoiceId}"`);
        // An approved invoice is as good as issued: its release is queued ahead of this event.
        if (inv.status === 'held' && !this.releasing.has(inv.invoiceId)) throw conflict(`invoice ${event.invoiceId} is held and not issued yet`);
        if ((event.type === 'payment.received' || event.type === 'credit.issued') && event.amount.currency !== this.input.currency) {
          throw unknown('amount.currency', `the contract is in ${this.input.currency}`);
        }
        if (!this.running.has(this.invoiceWorkflowIdOf(inv.invoiceId)) && (inv.status === 'paid' || inv.status === 'written_off')) {
          throw conflict(`invoice ${event.invoiceId} is already ${inv.status}`);
        }
        return;
      }
    }
  }

  receive(event: ContractEvent) {
    if (this.intake.has(event.eventId)) return { eventId: event.eventId, accepted: true as const, duplicate: true };
    this.intake.remember(event.eventId);
    this.memory.eventsApplied += 1;
    this.causedBy(event.eventId, () => {
      this.messenger.event(event.eventId, event.type, describe(event), event as unknown as Record<string, unknown>);
      this.apply(event);
    });
    this.changed = true;
    return { eventId: event.eventId, accepted: true as const, duplicate: false };
  }

  private apply(event: ContractEvent): void {
    switch (event.type) {
      case 'contract.signed':
        return this.sign(event);
      case 'contract.amended':
        return this.amend(event);
      case 'contract.renewed':
        this.memory.renewal = { term: event.term ?? this.memory.term!.duration, upliftPercent: event.upliftPercent ?? this.playbook.renewal.autoRenewUpliftPercent };
        this.memory.cancelled = null;
        if (this.memory.stage === 'cancelling') this.setStage('active');
        this.messenger.note('renewal.agreed', `renewal agreed: next term ${this.memory.renewal.term}, prices ${this.memory.renewal.upliftPercent >= 0 ? '+' : ''}${this.memory.renewal.upliftPercent}%`);
        return;
      case 'contract.cancelled':
        this.memory.cancelled = { at: isoNow(), reason: event.reason ?? null };
        this.memory.renewal = null;
        this.setStage('cancelling');
        this.agenda.cancelWhere((i) => i.kind === 'renewal.notice');
        this.messenger.note('contract.cancelling', `cancelled; the contract ends with its term on ${this.memory.term!.end.slice(0, 10)}`);
        return;
      case 'invoice.approved':
        this.releasing.add(event.invoiceId);
        this.defer(() => this.release(event.invoiceId, event.approvedBy ?? 'an approver'));
        return;
      case 'credit.issued':
        return this.credit(event);
      case 'invoice.rebilled':
        return this.rebill(event);
      default:
        // Payments and disputes belong to the invoice's own workflow.
        this.defer(() => this.forward(event.invoiceId, event));
    }
  }

  private sign(event: ContractEventOf<'contract.signed'>): void {
    const now = isoNow();
    const start = this.input.start;
    const end = new Date(addDuration(Date.parse(start), this.input.term)).toISOString();
    this.memory.signedAt = now;
    this.memory.term = { index: 0, start, end, duration: this.input.term };
    this.agenda.cancel('quote.expire');
    this.setStage('active');
    this.messenger.note('contract.active', `signed${event.signedBy ? ` by ${event.signedBy}` : ''}; term ${start.slice(0, 10)} → ${end.slice(0, 10)}`);
    this.messenger.send('contract.welcome', { contractId: this.input.contractId, start: start.slice(0, 10), end: end.slice(0, 10) });
    this.change('new', this.mrr());
    this.scheduleTerm();
  }

  /** Billing, renewal notices and the end of the current term. */
  private scheduleTerm(): void {
    const term = this.memory.term!;
    const end = Date.parse(term.end);
    const notices = [...this.playbook.renewal.noticeBefore, ...(this.input.renewalNotice ? [this.input.renewalNotice] : [])];
    for (const before of new Set(notices)) {
      const dueAt = addDuration(end, before, -1);
      if (dueAt > Date.now()) this.agenda.schedule({ key: `renewal.notice:${before}`, kind: 'renewal.notice', dueAt, summary: `renewal notice (${before} before the term ends)`, data: { before } });
    }
    this.agenda.schedule({ key: 'term.end', kind: 'term.end', dueAt: end, summary: `term ${term.index + 1} ends` });
    this.scheduleBilling();
  }

  // ── billing ──────────────────────────────────────────────────────────────────────────────────

  private periodsOf(line: ContractLine): Period[] {
    const term = this.memory.term!;
    const interval = line.line.billing.interval;
    if (interval === 'one_time') return [{ start: term.start, end: term.start }];
    return billingPeriods(term.start, term.end, interval);
  }

  private periodIndex(line: ContractLine, at: string): number {
    const t = Date.parse(at);
    return this.periodsOf(line).findIndex((p) => Date.parse(p.start) <= t && t < Date.parse(p.end));
  }

  private currentPeriodOf(line: ContractLine, at: string): Period | undefined {
    return periodContaining(this.periodsOf(line), at);
  }

  /** When the next invoice is due: the earliest unbilled period boundary of any line. */
  private nextBillingAt(): number | null {
    if (!this.memory.term || this.memory.stage === 'churned') return null;
    let next: number | null = null;
    for (const line of this.memory.lines) {
      const due = this.nextDueOf(line);
      if (due !== null && (next === null || due < next)) next = due;
    }
    return next;
  }

  private nextDueOf(line: ContractLine): number | null {
    if (line.line.billing.interval === 'one_time') {
      return this.memory.oneTimeBilled.includes(line.line.lineId) ? null : Date.parse(this.memory.term!.start);
    }
    const period = this.periodsOf(line)[line.nextPeriod];
    return period ? Date.parse(invoiceDate(period, line.line.billing.timing)) : null;
  }

  private scheduleBilling(): void {
    const next = this.nextBillingAt();
    if (next === null) this.agenda.cancel('billing');
    else this.agenda.schedule({ key: 'billing', kind: 'billing', dueAt: next, summary: 'invoice for the period' });
  }

  /** Invoices every period boundary that has come: one invoice for all lines due at this time. */
  private async bill(): Promise<void> {
    const now = Date.now();
    const draft: Draft = { lines: [], revenue: [], checked: [] };
    for (const line of this.memory.lines) {
      const l = line.line;
      if (l.billing.interval === 'one_time') {
        if (this.memory.oneTimeBilled.includes(l.lineId) || Date.parse(this.memory.term!.start) > now) continue;
        const rated = rateQuantity(l, l.quantity);
        this.memory.oneTimeBilled.push(l.lineId);
        this.addLine(draft, line, rated.amount, l.quantity, rated.description, { start: this.memory.term!.start, end: this.memory.term!.start }, { kind: 'one_time', deliveredAt: this.memory.term!.start }, null);
        continue;
      }
      const periods = this.periodsOf(line);
      for (let period = periods[line.nextPeriod]; period && Date.parse(invoiceDate(period, l.billing.timing)) <= now; period = periods[line.nextPeriod]) {
        const full = this.fullPeriodOf(period, line.nextPeriod, l.billing.interval as 'month' | 'quarter' | 'year');
        const share = (amount: number) => (full ? shareOf(amount, utcDays(period.start, period.end), utcDays(full.start, full.end)) : amount);
        if (l.usageMetric) {
          const usage = await local.closeUsagePeriod.executeWithOptions({ ...localOptions, summary: `rate ${l.usageMetric} ${period.start.slice(0, 10)} → ${period.end.slice(0, 10)}` }, [
            { tenantId: this.input.tenantId, contractId: this.input.contractId, metric: l.usageMetric, from: period.start, to: period.end },
          ]);
          const rated = rateUsage(l, usage.quantity);
          if (rated) this.addLine(draft, line, share(rated.amount), usage.quantity, `${rated.description} (${usage.records} record(s))`, period, { kind: 'usage', usagePeriod: period }, usage.quantity);
          else this.refuseToBill(l.lineId, period, usage.quantity);
        } else if (l.billing.timing === 'arrears') {
          const amount = line.segments.length ? blendedPeriodAmount(line.segments, period) : rateQuantity(l, l.quantity).amount;
          this.addLine(draft, line, share(amount), l.quantity, rateQuantity(l, l.quantity).description, period, { kind: 'subscription', servicePeriod: period }, null);
        } else {
          const rated = rateQuantity(l, l.quantity);
          this.addLine(draft, line, share(rated.amount), l.quantity, rated.description, period, { kind: 'subscription', servicePeriod: period }, null);
        }
        line.nextPeriod += 1;
        line.segments = l.billing.timing === 'arrears' && !l.usageMetric ? [{ from: period.end, amount: rateQuantity(l, l.quantity).amount }] : [];
      }
    }
    if (draft.lines.length > 0) {
      const periods = draft.lines.filter((x) => x.periodStart && x.periodEnd && x.periodStart !== x.periodEnd);
      if (periods.length) draft.period = { start: periods.map((x) => x.periodStart!).sort()[0]!, end: periods.map((x) => x.periodEnd!).sort().at(-1)! };
      await this.issueDraft(draft);
    }
    this.scheduleBilling();
  }

  /**
   * Usage so large that its amount cannot be counted exactly is not billed: the period is noted,
   * and a person is asked to bill it by hand, rather than the workflow failing on every attempt.
   */
  private refuseToBill(lineId: string, period: Period, quantity: number): void {
    const summary = `usage of line ${lineId} for ${period.start.slice(0, 10)} → ${period.end.slice(0, 10)} (${quantity}) comes to more than ${MAX_AMOUNT} minor units: not billed`;
    this.messenger.note('billing.refused', summary, { lineId, quantity, period });
    this.tasks.push({ taskId: `task:bill-by-hand:${lineId}:${period.start}`, kind: 'invoice_review', summary: `Bill by hand: ${summary}`, createdAt: isoNow() });
  }

  /**
   * A term that ends mid-period bills its last period pro rata against the full one. Periods are
   * anchored at the term start (Jan 31, Feb 28, Mar 31…), so "full" is the anchored boundary, not
   * the period start plus one interval.
   */
  private fullPeriodOf(period: Period, index: number, interval: 'month' | 'quarter' | 'year'): Period | null {
    const fullEnd = new Date(addDuration(Date.parse(this.memory.term!.start), `P${(index + 1) * MONTHS[interval]!}M`)).toISOString();
    return fullEnd === period.end ? null : { start: period.start, end: fullEnd };
  }

  private addLine(draft: Draft, line: ContractLine, amount: number, quantity: number, description: string, period: Period, revenue: RevenueSpec, usage: number | null): void {
    const l = line.line;
    draft.lines.push({
      // The rated description already names the line ("Seats: 25 × 40.00 USD, 10% off").
      description,
      quantity,
      unitAmount: quantity ? perUnit(amount, quantity) : amount,
      amount,
      lineRef: l.lineId,
      periodStart: period.start,
      periodEnd: period.end,
    });
    draft.revenue.push({ ...revenue, amount, lineNo: draft.lines.length });
    draft.checked.push({ lineId: l.lineId, amount, usage });
  }

  /** Applies account credit, runs the pre-bill checks, and issues the invoice or holds it. */
  private async issueDraft(draft: Draft): Promise<void> {
    const subtotal = draft.lines.reduce((sum, l) => sum + l.amount, 0);
    const applied = Math.min(this.memory.accountCredit, Math.max(0, subtotal));
    if (applied > 0) {
      this.memory.accountCredit -= applied;
      draft.lines.push({ description: 'Account credit applied', quantity: 1, unitAmount: -applied, amount: -applied });
    }
    this.memory.invoiceSeq += 1;
    const invoiceId = `${this.input.contractId}.${String(this.memory.invoiceSeq).padStart(4, '0')}`;
    const total = subtotal - applied;
    const hold = draft.skipChecks ? null : this.anomaly(draft, subtotal);
    for (const c of draft.checked) {
      const line = this.memory.lines.find((l) => l.line.lineId === c.lineId)!;
      line.recentAmounts = [...line.recentAmounts, c.amount].slice(-this.playbook.billing.anomaly.trailingInvoices);
      if (c.usage !== null) line.recentUsage = [...line.recentUsage, c.usage].slice(-this.playbook.billing.anomaly.trailingInvoices);
    }
    const record: ContractInvoice = {
      invoiceId,
      kind: 'invoice',
      status: hold ? 'held' : 'open',
      total: this.money(total),
      balance: this.money(total),
      issuedAt: isoNow(),
      dueAt: null,
      lines: draft.lines,
      revenue: draft.revenue,
      ...(draft.period ? { period: draft.period } : {}),
      ...(hold ? { holdReason: hold } : {}),
    };
    this.memory.invoices.push(record);
    this.memory.firstInvoiceIssued = true;
    if (hold) {
      this.messenger.note('invoice.held', `invoice ${invoiceId} for ${formatMoney(this.money(total))} held for review: ${hold}`, { invoiceId, reason: hold });
      this.leaks.invoiceHeld(invoiceId, total, hold);
      this.tasks.push({ taskId: `task:review:${invoiceId}`, kind: 'invoice_review', summary: `Review held invoice ${invoiceId}: ${hold}`, createdAt: isoNow() });
      (this.step.invoices ??= []).push({
        invoiceId,
        currency: this.input.currency,
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
    await this.issue(record);
  }

  /** Why the invoice should wait for a person, if it should. */
  private anomaly(draft: Draft, subtotal: number): string | null {
    const lines = draft.checked.map((c) => {
      const line = this.memory.lines.find((l) => l.line.lineId === c.lineId)!;
      return { ...c, recentAmounts: line.recentAmounts, recentUsage: line.recentUsage };
    });
    return holdReason({ currency: this.input.currency, subtotal, first: !this.memory.firstInvoiceIssued, lines }, this.playbook.billing.anomaly);
  }

  private async release(invoiceId: string, approvedBy: string): Promise<void> {
    const inv = this.memory.invoices.find((i) => i.invoiceId === invoiceId);
    if (!inv || inv.status !== 'held') return void this.releasing.delete(invoiceId);
    this.messenger.note('invoice.released', `held invoice ${invoiceId} approved by ${approvedBy}: ${inv.holdReason}`, { invoiceId, approvedBy });
    this.leaks.invoiceReleased(invoiceId, Date.now() - Date.parse(inv.issuedAt));
    inv.issuedAt = isoNow();
    await this.issue(inv);
    this.releasing.delete(invoiceId);
  }

  /** Bills it: revenue lines from the issue date, and the shared invoice workflow collects it. */
  private async issue(inv: ContractInvoice): Promise<void> {
    const billedAt = isoNow();
    const revenue = inv.revenue ?? [];
    delete inv.revenue;
    this.addRevenue(
      revenue.map(({ lineNo, ...billed }) => ({ ...billed, key: `${inv.invoiceId}:${lineNo}`, billedAt }) as BilledLine),
      inv.invoiceId,
    );
    inv.status = 'open';
    inv.issuedAt = billedAt;
    inv.dueAt = new Date(addDuration(Date.parse(billedAt), this.playbook.billing.netTerms)).toISOString();
    const lines = inv.lines ?? [];
    delete inv.lines;
    inv.billed = lines.flatMap((l) => (l.lineRef && l.periodStart && l.periodEnd ? [{ lineId: l.lineRef, description: l.description, amount: l.amount, period: { start: l.periodStart, end: l.periodEnd } }] : []));
    // Cash on account (an earlier overpayment) pays what it can at once, as a payment: the billed
    // total and the revenue stay as they are.
    const onAccount = this.memory.onAccount ?? 0;
    const openingCredit = creditFor(onAccount, inv.balance.amount);
    if (openingCredit > 0) {
      this.memory.onAccount = onAccount - openingCredit;
      inv.balance = this.money(inv.balance.amount - openingCredit);
    }
    await this.startInvoice(inv, lines, openingCredit);
  }

  private addRevenue(billed: BilledLine[], invoiceId: string): void {
    const lines: RevenueLineRecord[] = billed.map((b) => ({ ...revenueLineFor(b), invoiceId }));
    (this.step.revenueLines ??= []).push(...lines);
  }

  /** The workflow of one of this contract's invoices: the id it was started under, or would be. */
  private invoiceWorkflowIdOf(invoiceId: string): string {
    const inv = this.memory.invoices.find((i) => i.invoiceId === invoiceId);
    if (inv?.workflowId) return inv.workflowId;
    // Issued by a run that did not remember its invoices' workflows: the tenant-wide id.
    if (inv && inv.kind === 'invoice' && inv.status !== 'held') return legacyChildWorkflowIds.invoice(this.input.tenantId, invoiceId);
    return this.newInvoiceWorkflowId(invoiceId);
  }

  /** The id an invoice's workflow is started under: the contract's own since committed steps. */
  private newInvoiceWorkflowId(invoiceId: string): string {
    return this.writes === 'committed' ? invoiceWorkflowId(this.input.tenantId, { type: 'contract', id: this.input.contractId }, invoiceId) : legacyChildWorkflowIds.invoice(this.input.tenantId, invoiceId);
  }

  private async startInvoice(inv: ContractInvoice, lines: InvoiceLineRecord[], openingCredit: number): Promise<void> {
    inv.workflowId = this.newInvoiceWorkflowId(inv.invoiceId);
    try {
      const child = await startChild<typeof invoice>('invoice', {
        workflowId: inv.workflowId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `Invoice ${inv.invoiceId} · contract ${this.input.contractId} for ${this.input.customer.name}`,
        args: [
          {
            tenantId: this.input.tenantId,
            invoiceId: inv.invoiceId,
            parentWorkflowId: workflowInfo().workflowId,
            lines: [],
            pricedLines: lines,
            ...(inv.period ? { period: inv.period } : {}),
            currency: this.input.currency,
            ...(openingCredit > 0 ? { openingCredit: this.money(openingCredit) } : {}),
            collections: { netTerms: this.playbook.billing.netTerms, steps: this.playbook.collections.steps, paymentRetries: this.playbook.collections.paymentRetries },
            messaging: this.messagingContext(),
          },
        ],
      });
      const closed = child
        .result()
        .catch(() => undefined)
        .finally(() => {
          this.running.delete(child.workflowId);
          this.changed = true;
        });
      this.running.set(child.workflowId, closed);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  private async forward(invoiceId: string, event: ContractEvent & { invoiceId: string }): Promise<void> {
    try {
      await getExternalWorkflowHandle(this.invoiceWorkflowIdOf(invoiceId)).signal(invoiceEventSignal, event as never);
    } catch {
      this.messenger.note('event.ignored', `${event.type} not delivered: invoice ${invoiceId} has already closed`, { eventId: event.eventId });
    }
  }

  /** A credit note: settles the invoice's open balance first, the rest is account credit for the next invoice. */
  private credit(event: ContractEventOf<'credit.issued'>): void {
    const inv = this.memory.invoices.find((i) => i.invoiceId === event.invoiceId)!;
    const amount = event.amount.amount;
    const toInvoice = Math.min(amount, inv.balance.amount);
    const toAccount = amount - toInvoice;
    this.memory.accountCredit += toAccount;
    const creditId = this.creditNote(amount, `Credit against ${event.invoiceId}: ${event.reason}`, { method: 'point' });
    this.messenger.note('credit.issued', `credit note ${creditId} for ${formatMoney(event.amount)} against ${event.invoiceId}: ${formatMoney(this.money(toInvoice))} settles it${toAccount ? `, ${formatMoney(this.money(toAccount))} kept as account credit` : ''}`, {
      creditId,
      invoiceId: event.invoiceId,
      amount,
    });
    this.leaks.credited(creditId, event.invoiceId, amount, event.reason);
    this.settleWithCredit(event.invoiceId, toInvoice, `credit-${event.eventId}`, event.receivedAt);
  }

  /**
   * A rebill: the wrong invoice is credited in full (its open balance settled by the credit note,
   * anything already paid kept as account credit) and its lines are billed again, corrected, for
   * the same service periods; the account credit then applies to the new invoice.
   */
  private rebill(event: ContractEventOf<'invoice.rebilled'>): void {
    const inv = this.memory.invoices.find((i) => i.invoiceId === event.invoiceId)!;
    const total = inv.total.amount;
    const open = this.running.has(this.invoiceWorkflowIdOf(inv.invoiceId)) ? inv.balance.amount : 0;
    this.memory.accountCredit += total - open;
    const creditId = this.creditNote(total, `Rebill of ${inv.invoiceId}: ${event.reason}`, { method: 'point' });
    this.messenger.note('invoice.rebilled', `invoice ${inv.invoiceId} credited in full (${creditId}) and billed again: ${event.reason}`, { invoiceId: inv.invoiceId, creditId });
    this.settleWithCredit(inv.invoiceId, open, `rebill-${event.eventId}`, event.receivedAt);
    const draft: Draft = { lines: [], revenue: [], checked: [], skipChecks: true };
    for (const billed of inv.billed!) {
      const line = this.memory.lines.find((l) => l.line.lineId === billed.lineId)!;
      const amount = event.lines.find((l) => l.lineId === billed.lineId)?.amount.amount ?? billed.amount;
      const kind = revenueKindOf(line.line);
      const revenue: RevenueSpec =
        kind === 'usage' ? { kind: 'usage', usagePeriod: billed.period } : kind === 'one_time' ? { kind: 'one_time', deliveredAt: billed.period.start } : { kind: 'subscription', servicePeriod: billed.period };
      this.addLine(draft, line, amount, 1, `rebill of ${inv.invoiceId}: ${billed.description}`, billed.period, revenue, null);
    }
    draft.checked = [];
    if (inv.period) draft.period = inv.period;
    this.leaks.rebilled(creditId, inv.invoiceId, total, draft.lines.reduce((sum, l) => sum + l.amount, 0), event.reason);
    this.defer(() => this.issueDraft(draft));
  }

  /** A credit note pays down an open invoice: its collections see a payment by `credit_note`. */
  private settleWithCredit(invoiceId: string, amount: number, eventId: string, receivedAt: string): void {
    if (amount <= 0) return;
    this.defer(() => this.forward(invoiceId, { type: 'payment.received', eventId: eventId.slice(0, 64), receivedAt, invoiceId, amount: this.money(amount), method: 'credit_note' }));
  }

  // ── amendments ───────────────────────────────────────────────────────────────────────────────

  private amend(event: ContractEventOf<'contract.amended'>): void {
    const line = this.memory.lines.find((l) => l.line.lineId === event.lineId)!;
    const before = line.line;
    const after = amendedLine(before, event);
    const effectiveAt = event.effectiveAt ?? isoNow();
    const mrrBefore = this.monthly(before);
    line.line = after;
    const delta = this.monthly(after) - mrrBefore;
    const change = `${before.sku}: ${describeLine(before)} → ${describeLine(after)} from ${effectiveAt.slice(0, 10)}`;
    this.messenger.note('contract.amended', `amended ${change}`, { lineId: before.lineId, mrrDelta: delta });
    if (delta !== 0) this.change(delta > 0 ? 'expansion' : 'contraction', delta, event.eventId);
    if (delta < 0) this.leaks.contracted(event.eventId, before.lineId, delta);
    if (before.usageMetric) return; // usage lines re-price the period they close
    const fullBefore = rateQuantity(before, before.quantity).amount;
    const fullAfter = rateQuantity(after, after.quantity).amount;
    const period = this.currentPeriodOf(line, effectiveAt)!;
    if (before.billing.timing === 'arrears') {
      line.segments = [...(line.segments.length ? line.segments : [{ from: period.start, amount: fullBefore }]), { from: startOfUtcDay(effectiveAt), amount: fullAfter }];
      return;
    }
    // Advance: the current period was invoiced at the old price; the rest of it is charged or credited now.
    const adjustment = amendmentAdjustment({ before: fullBefore, after: fullAfter, period, effectiveAt });
    if (adjustment === 0) return;
    const rest: Period = { start: startOfUtcDay(effectiveAt), end: period.end };
    if (adjustment > 0) {
      this.defer(async () => {
        const draft: Draft = { lines: [], revenue: [], checked: [], skipChecks: true, period: rest };
        this.addLine(draft, line, adjustment, 1, `proration ${change}`, rest, { kind: 'subscription', servicePeriod: rest }, null);
        draft.checked = [];
        await this.issueDraft(draft);
      });
      return;
    }
    this.memory.accountCredit += -adjustment;
    this.creditNote(-adjustment, `Proration credit ${change}`, { method: 'ratable', period: rest }, before.lineId);
  }

  /**
   * Records a credit note (a negative invoice, never netted away) and the revenue it reverses:
   * at once (`point`) or over the credited part of a service period (`ratable`).
   */
  private creditNote(amount: number, description: string, recognise: { method: 'point' } | { method: 'ratable'; period: Period }, lineRef?: string): string {
    this.memory.creditSeq += 1;
    const creditId = `${this.input.contractId}.C${String(this.memory.creditSeq).padStart(3, '0')}`;
    const now = isoNow();
    const period = recognise.method === 'ratable' ? recognise.period : undefined;
    this.memory.invoices.push({ invoiceId: creditId, kind: 'credit_note', status: 'issued', total: this.money(-amount), balance: this.money(0), issuedAt: now, dueAt: now, ...(period ? { period } : {}) });
    (this.step.invoices ??= []).push({
      invoiceId: creditId,
      kind: 'credit_note',
      currency: this.input.currency,
      total: -amount,
      balance: 0,
      status: 'issued',
      issuedAt: now,
      dueAt: now,
      ...(period ? { periodStart: period.start, periodEnd: period.end } : {}),
      lines: [{ description, quantity: 1, unitAmount: -amount, amount: -amount, ...(lineRef ? { lineRef } : {}), ...(period ? { periodStart: period.start, periodEnd: period.end } : {}) }],
    });
    this.addRevenue([{ kind: 'credit', key: `${creditId}:1`, amount: -amount, billedAt: now, recognise }], creditId);
    return creditId;
  }

  /** Monthly recurring revenue of a line: subscription lines and hybrid commitments, not usage or one-time fees. */
  private monthly(line: QuoteLine): number {
    const months = MONTHS[line.billing.interval];
    if (!months) return 0;
    const recurring = line.usageMetric ? (line.pricingModel === 'hybrid' ? rateQuantity(line, 0).amount : 0) : rateQuantity(line, line.quantity).amount;
    return shareOf(recurring, 1, months);
  }

  private mrr(): number {
    return this.memory.lines.reduce((sum, l) => sum + this.monthly(l.line), 0);
  }

  private change(kind: 'new' | 'expansion' | 'contraction' | 'renewal' | 'churn', mrrDelta: number, id = `${kind}:${this.memory.term?.index ?? 0}`): void {
    (this.step.contractChanges ??= []).push({ id, kind, mrrDelta, currency: this.input.currency, occurredAt: isoNow() });
  }

  // ── renewal, churn, win-back ─────────────────────────────────────────────────────────────────

  private async endTerm(): Promise<void> {
    await this.bill();
    const term = this.memory.term!;
    const renew = this.memory.renewal ?? (this.input.autoRenew && !this.memory.cancelled ? { term: term.duration, upliftPercent: this.playbook.renewal.autoRenewUpliftPercent } : null);
    // A renewal that could not be billed exactly ends the contract instead of breaking it.
    const refused = renew && !this.memory.cancelled ? renewalIssue(this.memory.lines, term.end, renew) : null;
    if (refused) this.messenger.note('renewal.refused', `the contract cannot renew: ${refused}`);
    if (!renew || this.memory.cancelled || refused) {
      this.leaks.churned(term.index, this.mrr(), this.memory.cancelled ? 'cancelled' : refused ? 'could not renew' : 'not renewed');
      this.change('churn', -this.mrr());
      this.setStage('churned');
      this.agenda.cancelWhere(() => true);
      this.messenger.send('contract.churned', { contractId: this.input.contractId, end: term.end.slice(0, 10) });
      this.agenda.schedule({ key: 'winback', kind: 'winback', dueAt: addDuration(Date.parse(term.end), this.playbook.winBack.after), summary: `win-back outreach (${this.playbook.winBack.after} after churn)` });
      return;
    }
    const mrrBefore = this.mrr();
    for (const line of this.memory.lines) {
      line.line = uplift(line.line, renew.upliftPercent);
      line.nextPeriod = 0;
      line.segments = [];
    }
    const start = term.end;
    const end = new Date(addDuration(Date.parse(start), renew.term)).toISOString();
    this.memory.term = { index: term.index + 1, start, end, duration: renew.term };
    this.memory.renewal = null;
    this.change('renewal', this.mrr() - mrrBefore);
    this.messenger.note('contract.renewed', `renewed for ${renew.term} (${start.slice(0, 10)} → ${end.slice(0, 10)}), prices ${renew.upliftPercent >= 0 ? '+' : ''}${renew.upliftPercent}%`, { term: this.memory.term });
    this.messenger.send('renewal.renewed', { contractId: this.input.contractId, end: end.slice(0, 10) });
    this.scheduleTerm();
    // A new term is a natural point to start a fresh history.
    this.continueAsNewSoon = true;
  }

  private continueAsNewSoon = false;

  // ── the agenda ───────────────────────────────────────────────────────────────────────────────

  private async perform(item: AgendaItem<ContractAgendaKind>): Promise<void> {
    switch (item.kind) {
      case 'quote.expire':
        if (this.memory.stage !== 'pending_approval' && this.memory.stage !== 'approved') return;
        this.messenger.send('quote.expired', { contractId: this.input.contractId });
        this.leaks.expired(this.yearlyValue(), this.playbook.approvals.quoteExpiresAfter);
        this.setStage('expired');
        this.agenda.cancelWhere(() => true);
        this.ended = 'expired';
        return;
      case 'approval.escalate':
        return this.escalate(String(item.data?.key));
      case 'billing':
        return this.bill();
      case 'renewal.notice': {
        if (this.memory.stage !== 'active') return;
        const end = this.memory.term!.end.slice(0, 10);
        const auto = this.memory.renewal ? ' as agreed' : this.input.autoRenew ? ` automatically (prices +${this.playbook.renewal.autoRenewUpliftPercent}%)` : ' only if you confirm';
        this.messenger.send('renewal.notice', { contractId: this.input.contractId, end, autoRenew: auto });
        this.tasks.push({ taskId: `task:renewal:${this.memory.term!.index}:${item.data?.before}`, kind: 'renewal', summary: `Renewal of ${this.input.contractId} on ${end} (${item.data?.before} notice): confirm, expand or save`, dueAt: this.memory.term!.end, createdAt: isoNow() });
        return;
      }
      case 'term.end':
        return this.endTerm();
      case 'winback':
        this.messenger.send('winback.outreach', { contractId: this.input.contractId, end: this.memory.term!.end.slice(0, 10) });
        this.leaks.winBackSent();
        this.ended = 'churned';
        return;
    }
  }

  onChildNotice(notice: ChildNotice): void {
    if (notice.kind !== 'invoice') return;
    const inv = this.memory.invoices.find((i) => i.invoiceId === notice.invoiceId);
    if (!inv) return;
    const overpaid = overpaymentOnClose(notice, inv.status !== 'paid');
    if (overpaid) {
      this.memory.onAccount = (this.memory.onAccount ?? 0) + overpaid.amount;
      noteCreditAdded(this.messenger, notice.invoiceId, overpaid, this.money(this.memory.onAccount));
    }
    inv.status = notice.status;
    inv.balance = notice.balance;
    inv.dueAt = notice.dueAt;
    this.changed = true;
  }

  // ── publishing ───────────────────────────────────────────────────────────────────────────────

  private setStage(stage: ContractStage): void {
    if (this.memory.stage === stage) return;
    this.messenger.note('stage.changed', `${this.memory.stage} → ${stage}`, { from: this.memory.stage, to: stage });
    this.memory.stage = stage;
    this.memory.stageSince = isoNow();
  }

  /** Signed and not yet ended: the only stages with recurring revenue. */
  private live(): boolean {
    return liveContractStages.includes(this.memory.stage);
  }

  private balanceDue(): number {
    return this.memory.invoices.filter((i) => i.kind === 'invoice' && i.status !== 'held').reduce((sum, i) => sum + i.balance.amount, 0);
  }

  /**
   * Writes what changed. Update handlers apply events while the write is under way; a committed
   * run writes again until nothing is left, so a contract that ended meanwhile records its end.
   */
  private async publish(): Promise<void> {
    await this.publishOnce();
    while (this.writes === 'committed' && this.unpublished()) await this.publishOnce();
  }

  private unpublished(): boolean {
    return this.messenger.hasPending() || this.tasks.length > 0 || Object.keys(this.step).length > 0 || JSON.stringify(this.snapshot()) !== this.published.snapshot;
  }

  /** The read model row of the contract. */
  private snapshot(): ContractSnapshot {
    return {
      customerName: this.input.customer.name,
      stage: this.memory.stage,
      currency: this.input.currency,
      playbook: { id: this.input.playbook.id, version: this.input.playbook.version },
      usageMetrics: this.memory.lines.flatMap((l) => (l.line.usageMetric ? [l.line.usageMetric] : [])),
      termStart: this.memory.term?.start ?? null,
      termEnd: this.memory.term?.end ?? null,
      autoRenew: this.input.autoRenew,
      mrr: this.live() ? this.mrr() : 0,
      nextInvoiceAt: this.nextBillingAt() === null ? null : new Date(this.nextBillingAt()!).toISOString(),
    };
  }

  private async publishOnce(): Promise<void> {
    // Closed invoices drop out of memory once nothing can reach them any more.
    this.memory.invoices = this.memory.invoices.filter((i) => !((i.status === 'paid' || i.status === 'written_off' || i.kind === 'credit_note') && Date.parse(i.issuedAt) < Date.now() - 400 * 86_400_000));
    const next = this.agenda.next();
    const snapshot = this.snapshot();
    const snapshotKey = JSON.stringify(snapshot);
    const tasks = this.tasks;
    this.tasks = [];
    const step = this.step;
    this.step = {};
    if (this.messenger.hasPending() || snapshotKey !== this.published.snapshot || tasks.length || Object.keys(step).length) {
      this.memory.seq = this.messenger.sequence;
      const applied = this.intake.toWrite();
      await this.messenger.flush({ ...step, contract: snapshot, ...(tasks.length ? { tasks } : {}) });
      this.intake.written(applied);
      this.published.snapshot = snapshotKey;
    }
    const attributes = { stage: this.memory.stage, balance: this.balanceDue(), next: next?.dueAt ?? null };
    const attributesKey = JSON.stringify(attributes);
    if (attributesKey !== this.published.searchAttributes) {
      upsertSearchAttributes([
        { key: RevloopTenant, value: this.input.tenantId },
        { key: RevloopCustomer, value: this.input.contractId },
        { key: RevloopStage, value: attributes.stage },
        { key: RevloopPlaybook, value: `${this.input.playbook.id}@v${this.input.playbook.version}` },
        { key: RevloopBalanceDue, value: attributes.balance },
        ...(attributes.next !== null ? [{ key: RevloopNextActionAt, value: new Date(attributes.next) }] : []),
      ]);
      this.published.searchAttributes = attributesKey;
    }
    setCurrentDetails(this.details());
  }

  private details(): string {
    const m = this.memory;
    const next = this.agenda.next();
    const waiting =
      m.stage === 'pending_approval'
        ? `Waiting for approval by ${m.approvals.filter((a) => a.status === 'pending').map((a) => a.role).join(' and ')}.`
        : m.stage === 'approved'
          ? 'Approved; waiting for `contract.signed`.'
          : m.invoices.some((i) => i.status === 'held')
            ? `Invoice held for review (${m.invoices.find((i) => i.status === 'held')!.holdReason}); waiting for \`invoice.approved\`.`
            : next
              ? `Next: ${next.summary} in ${humanizeMs(next.dueAt - Date.now())}.`
              : 'Nothing scheduled.';
    return [
      `Contract **${this.input.contractId}** for **${this.input.customer.name}** · ${this.input.playbook.id} v${this.input.playbook.version}`,
      `Stage **${m.stage}**${m.term ? ` · term ${m.term.index + 1}: ${m.term.start.slice(0, 10)} → ${m.term.end.slice(0, 10)}` : ''} · MRR ${formatMoney(this.money(this.mrr()))} · balance ${formatMoney(this.money(this.balanceDue()))}`,
      waiting,
    ].join('\n\n');
  }

  view(): ContractView {
    const m = this.memory;
    const next = this.nextBillingAt();
    return {
      tenantId: this.input.tenantId,
      contractId: this.input.contractId,
      customer: this.input.customer,
      stage: m.stage,
      stageSince: m.stageSince,
      playbook: { id: this.input.playbook.id, version: this.input.playbook.version },
      currency: this.input.currency,
      approvals: m.approvals,
      approvalsPending: m.approvals.filter((a) => a.status === 'pending'),
      term: m.term,
      autoRenew: this.input.autoRenew,
      cancelled: m.cancelled,
      renewalDate: m.term && this.live() ? m.term.end : null,
      currentPeriods: m.term
        ? m.lines.flatMap((l) => {
            // Before the term starts (signed ahead of its start), its first period is the current one.
            const at = new Date(Math.max(Date.now(), Date.parse(m.term!.start))).toISOString();
            const p = this.currentPeriodOf(l, at);
            return p ? [{ lineId: l.line.lineId, start: p.start, end: p.end }] : [];
          })
        : [],
      nextInvoiceAt: next === null ? null : new Date(next).toISOString(),
      mrr: this.money(this.live() ? this.mrr() : 0),
      accountCredit: this.money(m.accountCredit),
      onAccount: this.money(m.onAccount ?? 0),
      invoices: m.invoices.map(({ lines: _lines, revenue: _revenue, ...inv }) => inv),
      balanceDue: this.money(this.balanceDue()),
      nextActions: this.scheduler.nextActions(),
      eventsApplied: m.eventsApplied,
      recentEventIds: this.intake.recent(20),
      busy: this.busy,
      runs: m.runs + 1,
    };
  }

  // ── continue-as-new ──────────────────────────────────────────────────────────────────────────

  private shouldContinueAsNew(): boolean {
    if (this.pending.length > 0 || this.ended) return false;
    const info = workflowInfo();
    const limit = this.input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    const large = info.continueAsNewSuggested || info.historyLength >= limit;
    if (!this.continueAsNewSoon && !large) return false;
    // Children that are still open keep reporting to this workflow id, whichever run; but the
    // time-skipping test server loses track of time when one finishes across a continue-as-new,
    // so a new term waits for them (a large history does not wait past four times the limit).
    return this.running.size === 0 || info.historyLength >= 4 * limit;
  }

  /** Hands the contract to a fresh run; returns instead when events applied while it waited need the loop first. */
  private async continueAsNew(): Promise<void> {
    await condition(allHandlersFinished);
    await this.messenger.settle();
    if (this.writes === 'committed') {
      // Events applied while this run waited for its handlers: their rows go with this run.
      await this.publish();
      if (this.pending.length > 0 || this.messenger.hasPending() || !allHandlersFinished() || this.ended) return;
    }
    this.intake.written();
    this.memory.runs += 1;
    this.memory.seq = this.messenger.sequence;
    this.memory.agenda = [...this.agenda.list()];
    return continueAsNew<typeof contract>({ ...this.input, memory: this.memory });
  }
}

/** Why a term cannot follow `end` on these terms, or null. */
function renewalIssue(lines: readonly ContractLine[], end: string, renew: { term: string; upliftPercent: number }): string | null {
  const term = termIssue(renew.term);
  if (term) return term;
  if (!inSupportedYears(new Date(addDuration(Date.parse(end), renew.term)).toISOString())) return 'the next term would end beyond the years Revloop bills';
  for (const l of lines) {
    const issue = lineAmountIssue(uplift(l.line, renew.upliftPercent));
    if (issue) return `line ${l.line.lineId}: ${issue}`;
  }
  return null;
}

/** A usage line rated, or null when its amount would be too large to count exactly. */
function rateUsage(line: QuoteLine, quantity: number): ReturnType<typeof rateQuantity> | null {
  try {
    const rated = rateQuantity(line, quantity);
    return Math.abs(rated.amount) <= MAX_AMOUNT ? rated : null;
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

/** A line as an amendment changes it. */
function amendedLine(before: QuoteLine, event: ContractEventOf<'contract.amended'>): QuoteLine {
  return {
    ...before,
    ...(event.quantity !== undefined ? { quantity: event.quantity } : {}),
    ...(event.listPrice ? { listPrice: event.listPrice } : {}),
    ...(event.discountPercent !== undefined ? { discountPercent: event.discountPercent } : {}),
  };
}

/** Why a quote could never be billed exactly (a zero-length term, a date out of range, an amount too large), or null. */
function unbillableQuote(input: ContractWorkflowInput): string | null {
  const term = termIssue(input.term);
  if (term) return term;
  const inRange = () => inSupportedYears(input.start) && inSupportedYears(new Date(addDuration(Date.parse(input.start), input.term)).toISOString());
  try {
    if (!inRange()) return 'its term falls outside the years Revloop bills';
  } catch {
    return 'its term falls outside the years Revloop bills';
  }
  for (const line of input.lines) {
    const issue = lineAmountIssue(line);
    if (issue) return `line ${line.lineId}: ${issue}`;
  }
  return null;
}

function uplift(line: QuoteLine, percent: number): QuoteLine {
  const up = (amount: number) => uplifted(amount, percent);
  return {
    ...line,
    listPrice: { ...line.listPrice, amount: up(line.listPrice.amount) },
    ...(line.tiers ? { tiers: line.tiers.map((t) => ({ ...t, unitAmount: up(t.unitAmount), flatAmount: up(t.flatAmount) })) } : {}),
    ...(line.commitment ? { commitment: { ...line.commitment, amount: up(line.commitment.amount) } } : {}),
  };
}

function describeLine(line: QuoteLine): string {
  return `${line.quantity} × ${formatMoney(line.listPrice)}${line.discountPercent ? ` −${line.discountPercent}%` : ''}`;
}

function describe(event: ContractEvent): string {
  switch (event.type) {
    case 'contract.signed':
      return `contract signed${event.signedBy ? ` by ${event.signedBy}` : ''}`;
    case 'contract.amended':
      return `amendment of line ${event.lineId}`;
    case 'contract.renewed':
      return `renewal agreed${event.term ? ` for ${event.term}` : ''}`;
    case 'contract.cancelled':
      return `cancelled${event.reason ? `: ${event.reason}` : ''}`;
    case 'invoice.approved':
      return `held invoice ${event.invoiceId} approved`;
    case 'payment.received':
      return `payment of ${formatMoney(event.amount)} for ${event.invoiceId}`;
    case 'payment.failed':
      return `payment for ${event.invoiceId} failed: ${event.reason}`;
    case 'invoice.disputed':
      return `invoice ${event.invoiceId} disputed: ${event.reason}`;
    case 'invoice.dispute_resolved':
      return `dispute on ${event.invoiceId} resolved`;
    case 'credit.issued':
      return `credit of ${formatMoney(event.amount)} against ${event.invoiceId}: ${event.reason}`;
    case 'invoice.rebilled':
      return `rebill of ${event.invoiceId}: ${event.reason}`;
  }
}
