import { and, asc, eq, inArray } from 'drizzle-orm';
import { invoiceLines, invoices, payments } from '../../db/schema';
import { legacyChildWorkflowIds } from '../../domain/ids';
import { money } from '../../domain/money';
import type { ApiDependencies } from '../dependencies';
import { listPage, timeOrdered } from '../http/pagination';
import { temporalUiLink } from '../temporal-links';

/**
 * A page of a customer's or a contract's invoices (and credit notes), oldest first, with lines,
 * payments, balance, collections status and any pre-bill hold: one listing for both lifecycles.
 */
export async function listInvoices(
  deps: ApiDependencies,
  tenantId: string,
  subject: { subjectType: 'customer' | 'contract'; subjectId: string },
  query: { limit: number; cursor?: string | undefined },
) {
  const order = timeOrdered(query, invoices.issuedAt, invoices.id, (r: typeof invoices.$inferSelect) => [r.issuedAt, r.id]);
  const { data, next } = await listPage(deps.db, invoices, [eq(invoices.tenantId, tenantId), eq(invoices.subjectType, subject.subjectType), eq(invoices.subjectId, subject.subjectId)], order, (r) => r);
  const ids = data.map((r) => r.id);
  const [lines, paid] = ids.length
    ? await Promise.all([
        deps.db
          .select()
          .from(invoiceLines)
          .where(and(eq(invoiceLines.tenantId, tenantId), eq(invoiceLines.subjectType, subject.subjectType), eq(invoiceLines.subjectId, subject.subjectId), inArray(invoiceLines.invoiceId, ids)))
          .orderBy(asc(invoiceLines.lineNo)),
        deps.db
          .select()
          .from(payments)
          .where(and(eq(payments.tenantId, tenantId), eq(payments.subjectType, subject.subjectType), eq(payments.subjectId, subject.subjectId), inArray(payments.invoiceId, ids)))
          .orderBy(asc(payments.occurredAt)),
      ])
    : [[], []];
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    data: data.map((inv) => ({
      id: inv.id,
      kind: inv.kind,
      ...(subject.subjectType === 'customer' ? { jobId: inv.jobId } : { period: inv.periodStart ? { start: iso(inv.periodStart), end: iso(inv.periodEnd) } : null }),
      status: inv.status,
      hold: inv.holdReason ? { reason: inv.holdReason, released: inv.status !== 'held' } : null,
      total: money(inv.total, inv.currency),
      balance: money(inv.balance, inv.currency),
      collectionsStep: inv.collectionsStep,
      issuedAt: inv.issuedAt.toISOString(),
      dueAt: inv.dueAt.toISOString(),
      paidAt: iso(inv.paidAt),
      writtenOffAt: iso(inv.writtenOffAt),
      dispute: inv.disputedAt ? { at: inv.disputedAt.toISOString(), reason: inv.disputeReason } : null,
      lines: lines
        .filter((l) => l.invoiceId === inv.id)
        .map((l) => ({
          description: l.description,
          quantity: Number(l.quantity),
          unitPrice: money(l.unitAmount, inv.currency),
          amount: money(l.amount, inv.currency),
          ...(l.lineRef ? { lineId: l.lineRef } : {}),
          ...(l.periodStart ? { period: { start: iso(l.periodStart), end: iso(l.periodEnd) } } : {}),
        })),
      payments: paid
        .filter((p) => p.invoiceId === inv.id)
        .map((p) => ({ id: p.id, status: p.status, amount: p.amount === null ? null : money(p.amount, p.currency ?? inv.currency), method: p.method, reason: p.reason, at: p.occurredAt.toISOString() })),
      links: inv.kind === 'invoice' && inv.status !== 'held' ? { temporalUi: temporalUiLink(deps.config, inv.workflowId ?? legacyChildWorkflowIds.invoice(tenantId, inv.id)) } : {},
    })),
    next,
  };
}
