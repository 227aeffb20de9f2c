import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { usageClosures, usageRecords } from '../db/schema';

export interface UsagePeriod {
  tenantId: string;
  contractId: string;
  metric: string;
  /** ISO instants; end exclusive. */
  from: string;
  to: string;
}

/**
 * Locks a contract metric's closure row, creating it (open since `openFrom`) when missing. The
 * usage endpoint and period close both take this lock, so a record is either in before the close
 * (and billed) or refused after it (and told so); none is lost between the two.
 */
export async function lockUsageClosure(tx: Database, key: { tenantId: string; contractId: string; metric: string }, openFrom: Date): Promise<Date> {
  await tx.insert(usageClosures).values({ ...key, closedThrough: openFrom }).onConflictDoNothing();
  const [row] = await tx
    .select({ closedThrough: usageClosures.closedThrough })
    .from(usageClosures)
    .where(and(eq(usageClosures.tenantId, key.tenantId), eq(usageClosures.contractId, key.contractId), eq(usageClosures.metric, key.metric)))
    .for('update');
  return row!.closedThrough;
}

export function createUsageActivities(db: Database) {
  return {
    /**
     * Closes a usage period and returns what was used in it. Idempotent: closing the same period
     * again (a retried activity) sums the same records, since none can be added before `to` after
     * the first close.
     */
    async closeUsagePeriod(period: UsagePeriod): Promise<{ quantity: number; records: number }> {
      return db.transaction(async (tx) => {
        const key = { tenantId: period.tenantId, contractId: period.contractId, metric: period.metric };
        const closedThrough = await lockUsageClosure(tx as unknown as Database, key, new Date(period.from));
        const to = new Date(period.to);
        if (closedThrough < to) {
          await tx
            .update(usageClosures)
            .set({ closedThrough: to })
            .where(and(eq(usageClosures.tenantId, key.tenantId), eq(usageClosures.contractId, key.contractId), eq(usageClosures.metric, key.metric)));
        }
        const [sum] = await tx
          .select({ quantity: sql<string>`coalesce(sum(${usageRecords.quantity}), 0)`, records: sql<number>`count(*)::int` })
          .from(usageRecords)
          .where(
            and(
              eq(usageRecords.tenantId, key.tenantId),
              eq(usageRecords.contractId, key.contractId),
              eq(usageRecords.metric, key.metric),
              gte(usageRecords.occurredAt, new Date(period.from)),
              lt(usageRecords.occurredAt, to),
            ),
          );
        return { quantity: Number(sum!.quantity), records: Number(sum!.records) };
      });
    },
  };
}
