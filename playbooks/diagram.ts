import { durationInWords as words } from '../domain/durations';
import { formatMoney } from '../domain/money';
import type { B2BPlaybook } from './b2b-schema';
import type { AnyPlaybook } from './index';
import type { HomeServicePlaybook } from './schema';

/**
 * The lifecycle a playbook sets up: the stages the workflow reports (the same names as the
 * `RevloopStage` search attribute), the events and timers that move a relationship between them,
 * and the playbook's own timings, in words, on every arrow. Someone writing a playbook sees what
 * it will do before a customer meets it. One model, drawn two ways: Mermaid source here, and
 * Graphviz DOT for the SVG the API renders (`diagram-svg.ts`).
 */
export interface LifecycleDiagram {
  /** "HVAC (hvac)". */
  title: string;
  /** `[*]` is where a lifecycle starts (as a source) or ends (as a target). */
  transitions: Array<{ from: string; to: string; label: string }>;
  /** What a stage does while a relationship is in it. */
  notes: Array<{ state: string; rows: string[] }>;
}

export function lifecycleOf(playbook: AnyPlaybook): LifecycleDiagram {
  const { transitions, notes } = playbook.kind === 'b2b' ? b2bLifecycle(playbook) : homeServiceLifecycle(playbook);
  return { title: `${playbook.name} (${playbook.id})`, transitions, notes };
}

/** Mermaid state-diagram source, for any Mermaid renderer. */
export function playbookDiagram(playbook: AnyPlaybook): string {
  const d = lifecycleOf(playbook);
  const lines = [
    ...d.transitions.map((t) => `${t.from} --> ${t.to}: ${label(t.label)}`),
    ...d.notes.flatMap((n) => [`note right of ${n.state}`, ...n.rows.map((r) => `  ${label(r)}`), 'end note']),
  ];
  return ['stateDiagram-v2', `  %% ${label(d.title)}`, ...lines.map((l) => `  ${l}`)].join('\n') + '\n';
}

/** Graphviz DOT: stages as rounded boxes top to bottom, timings on the arrows, each stage's note beside it. */
export function playbookDot(playbook: AnyPlaybook): string {
  const d = lifecycleOf(playbook);
  const node = (state: string, role: 'from' | 'to') => (state === '[*]' ? (role === 'from' ? 'start' : 'end') : state);
  const states = [...new Set(d.transitions.flatMap((t) => [t.from, t.to]).filter((s) => s !== '[*]'))];
  const lines = [
    'digraph lifecycle {',
    `  label=${dotString(d.title)}; labelloc=t; fontname="Helvetica"; fontsize=16; rankdir=TB; nodesep=0.5; ranksep=0.45;`,
    '  node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=9, color="#555555"];',
    '  start [shape=circle, style=filled, fillcolor="#222222", label="", width=0.2];',
    ...(d.transitions.some((t) => t.to === '[*]') ? ['  end [shape=doublecircle, style=filled, fillcolor="#222222", label="", width=0.15];'] : []),
    ...states.map((s) => `  ${s} [shape=box, style="rounded,filled", fillcolor="#eef4ff", color="#3b6fd8", label=${dotString(s)}];`),
    ...d.transitions.map((t) => `  ${node(t.from, 'from')} -> ${node(t.to, 'to')} [label=${dotString(wrap(t.label, 28))}];`),
    ...d.notes.flatMap((n, i) => [
      `  note${i} [shape=note, style=filled, fillcolor="#fff8dc", color="#c9b458", fontsize=9, label=${dotString(n.rows.map((r) => wrap(r, 40)).join('\n'))}];`,
      `  ${n.state} -> note${i} [style=dashed, arrowhead=none, color="#c9b458"];`,
    ]),
    '}',
  ];
  return lines.join('\n') + '\n';
}

/** A DOT string: quoted, with quotes and backslashes escaped and newlines as DOT line breaks. */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/** Breaks a long label at spaces, so arrows stay readable. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}

/**
 * Mermaid ends a label at a newline and reads `:` `;` `#` `{}` as syntax. A tenant's free text
 * (service names) must not break the diagram: a colon becomes the look-alike ratio sign, so
 * "10:00" still reads as a time, and the rest become plain punctuation.
 */
function label(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/:/g, '\u2236')
    .replace(/;/g, ',')
    .replace(/#/g, 'no.')
    .replace(/\{/g, '(')
    .replace(/\}/g, ')')
    .replace(/\s+/g, ' ')
    .trim();
}

const list = (items: readonly string[]) => (items.length ? items.join(', ') : 'none');
const listWords = (durations: readonly string[]) => list(durations.map(words));

type Parts = Pick<LifecycleDiagram, 'transitions' | 'notes'>;
const to = (from: string, target: string, text: string) => ({ from, to: target, label: text });

function homeServiceLifecycle(p: HomeServicePlaybook): Parts {
  const firstCollection = p.collections.steps[0]!;
  const writeOff = p.collections.steps.find((s) => s.action === 'write_off');
  const seasons = p.retention.seasonal.map((s) => `${s.service} every ${monthName(s.month)} ${s.day} at ${s.at} local`);
  const afterService = p.retention.afterService.map((s) => `${s.service} ${words(s.after)} after a job`);
  return {
    transitions: [
      to('[*]', 'inquiry', 'inquiry.received or call.missed'),
      to('inquiry', 'booking', 'booking.requested'),
      to('inquiry', 'lost', `still unbooked ${words(p.inquiry.lostAfter)} after the inquiry`),
      to('booking', 'job', 'job.started'),
      to('booking', 'booking', `no job.started ${words(p.booking.noShowAfter)} after the slot, a new slot is offered`),
      to('job', 'invoice', `job.completed, invoice issued at once, due ${p.invoicing.netTerms === 'P0D' ? 'on receipt' : `after ${words(p.invoicing.netTerms)}`}`),
      to('invoice', 'collections', `unpaid ${words(firstCollection.after)} after due`),
      to('invoice', 'review', 'paid'),
      to('collections', 'review', writeOff ? `paid, or written off ${words(writeOff.after)} after due` : 'paid'),
      to('review', 'retention', `review request ${words(p.review.requestAfter)} after the job`),
      to('retention', 'booking', 'booking.requested'),
      to('retention', 'reactivation', `no activity for ${words(p.reactivation.idleAfter)}`),
      to('reactivation', 'dormant', `${p.reactivation.messages} messages ${words(p.reactivation.interval)} apart, no answer`),
      to('reactivation', 'inquiry', 'inquiry.received'),
      to('dormant', 'inquiry', 'inquiry.received'),
      to('lost', 'inquiry', 'inquiry.received'),
    ],
    notes: [
      {
        state: 'inquiry',
        rows: [
          p.speedToLead.acknowledgeInquiry ? 'acknowledged at once' : 'no automatic acknowledgement',
          `missed call text-back within ${words(p.speedToLead.missedCallTextBackWithin)}`,
          `follow-ups ${listWords(p.inquiry.followUps)} while unbooked`,
          p.quietHours ? `in every stage, no message outside ${p.quietHours.start}-${p.quietHours.end} customer-local` : 'messages at any hour',
        ],
      },
      { state: 'booking', rows: [p.booking.confirm ? 'confirmed at once' : 'no confirmation', `reminders ${listWords(p.booking.remindersBefore)} before the slot`] },
      {
        state: 'collections',
        rows: [
          ...p.collections.steps.map((s) => `${words(s.after)} after due, ${s.action.replace('_', ' ')}`),
          `after payment.failed, retries ${listWords(p.collections.paymentRetries)}`,
          'invoice.disputed pauses every step',
        ],
      },
      { state: 'review', rows: [`rating ${p.review.serviceRecoveryAtOrBelow} or lower, a service-recovery task, no public-review push`, 'never while an invoice is disputed or after an opt-out'] },
      { state: 'retention', rows: seasons.length + afterService.length ? [...seasons, ...afterService] : ['no retention outreach'] },
    ],
  };
}

function b2bLifecycle(p: B2BPlaybook): Parts {
  const g = p.guardrails;
  const tiers = g.discountTiers.map((t) => `${t.role} up to ${t.upTo}%`);
  const escalation = Object.entries(p.approvals.escalation).map(([from, target]) => `${from} to ${target}`);
  const anomaly = p.billing.anomaly;
  const expires = `not signed ${words(p.approvals.quoteExpiresAfter)} after the quote`;
  return {
    transitions: [
      to('[*]', 'approved', `quote within policy, discount up to ${g.autoApproveDiscountUpTo}% and a standard term (${listWords(g.standardTerms)})`),
      to('[*]', 'pending_approval', 'quote outside auto-approval'),
      to('pending_approval', 'approved', 'every required approver approves'),
      to('pending_approval', 'rejected', 'an approver rejects'),
      to('pending_approval', 'expired', expires),
      to('approved', 'expired', expires),
      to('approved', 'active', 'contract.signed'),
      to('active', 'active', `term renews, contract.renewed or auto-renew with ${p.renewal.autoRenewUpliftPercent}% uplift`),
      to('active', 'cancelling', 'contract.cancelled'),
      to('cancelling', 'churned', 'term ends'),
      to('churned', '[*]', `win-back outreach ${words(p.winBack.after)} after churn`),
    ],
    notes: [
      {
        state: 'pending_approval',
        rows: [
          `discounts ${list(tiers)}, above ${g.discountTiers.at(-1)!.upTo}% refused`,
          `a non-standard term needs ${g.nonStandardTermRole}`,
          `no decision in ${words(p.approvals.escalateAfter)} escalates${escalation.length ? ` (${escalation.join(', ')})` : ''}`,
        ],
      },
      {
        state: 'active',
        rows: [
          `an invoice at every period boundary, due after ${words(p.billing.netTerms)}`,
          `held for approval when a line departs more than ${anomaly.thresholdPercent}% from its last ${anomaly.trailingInvoices} invoices, or a first invoice is above ${formatMoney({ amount: anomaly.firstInvoiceAbove, currency: p.currency })}`,
          `collections ${list(p.collections.steps.map((s) => `${words(s.after)} ${s.action.replace('_', ' ')}`))} after due`,
          `renewal notices ${listWords(p.renewal.noticeBefore)} before term end`,
          'contract.amended prorates by day, tagged expansion or contraction',
        ],
      },
    ],
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const monthName = (month: number) => MONTHS[month - 1]!;
