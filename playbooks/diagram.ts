import { formatMoney } from '../domain/money';
import type { B2BPlaybook } from './b2b-schema';
import type { AnyPlaybook } from './index';
import type { HomeServicePlaybook } from './schema';

/**
 * The lifecycle a playbook sets up, drawn as a Mermaid state diagram: the stages the workflow
 * reports (the same names as the `RevloopStage` search attribute), the events and timers that move
 * a relationship between them, and the playbook's own timings on every arrow. Someone writing a
 * playbook sees what it will do before a customer meets it.
 */
export function playbookDiagram(playbook: AnyPlaybook): string {
  const lines = playbook.kind === 'b2b' ? b2bLifecycle(playbook) : homeServiceLifecycle(playbook);
  return ['stateDiagram-v2', `  %% ${label(playbook.name)} (${playbook.id})`, ...lines.map((l) => `  ${l}`)].join('\n') + '\n';
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

function note(state: string, rows: string[]): string[] {
  return [`note right of ${state}`, ...rows.map((r) => `  ${label(r)}`), 'end note'];
}

function homeServiceLifecycle(p: HomeServicePlaybook): string[] {
  const firstCollection = p.collections.steps[0]!;
  const writeOff = p.collections.steps.find((s) => s.action === 'write_off');
  const seasons = p.retention.seasonal.map((s) => `${s.service} every ${monthName(s.month)} ${s.day} at ${s.at} local`);
  const afterService = p.retention.afterService.map((s) => `${s.service} ${s.after} after a job`);
  return [
    `[*] --> inquiry: ${label('inquiry.received or call.missed')}`,
    `inquiry --> booking: booking.requested`,
    `inquiry --> lost: ${label(`still unbooked ${p.inquiry.lostAfter} after the inquiry`)}`,
    `booking --> job: job.started`,
    `booking --> booking: ${label(`no job.started ${p.booking.noShowAfter} after the slot, a new slot is offered`)}`,
    `job --> invoice: ${label(`job.completed, invoice issued at once, due ${p.invoicing.netTerms === 'P0D' ? 'on receipt' : `after ${p.invoicing.netTerms}`}`)}`,
    `invoice --> collections: ${label(`unpaid ${firstCollection.after} after due`)}`,
    `invoice --> review: paid`,
    `collections --> review: ${label(writeOff ? `paid, or written off ${writeOff.after} after due` : 'paid')}`,
    `review --> retention: ${label(`review request ${p.review.requestAfter} after the job`)}`,
    `retention --> booking: booking.requested`,
    `retention --> reactivation: ${label(`no activity for ${p.reactivation.idleAfter}`)}`,
    `reactivation --> dormant: ${label(`${p.reactivation.messages} messages ${p.reactivation.interval} apart, no answer`)}`,
    `reactivation --> inquiry: inquiry.received`,
    `dormant --> inquiry: inquiry.received`,
    `lost --> inquiry: inquiry.received`,
    ...note('inquiry', [
      p.speedToLead.acknowledgeInquiry ? 'acknowledged at once' : 'no automatic acknowledgement',
      `missed call text-back within ${p.speedToLead.missedCallTextBackWithin}`,
      `follow-ups ${list(p.inquiry.followUps)} while unbooked`,
      p.quietHours ? `in every stage, no message outside ${p.quietHours.start}-${p.quietHours.end} customer-local` : 'messages at any hour',
    ]),
    ...note('booking', [p.booking.confirm ? 'confirmed at once' : 'no confirmation', `reminders ${list(p.booking.remindersBefore)} before the slot`]),
    ...note('collections', [
      ...p.collections.steps.map((s) => `${s.after} after due, ${s.action.replace('_', ' ')}`),
      `after payment.failed, retries ${list(p.collections.paymentRetries)}`,
      'invoice.disputed pauses every step',
    ]),
    ...note('review', [`rating ${p.review.serviceRecoveryAtOrBelow} or lower, a service-recovery task, no public-review push`, 'never while an invoice is disputed or after an opt-out']),
    ...note('retention', seasons.length + afterService.length ? [...seasons, ...afterService] : ['no retention outreach']),
  ];
}

function b2bLifecycle(p: B2BPlaybook): string[] {
  const g = p.guardrails;
  const tiers = g.discountTiers.map((t) => `${t.role} up to ${t.upTo}%`);
  const escalation = Object.entries(p.approvals.escalation).map(([from, to]) => `${from} to ${to}`);
  const anomaly = p.billing.anomaly;
  return [
    `[*] --> approved: ${label(`quote within policy, discount up to ${g.autoApproveDiscountUpTo}% and a standard term (${list(g.standardTerms)})`)}`,
    `[*] --> pending_approval: ${label('quote outside auto-approval')}`,
    `pending_approval --> approved: ${label('every required approver approves')}`,
    `pending_approval --> rejected: ${label('an approver rejects')}`,
    `pending_approval --> expired: ${label(`not signed ${p.approvals.quoteExpiresAfter} after the quote`)}`,
    `approved --> expired: ${label(`not signed ${p.approvals.quoteExpiresAfter} after the quote`)}`,
    `approved --> active: contract.signed`,
    `active --> active: ${label(`term renews, contract.renewed or auto-renew with ${p.renewal.autoRenewUpliftPercent}% uplift`)}`,
    `active --> cancelling: contract.cancelled`,
    `cancelling --> churned: ${label('term ends')}`,
    `churned --> [*]: ${label(`win-back outreach ${p.winBack.after} after churn`)}`,
    ...note('pending_approval', [
      `discounts ${list(tiers)}, above ${g.discountTiers.at(-1)!.upTo}% refused`,
      `a non-standard term needs ${g.nonStandardTermRole}`,
      `no decision in ${p.approvals.escalateAfter} escalates${escalation.length ? ` (${escalation.join(', ')})` : ''}`,
    ]),
    ...note('active', [
      `an invoice at every period boundary, due after ${p.billing.netTerms}`,
      `held for approval when a line departs more than ${anomaly.thresholdPercent}% from its last ${anomaly.trailingInvoices} invoices, or a first invoice is above ${formatMoney({ amount: anomaly.firstInvoiceAbove, currency: p.currency })}`,
      `collections ${list(p.collections.steps.map((s) => `${s.after} ${s.action.replace('_', ' ')}`))} after due`,
      `renewal notices ${list(p.renewal.noticeBefore)} before term end`,
      'contract.amended prorates by day, tagged expansion or contraction',
    ]),
  ];
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const monthName = (month: number) => MONTHS[month - 1]!;
