import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { contractChanges, contracts, customers, invoiceLines, invoices, jobs, leakageEntries, messages, messagingSettings, payments, policyExceptions, revenueLines, tasks, timelineEntries } from '../db/schema';
import { leakRowValues } from './leak-rows';
import { upsertCustomer } from './customers';
import { outboxRecord, type Transport } from './messages';
import type { StepRecords } from './records';
import { timelineRow } from './timeline';

const d = (iso: string | undefined) => (iso ? new Date(iso) : null);

export function createProgressActivities(db: Database) {
  async function transportOf(tenantId: string): Promise<Transport> {
    const [row] = await db.select({ transport: messagingSettings.transport }).from(messagingSettings).where(eq(messagingSettings.tenantId, tenantId));
    return row?.transport ?? 'outbox';
  }

  return {
    /**
     * Records one workflow step atomically: timeline entries, the messages it sent (into the
     * outbox), and the job, invoice, payments, tasks and customer read model it changed. Every row is
     * keyed by an id the workflow chose, so a retried step writes nothing twice. Answers the
     * messages still waiting for a delivering channel, including ones a previous attempt wrote.
     */
    async recordProgress(input: StepRecords): Promise<{ deliver: string[] }> {
      // Rows a step changes carry its number: an older step's write, arriving late from a worker
      // that was frozen in the middle of it, finds a newer one there and changes nothing.
      const version = input.version ?? 0;
      const drafts = input.messages ?? [];
      const transport = drafts.length > 0 ? await transportOf(input.tenantId) : 'outbox';
      const outbox = drafts.map((m) => outboxRecord(input, m, transport));
      const entries = [...input.entries, ...outbox.map((o) => o.entry)];
      return db.transaction(async (tx) => {
        // The customer row first (the rest may refer to it); then every other statement of the step
        // goes out at once, pipelined on the transaction's connection and run by PostgreSQL in
        // order: one round trip instead of one per table, the same rows.
        if (input.newCustomer) await upsertCustomer(tx as unknown as Database, input.newCustomer);
        const writes: PromiseLike<unknown>[] = [];
        const run = (statement: PromiseLike<unknown>) => void writes.push(statement);
        if (outbox.length > 0) run(tx.insert(messages).values(outbox.map((o) => o.row)).onConflictDoNothing());
        if (entries.length > 0) run(tx.insert(timelineEntries).values(entries.map((e) => timelineRow(input, e))).onConflictDoNothing());

        if (input.job) {
          const j = input.job;
          const values = {
            service: j.service,
            status: j.status,
            scheduledAt: new Date(j.scheduledAt),
            estimateAmount: j.estimate?.amount ?? null,
            currency: j.estimate?.currency ?? null,
            startedAt: d(j.startedAt),
            completedAt: d(j.completedAt),
            cancelledAt: d(j.cancelledAt),
            updatedAt: new Date(),
            version,
          };
          run(tx
            .insert(jobs)
            .values({ tenantId: input.tenantId, id: j.jobId, customerId: j.customerId, bookedAt: new Date(j.bookedAt), ...values })
            .onConflictDoUpdate({ target: [jobs.tenantId, jobs.customerId, jobs.id], set: values, setWhere: lt(jobs.version, version) }));
        }

        // `invoice` is the invoice workflow's own, updated step by step; `invoices` are created once by
        // the contract (held invoices, credit notes) and only ever updated by an invoice workflow.
        const owned = input.invoice ? [{ inv: input.invoice, version }] : [];
        for (const { inv, version: rowVersion } of [...owned, ...(input.invoices ?? []).map((inv) => ({ inv, version: 0 }))]) {
          const values = {
            total: inv.total,
            balance: inv.balance,
            status: inv.status,
            collectionsStep: inv.collectionsStep ?? null,
            dueAt: new Date(inv.dueAt),
            paidAt: d(inv.paidAt),
            writtenOffAt: d(inv.writtenOffAt),
            disputedAt: d(inv.disputedAt),
            disputeReason: inv.disputeReason ?? null,
            // A held invoice is issued when released: its issue date is the release.
            issuedAt: new Date(inv.issuedAt),
            ...(inv.holdReason ? { holdReason: inv.holdReason } : {}),
            ...(inv.workflowId ? { workflowId: inv.workflowId } : {}),
            updatedAt: new Date(),
            version: rowVersion,
          };
          run(tx
            .insert(invoices)
            .values({
              tenantId: input.tenantId,
              id: inv.invoiceId,
              subjectType: input.subjectType,
              subjectId: input.subjectId,
              jobId: inv.jobId ?? null,
              currency: inv.currency,
              kind: inv.kind ?? 'invoice',
              periodStart: d(inv.periodStart),
              periodEnd: d(inv.periodEnd),
              ...values,
            })
            .onConflictDoUpdate({ target: [invoices.tenantId, invoices.subjectType, invoices.subjectId, invoices.id], set: values, setWhere: lt(invoices.version, rowVersion) }));
          if (inv.lines?.length) {
            run(tx
              .insert(invoiceLines)
              .values(
                inv.lines.map((l, i) => ({
                  tenantId: input.tenantId,
                  subjectType: input.subjectType,
                  subjectId: input.subjectId,
                  invoiceId: inv.invoiceId,
                  lineNo: i + 1,
                  description: l.description,
                  quantity: String(l.quantity),
                  unitAmount: l.unitAmount,
                  amount: l.amount,
                  lineRef: l.lineRef ?? null,
                  periodStart: d(l.periodStart),
                  periodEnd: d(l.periodEnd),
                })),
              )
              .onConflictDoNothing());
          }
        }

        if (input.payments?.length) {
          run(tx
            .insert(payments)
            .values(
              input.payments.map((p) => ({
                tenantId: input.tenantId,
                subjectType: input.subjectType,
                subjectId: input.subjectId,
                id: p.paymentId,
                invoiceId: p.invoiceId,
                status: p.status,
                amount: p.amount ?? null,
                currency: p.currency ?? null,
                method: p.method ?? null,
                reason: p.reason ?? null,
                occurredAt: new Date(p.occurredAt),
              })),
            )
            .onConflictDoNothing());
        }

        if (input.tasks?.length) {
          run(tx
            .insert(tasks)
            .values(
              input.tasks.map((t) => ({
                tenantId: input.tenantId,
                id: t.taskId,
                subjectType: input.subjectType,
                subjectId: input.subjectId,
                kind: t.kind,
                summary: t.summary,
                status: 'open' as const,
                dueAt: d(t.dueAt),
                createdAt: new Date(t.createdAt),
              })),
            )
            .onConflictDoNothing());
        }

        if (input.customer && input.subjectType === 'customer') {
          const s = input.customer;
          run(tx
            .update(customers)
            .set({
              stage: s.stage,
              balanceDue: s.balanceDue,
              nextActionAt: d(s.nextActionAt ?? undefined),
              lastActivityAt: d(s.lastActivityAt ?? undefined),
              updatedAt: new Date(),
              version,
            })
            .where(and(eq(customers.tenantId, input.tenantId), eq(customers.id, input.subjectId), lt(customers.version, version))));
        }

        if (input.contract && input.subjectType === 'contract') {
          const c = input.contract;
          const values = {
            customerName: c.customerName,
            stage: c.stage,
            currency: c.currency,
            playbookId: c.playbook.id,
            playbookVersion: c.playbook.version,
            usageMetrics: c.usageMetrics,
            termStart: d(c.termStart ?? undefined),
            termEnd: d(c.termEnd ?? undefined),
            autoRenew: c.autoRenew ? 1 : 0,
            mrr: c.mrr,
            nextInvoiceAt: d(c.nextInvoiceAt ?? undefined),
            updatedAt: new Date(),
            version,
          };
          run(tx
            .insert(contracts)
            .values({ tenantId: input.tenantId, id: input.subjectId, ...values })
            .onConflictDoUpdate({ target: [contracts.tenantId, contracts.id], set: values, setWhere: lt(contracts.version, version) }));
        }
        const contractRow = { tenantId: input.tenantId, contractId: input.subjectId };
        if (input.revenueLines?.length) {
          run(tx
            .insert(revenueLines)
            .values(input.revenueLines.map((r) => ({ ...contractRow, ...r, start: new Date(r.start), end: new Date(r.end), billedAt: new Date(r.billedAt) })))
            .onConflictDoNothing());
        }
        if (input.contractChanges?.length) {
          run(tx
            .insert(contractChanges)
            .values(input.contractChanges.map((c) => ({ ...contractRow, ...c, occurredAt: new Date(c.occurredAt) })))
            .onConflictDoNothing());
        }
        if (input.policyExceptions?.length) {
          run(tx
            .insert(policyExceptions)
            .values(input.policyExceptions.map((p) => ({ ...contractRow, ...p, occurredAt: new Date(p.occurredAt) })))
            .onConflictDoNothing());
        }

        for (const leak of input.leaks ?? []) {
          const values = leakRowValues(leak, version);
          run(tx
            .insert(leakageEntries)
            .values({ tenantId: input.tenantId, subjectType: input.subjectType, subjectId: input.subjectId, id: leak.id, ...values })
            .onConflictDoUpdate({
              target: [leakageEntries.tenantId, leakageEntries.subjectType, leakageEntries.subjectId, leakageEntries.id],
              set: values,
              setWhere: lt(leakageEntries.version, version),
            }));
        }

        await Promise.all(writes);
        if (transport === 'outbox' || drafts.length === 0) return { deliver: [] };
        const pending = await tx
          .select({ id: messages.id })
          .from(messages)
          .where(
            and(
              eq(messages.tenantId, input.tenantId),
              inArray(
                messages.id,
                drafts.map((m) => m.messageId),
              ),
              eq(messages.status, 'pending'),
            ),
          )
          .orderBy(sql`${messages.sentAt}`);
        return { deliver: pending.map((p) => p.id) };
      });
    },
  };
}
