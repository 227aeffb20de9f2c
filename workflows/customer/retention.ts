import { addDuration } from '../../domain/durations';
import { nextLocalDate } from '../../domain/local-time';
import { causeOf, type AgendaItem } from '../agenda';
import type { CustomerAgendaKind } from '../definitions';
import type { AgendaHandlers } from '../lifecycle/handlers';
import type { Relationship } from './relationship';

// Retention and reactivation: seasonal and after-service outreach for customers who have had a
// job, and the idle clock that starts a reactivation sequence and ends, unanswered, in dormant.

export const retentionAgenda = {
  'retention.seasonal': (r, item) => {
    const season = r.playbook.retention.seasonal.find((s) => s.id === item.data?.id);
    if (!season || r.messenger.deferForQuietHours(item, r.scheduler)) return;
    // Already booked in: no need to ask.
    if (!r.memory.jobs.some((j) => j.status === 'booked')) sendOutreach(r, item, season.service);
    // Next year's outreach is an item of its own: it is named after its own due time.
    const { cause: _thisYear, ...nextYear } = item;
    r.agenda.schedule({ ...nextYear, dueAt: nextLocalDate(Date.now(), season.month, season.day, season.at, r.timezone) });
  },
  'retention.after_service': (r, item) => {
    if (r.messenger.deferForQuietHours(item, r.scheduler)) return;
    sendOutreach(r, item, String(item.data?.service ?? 'service'));
  },
  'reactivation.start': (r, item) => {
    if (r.memory.reactivation || r.memory.dormant) return;
    r.memory.reactivation = { step: 0, startedAt: Date.now() };
    r.messenger.note('reactivation.started', `no activity for ${r.playbook.reactivation.idleAfter}: reactivation sequence starts`);
    r.leaks.idle(causeOf(item), r.playbook.reactivation.idleAfter, r.memory.lastService?.service);
    r.agenda.schedule({ key: 'reactivation.message', kind: 'reactivation.message', dueAt: Date.now(), summary: `reactivation message 1/${r.playbook.reactivation.messages}`, data: { step: 0 } });
  },
  'reactivation.message': (r, item) => {
    if (!r.memory.reactivation || r.messenger.deferForQuietHours(item, r.scheduler)) return;
    const step = Number(item.data?.step ?? 0);
    const total = r.playbook.reactivation.messages;
    if (!r.messenger.suppresses('reactivation.outreach')) r.leaks.reactivationSent(step + 1);
    r.messenger.send('reactivation.outreach', {});
    r.memory.reactivation.step = step + 1;
    const at = addDuration(Date.now(), r.playbook.reactivation.interval);
    if (step + 1 < total) {
      r.agenda.schedule({ key: 'reactivation.message', kind: 'reactivation.message', dueAt: at, summary: `reactivation message ${step + 2}/${total}`, data: { step: step + 1 } });
    } else {
      r.agenda.schedule({ key: 'reactivation.dormant', kind: 'reactivation.dormant', dueAt: at, summary: 'no answer to reactivation: dormant' });
    }
  },
  'reactivation.dormant': (r) => {
    if (!r.memory.reactivation) return;
    r.memory.reactivation = null;
    r.memory.dormant = true;
    r.messenger.note('customer.dormant', `no answer to ${r.playbook.reactivation.messages} reactivation messages: dormant until the next inquiry`);
    r.leaks.dormant();
  },
} satisfies Partial<AgendaHandlers<CustomerAgendaKind, Relationship, void>>;

/** The customer is back: a reactivation sequence stops, dormant and lost are over. */
export function reengage(r: Relationship): void {
  if (r.memory.reactivation || r.agenda.has('reactivation.dormant')) {
    r.agenda.cancelWhere((i) => i.kind === 'reactivation.message' || i.kind === 'reactivation.dormant');
    r.messenger.note('reactivation.succeeded', 'customer re-engaged during reactivation');
  }
  r.leaks.reengaged();
  r.memory.reactivation = null;
  r.memory.dormant = false;
  r.memory.lost = false;
}

/** The idle clock: no activity for the playbook's window starts the reactivation sequence. */
export function scheduleReactivation(r: Relationship): void {
  const since = r.memory.lastActivityAt ?? r.memory.createdAt;
  r.agenda.schedule({
    key: 'reactivation.start',
    kind: 'reactivation.start',
    dueAt: addDuration(since, r.playbook.reactivation.idleAfter),
    summary: `reactivation after ${r.playbook.reactivation.idleAfter} without activity`,
  });
}

/** Seasonal outreach (AC tune-up every March…) for customers who have had a job, in their time zone. */
export function reconcileSeasonalOutreach(r: Relationship): void {
  const seasonal = r.memory.completedJobs > 0 ? r.playbook.retention.seasonal : [];
  const wanted = new Set(seasonal.map((s) => `retention.seasonal:${s.id}`));
  r.agenda.cancelWhere((i) => i.kind === 'retention.seasonal' && !wanted.has(i.key));
  for (const s of seasonal) {
    const key = `retention.seasonal:${s.id}`;
    if (r.agenda.has(key)) continue;
    r.agenda.schedule({ key, kind: 'retention.seasonal', dueAt: nextLocalDate(Date.now(), s.month, s.day, s.at, r.timezone), summary: `${s.service} outreach`, data: { id: s.id, service: s.service } });
  }
}

/** The playbook's outreach after a completed job (a filter change in six months…), from `now`. */
export function scheduleAfterService(r: Relationship, now: number): void {
  for (const outreach of r.playbook.retention.afterService) {
    r.agenda.schedule({
      key: `retention.after_service:${outreach.id}`,
      kind: 'retention.after_service',
      dueAt: addDuration(now, outreach.after),
      summary: `${outreach.service} outreach (${outreach.after} after service)`,
      data: { id: outreach.id, service: outreach.service },
    });
  }
}

/** Retention outreach (seasonal or after a service): at stake until the customer books, unless the customer opted out of it. */
function sendOutreach(r: Relationship, item: AgendaItem<CustomerAgendaKind>, service: string): void {
  if (!r.messenger.suppresses('retention.outreach')) r.leaks.outreachSent(causeOf(item), service);
  r.messenger.send('retention.outreach', { service });
}
