import { and, asc, eq, sql } from 'drizzle-orm';
import { rows as query } from '../../api/reports/query';
import type { Database } from '../../db/client';
import { resolveContractPlaybook, resolvePlaybook } from '../../db/playbook-store';
import { recordUndeliverable } from '../../activities/delivery';
import { contracts, customers, leakageEntries, messages, tenants, timelineEntries } from '../../db/schema';
import { leakRowValues } from '../../activities/leak-rows';
import type { LeakRecord } from '../../domain/leakage';
import { findBuiltinContractPlaybook, findBuiltinPlaybook } from '../../playbooks';
import { contractLedger, customerLedger, type ContractFacts, type Subject, type TimelineRow } from './replay-ledger';

/**
 * `npm run backfill:leakage`: the leakage ledger of everything recorded before it existed. Every
 * customer's and contract's timeline is folded through the ledger's own rules (replay-ledger.ts);
 * rows are inserted and never overwrite one a workflow wrote (same cause, same id), so it can run
 * any time, and again. Answers how many rows each kind gained.
 */
export async function backfillLeakage(db: Database, options: { tenantId?: string; asOf?: number } = {}): Promise<{ subjects: number; inserted: number; byKind: Record<string, number> }> {
  const asOf = options.asOf ?? Date.now();
  const tenantIds = options.tenantId ? [options.tenantId] : (await db.select({ id: tenants.id }).from(tenants)).map((t) => t.id);
  const byKind: Record<string, number> = {};
  let subjects = 0;
  let inserted = 0;
  const write = async (subject: Subject, records: LeakRecord[]) => {
    subjects += 1;
    if (records.length === 0) return;
    const added = await db
      .insert(leakageEntries)
      .values(
        records.map((r) => ({ tenantId: subject.tenantId, subjectType: subject.type, subjectId: subject.id, id: r.id, ...leakRowValues({ ...r, detail: { ...r.detail, backfilled: true } }, 0) })),
      )
      .onConflictDoNothing()
      .returning({ kind: leakageEntries.kind });
    inserted += added.length;
    for (const a of added) byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
  };
  const timelineOf = async (tenantId: string, type: 'customer' | 'contract', id: string): Promise<TimelineRow[]> =>
    (
      await db
        .select({ id: timelineEntries.id, kind: timelineEntries.kind, type: timelineEntries.type, summary: timelineEntries.summary, data: timelineEntries.data, occurredAt: timelineEntries.occurredAt })
        .from(timelineEntries)
        .where(and(eq(timelineEntries.tenantId, tenantId), eq(timelineEntries.subjectType, type), eq(timelineEntries.subjectId, id)))
        .orderBy(asc(timelineEntries.occurredAt), asc(timelineEntries.position))
    ).map((r) => ({ ...r, data: r.data as Record<string, unknown> }));

  for (const tenantId of tenantIds) {
    for (const c of await db.select().from(customers).where(eq(customers.tenantId, tenantId))) {
      // A playbook no longer stored (or never: a test's) leaves the generic one's figures.
      const playbook = (await resolvePlaybook(db, tenantId, c.playbookId, c.playbookVersion)) ?? findBuiltinPlaybook('home-service')!;
      const subject: Subject = { tenantId, type: 'customer', id: c.id, currency: c.currency };
      await write(subject, customerLedger(subject, playbook.definition, await timelineOf(tenantId, 'customer', c.id), asOf));
    }
    for (const k of await db.select().from(contracts).where(eq(contracts.tenantId, tenantId))) {
      const playbook = (await resolveContractPlaybook(db, tenantId, k.playbookId, k.playbookVersion)) ?? findBuiltinContractPlaybook('saas-subscription')!;
      const subject: Subject = { tenantId, type: 'contract', id: k.id, currency: k.currency };
      await write(subject, contractLedger(subject, playbook.definition, await timelineOf(tenantId, 'contract', k.id), await contractFacts(db, tenantId, k.id)));
    }
    // Messages that never arrived: the row the delivery activity writes when it gives up.
    for (const m of await db.select().from(messages).where(and(eq(messages.tenantId, tenantId), eq(messages.status, 'failed')))) {
      if (await recordUndeliverable(db, m, m.statusReason ?? 'not delivered', undefined)) {
        inserted += 1;
        byKind.message_undeliverable = (byKind.message_undeliverable ?? 0) + 1;
      }
    }
  }
  return { subjects, inserted, byKind };
}

async function contractFacts(db: Database, tenantId: string, contractId: string): Promise<ContractFacts> {
  const [changes, totals, rebills] = await Promise.all([
    query<{ kind: string; mrr: number }>(db, sql`select kind, sum(mrr_delta)::int as mrr from contract_changes where tenant_id = ${tenantId} and contract_id = ${contractId} and kind in ('new', 'churn') group by kind`),
    query<{ id: string; total: number }>(db, sql`select id, total::int as total from invoices where tenant_id = ${tenantId} and subject_type = 'contract' and subject_id = ${contractId}`),
    // The corrected invoice's lines say which invoice they bill again: "rebill of {id}: …".
    query<{ id: string; total: number }>(
      db,
      sql`select substring(description from '^rebill of ([^:]+):') as id, sum(amount)::int as total from invoice_lines
          where tenant_id = ${tenantId} and subject_type = 'contract' and subject_id = ${contractId} and description like 'rebill of %' group by 1`,
    ),
  ]);
  return {
    mrr: changes.find((c) => c.kind === 'new')?.mrr ?? null,
    invoiceTotals: Object.fromEntries(totals.map((t) => [t.id, t.total])),
    rebilledTotals: Object.fromEntries(rebills.map((r) => [r.id, r.total])),
    churnedMrr: -(changes.find((c) => c.kind === 'churn')?.mrr ?? 0),
  };
}
