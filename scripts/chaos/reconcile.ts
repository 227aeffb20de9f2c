import type { Client } from '@temporalio/client';
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { invoices, jobs, messages, payments, timelineEntries, usageRecords } from '../../db/schema';
import { contractWorkflowId, customerWorkflowId } from '../../domain/ids';
import { contractStateQuery } from '../../workflows/contract-definitions';
import { customerStateQuery } from '../../workflows/definitions';
import type { Ledger } from './load';

/**
 * Holds every acknowledged event against what the lifecycles did, in their own words and in
 * PostgreSQL: the event's timeline row (written by the step that applied it), the job a booking
 * opened, the invoice a completion issued, the payment a payment event recorded and the balance
 * it left, the workflow's own count of events applied, and the messages sent, each bounded by the
 * events that can cause it.
 */
export interface Findings {
  acknowledged: number;
  /** Acknowledged events without their row or their effect. */
  lost: string[];
  /** Events applied more often than they were recorded, payments that took money twice. */
  appliedTwice: string[];
  /** Messages beyond what the events could have caused. */
  duplicateMessages: string[];
  /** A stage change that does not start where the last one ended: a row written by a step that never happened. */
  timelineBreaks: string[];
  /** Workflows whose query says they still wait to apply or write something. */
  busy: string[];
}

type Subject = { type: 'customer' | 'contract'; id: string };
const key = (s: Subject) => `${s.type}:${s.id}`;

/** Message kinds a customer's events cause, and the event type that bounds how many there can be. */
const customerMessageBounds: Record<string, string> = {
  'booking.confirmation': 'booking.requested',
  'booking.rescheduled': 'booking.rescheduled',
  'booking.cancelled': 'booking.cancelled',
  'missed_call.text_back': 'call.missed',
  'inquiry.acknowledgement': 'inquiry.received',
  'invoice.issued': 'job.completed',
  'collections.payment_failed': 'payment.failed',
  'review.public_push': 'review.submitted',
};

export async function reconcile(db: Database, client: Client, tenantId: string, ledger: Ledger): Promise<Findings> {
  const acked = ledger.deliveries.filter((d) => d.answer === 202);
  const findings: Findings = { acknowledged: new Set(acked.map((d) => `${key(d.subject)}/${d.eventId}`)).size, lost: [], appliedTwice: [], duplicateMessages: [], timelineBreaks: [], busy: [] };

  const timeline = await db.select().from(timelineEntries).where(eq(timelineEntries.tenantId, tenantId)).orderBy(asc(timelineEntries.position));
  const events = new Map<string, Map<string, string>>();
  for (const row of timeline.filter((r) => r.kind === 'event')) {
    const subject = `${row.subjectType}:${row.subjectId}`;
    if (!events.has(subject)) events.set(subject, new Map());
    events.get(subject)!.set(row.id, row.type);
  }
  for (const d of acked) if (!events.get(key(d.subject))?.has(d.eventId)) findings.lost.push(`${key(d.subject)} ${d.type} ${d.eventId}: acknowledged, never applied`);

  const jobRows = new Set((await db.select({ id: jobs.id, customerId: jobs.customerId }).from(jobs).where(eq(jobs.tenantId, tenantId))).map((j) => `${j.customerId}/${j.id}`));
  for (const b of ledger.bookings) if (!jobRows.has(`${b.customerId}/${b.jobId}`)) findings.lost.push(`customer:${b.customerId} job ${b.jobId}: booked, no job`);

  const invoiceRows = new Map((await db.select().from(invoices).where(eq(invoices.tenantId, tenantId))).map((i) => [i.id, i]));
  const paymentRows = await db.select().from(payments).where(eq(payments.tenantId, tenantId));
  const paymentIds = new Map(paymentRows.map((p) => [p.id, p]));
  for (const p of ledger.payments) {
    const row = paymentIds.get(p.eventId);
    if (!row || row.status !== 'received' || row.amount !== p.amount || row.invoiceId !== p.invoiceId) findings.lost.push(`${key(p.subject)} payment ${p.eventId} of ${p.amount} on ${p.invoiceId}: not recorded as such`);
  }
  for (const inv of ledger.invoices) {
    const row = invoiceRows.get(inv.invoiceId);
    if (!row || row.subjectId !== inv.subject.id) {
      findings.lost.push(`${key(inv.subject)} invoice ${inv.invoiceId}: completed or billed, never issued to this subject`);
      continue;
    }
    const paid = paymentRows.filter((p) => p.invoiceId === inv.invoiceId && p.status === 'received').reduce((sum, p) => sum + (p.amount ?? 0), 0);
    const expected = Math.max(0, row.total - paid);
    if (row.balance > expected) findings.lost.push(`${key(inv.subject)} invoice ${inv.invoiceId}: balance ${row.balance}, payments leave ${expected}`);
    if (row.balance < expected) findings.appliedTwice.push(`${key(inv.subject)} invoice ${inv.invoiceId}: balance ${row.balance}, payments leave ${expected}`);
  }
  const usageRows = new Set((await db.select({ id: usageRecords.id, contractId: usageRecords.contractId }).from(usageRecords).where(eq(usageRecords.tenantId, tenantId))).map((u) => `${u.contractId}/${u.id}`));
  for (const u of ledger.usage) if (!usageRows.has(`${u.contractId}/${u.recordId}`)) findings.lost.push(`contract:${u.contractId} usage ${u.recordId}: accepted, not stored`);

  // The workflows' own counts: an event applied twice counts twice but has one row.
  const subjects: Subject[] = [...ledger.customers.map((id) => ({ type: 'customer' as const, id })), ...ledger.contracts.map((id) => ({ type: 'contract' as const, id }))];
  for (const subject of subjects) {
    const rows = events.get(key(subject))?.size ?? 0;
    const view =
      subject.type === 'customer'
        ? await client.workflow.getHandle(customerWorkflowId(tenantId, subject.id)).query(customerStateQuery)
        : await client.workflow.getHandle(contractWorkflowId(tenantId, subject.id)).query(contractStateQuery);
    if (view.busy || ('pendingEvents' in view && view.pendingEvents > 0)) findings.busy.push(key(subject));
    if (view.eventsApplied > rows) findings.appliedTwice.push(`${key(subject)}: ${view.eventsApplied} events applied, ${rows} recorded`);
  }

  const outbox = await db.select().from(messages).where(eq(messages.tenantId, tenantId));
  for (const subject of subjects.filter((s) => s.type === 'customer')) {
    const mine = outbox.filter((m) => m.subjectType === 'customer' && m.subjectId === subject.id);
    const types = [...(events.get(key(subject))?.values() ?? [])];
    for (const [kind, cause] of Object.entries(customerMessageBounds)) {
      const sent = mine.filter((m) => m.kind === kind).length;
      const causes = types.filter((t) => t === cause).length;
      if (sent > causes) findings.duplicateMessages.push(`${key(subject)}: ${sent} ${kind} for ${causes} ${cause}`);
    }
  }
  for (const subject of subjects.filter((s) => s.type === 'contract')) {
    const mine = outbox.filter((m) => m.subjectType === 'contract' && m.subjectId === subject.id);
    const issued = [...invoiceRows.values()].filter((i) => i.subjectType === 'contract' && i.subjectId === subject.id && i.kind === 'invoice' && i.status !== 'held').length;
    const bounds: Record<string, number> = { 'quote.sent': 1, 'contract.welcome': 1, 'invoice.issued': issued };
    for (const [kind, most] of Object.entries(bounds)) {
      const sent = mine.filter((m) => m.kind === kind).length;
      if (sent > most) findings.duplicateMessages.push(`${key(subject)}: ${sent} ${kind}, at most ${most}`);
    }
  }
  // One timeline entry per message: a message recorded twice under two ids shows here too.
  const sentEntries = new Map<string, number>();
  for (const row of timeline.filter((r) => r.type === 'message.sent' || r.type === 'message.suppressed')) sentEntries.set(String(row.data.messageId), (sentEntries.get(String(row.data.messageId)) ?? 0) + 1);
  for (const m of outbox) if ((sentEntries.get(m.id) ?? 0) !== 1) findings.duplicateMessages.push(`message ${m.id}: ${sentEntries.get(m.id) ?? 0} timeline entries`);

  for (const subject of subjects) {
    let stage: string | undefined;
    for (const row of timeline.filter((r) => r.type === 'stage.changed' && r.subjectType === subject.type && r.subjectId === subject.id)) {
      const { from, to } = row.data as { from: string; to: string };
      if (stage !== undefined && from !== stage) findings.timelineBreaks.push(`${key(subject)}: ${from} → ${to} after a change to ${stage}`);
      stage = to;
    }
  }
  return findings;
}

export function clean(findings: Findings): boolean {
  return findings.lost.length + findings.appliedTwice.length + findings.duplicateMessages.length + findings.timelineBreaks.length + findings.busy.length === 0;
}
