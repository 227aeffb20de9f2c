import { humanizeMs } from '../../domain/durations';
import { formatLocal } from '../../domain/local-time';
import { formatMoney } from '../../domain/money';
import type { NextAction } from '../agenda';
import type { CustomerView } from '../definitions';
import type { Relationship } from './relationship';
import { balanceDue, nextActions, onAccount, waitingFor } from './state';

// What a relationship shows: the live state its query answers, and the Temporal UI's current
// details (who, stage, what it waits for, the next actions in UTC and local time).

export function upcoming(r: Relationship): NextAction[] {
  return nextActions(r.memory, r.scheduler.nextActions());
}

export function details(r: Relationship): string {
  const m = r.memory;
  const now = Date.now();
  const next = upcoming(r).slice(0, 6);
  return [
    `**${r.input.profile.name}** · playbook \`${r.input.playbook.id}\` v${r.input.playbook.version} · ${r.timezone}`,
    '',
    `Stage **${m.stage}** since ${new Date(m.stageSince).toISOString()}.`,
    `Waiting for ${waitingFor(m)}${next[0] ? `, or ${next[0].summary} in ${humanizeMs(Date.parse(next[0].dueAt) - now)}` : ''}.`,
    '',
    next.length ? '| due (UTC) | local | action |\n|---|---|---|' : 'Nothing scheduled.',
    ...next.map((i) => `| ${i.dueAt} | ${formatLocal(Date.parse(i.dueAt), r.timezone)} | ${i.summary} |`),
    '',
    `Open jobs: ${m.jobs.map((j) => `${j.jobId} (${j.status})`).join(', ') || 'none'} · open invoices: ${m.invoices.map((i) => `${i.invoiceId} ${formatMoney(i.balance)} (${i.status})`).join(', ') || 'none'}`,
    `Balance due **${formatMoney({ amount: balanceDue(m), currency: r.playbook.currency })}**${onAccount(m).map((c) => ` · ${formatMoney(c)} on account`).join('')} · ${m.completedJobs} job(s) completed · ${m.eventsApplied} events applied · run ${m.runs + 1}`,
    m.optOuts.length ? `Opted out of: ${m.optOuts.join(', ')}` : '',
  ].join('\n');
}

export function view(r: Relationship): CustomerView {
  const m = r.memory;
  return {
    tenantId: r.input.tenantId,
    customerId: r.input.customerId,
    name: r.input.profile.name,
    timezone: r.timezone,
    stage: m.stage,
    stageSince: new Date(m.stageSince).toISOString(),
    playbook: { id: r.input.playbook.id, version: r.input.playbook.version },
    openJobs: m.jobs,
    openInvoices: m.invoices,
    balanceDue: { amount: balanceDue(m), currency: r.playbook.currency },
    onAccount: onAccount(m),
    nextActions: upcoming(r),
    inquiry: m.inquiry ? { openedAt: new Date(m.inquiry.openedAt).toISOString(), followUpsSent: m.inquiry.followUpsSent } : null,
    completedJobs: m.completedJobs,
    lastActivityAt: m.lastActivityAt ? new Date(m.lastActivityAt).toISOString() : null,
    optOuts: m.optOuts,
    eventsApplied: m.eventsApplied,
    recentEventIds: r.intake.recent(20),
    pendingEvents: r.intake.pending.length,
    busy: r.busy,
    runs: m.runs,
  };
}
