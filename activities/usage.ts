import { and, asc, desc, eq, gte, lt, sql } from 'drizzle-orm';
import { aggregateUsage, type UsageMetricDefinition } from '../domain/billing/aggregation';
import { exactDecimal, exactText, ratio, roundMinorExact, times, ZERO } from '../domain/billing/exact';
import type { QuoteLine } from '../domain/billing/quote-line';
import { percentageFee } from '../domain/billing/rating';
import type { Database } from '../db/client';
import { usageClosures, usageRecords } from '../db/schema';

export interface UsagePeriod {
  tenantId: string;
  contractId: string;
  metric: string;
  /** ISO instants; end exclusive. */
  from: string;
  to: string;
  /** How the metric's records make the quantity, when not a plain sum (the playbook's `usageMetrics`). */
  aggregation?: UsageMetricDefinition;
  /** A percentage line's terms: its fee is computed here, over each transaction. */
  percentage?: NonNullable<QuoteLine['percentage']>;
}

export interface PeriodUsage {
  /** The quantity, for people and the anomaly check (a gauge's average to 4 places). */
  quantity: number;
  records: number;
  /** The exact quantity rated (`exactText`), when it is not the plain sum. */
  exactQuantity?: string;
  /** A percentage line's fee over the period's transactions, exact and unrounded (`exactText`). */
  percentageFee?: string;
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
    async closeUsagePeriod(period: UsagePeriod): Promise<PeriodUsage> {
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
        return measurePeriod(tx as unknown as Database, period);
      });
    },
  };
}

/**
 * What a usage period's records come to: closing the period measures it (billing), and so does
 * the upcoming-invoice preview, without closing anything. A plain sum is one aggregate query.
 */
export async function measurePeriod(db: Database, period: UsagePeriod): Promise<PeriodUsage> {
  if ((period.aggregation && period.aggregation.aggregation !== 'sum') || period.percentage) return measured(db, period);
  const [sum] = await db
    .select({ quantity: sql<string>`coalesce(sum(${usageRecords.quantity}), 0)`, records: sql<number>`count(*)::int` })
    .from(usageRecords)
    .where(
      and(
        eq(usageRecords.tenantId, period.tenantId),
        eq(usageRecords.contractId, period.contractId),
        eq(usageRecords.metric, period.metric),
        gte(usageRecords.occurredAt, new Date(period.from)),
        lt(usageRecords.occurredAt, new Date(period.to)),
      ),
    );
  return { quantity: Number(sum!.quantity), records: Number(sum!.records) };
}

/** A period's quantity by the metric's aggregation, and a percentage line's fee, from its records. */
async function measured(db: Database, period: UsagePeriod): Promise<PeriodUsage> {
  const metric = period.aggregation ?? { aggregation: 'sum' as const };
  const of = and(eq(usageRecords.tenantId, period.tenantId), eq(usageRecords.contractId, period.contractId), eq(usageRecords.metric, period.metric));
  const from = new Date(period.from);
  const to = new Date(period.to);
  const property = metric.property;
  const rows = await db
    .select({ quantity: usageRecords.quantity, occurredAt: usageRecords.occurredAt, value: property ? sql<string | null>`${usageRecords.properties} ->> ${property}` : sql<null>`null` })
    .from(usageRecords)
    .where(and(of, gte(usageRecords.occurredAt, from), lt(usageRecords.occurredAt, to)))
    .orderBy(asc(usageRecords.occurredAt), asc(usageRecords.id));
  const usage = rows.map((r) => ({ quantity: exactDecimal(r.quantity), at: r.occurredAt.getTime(), value: r.value }));
  let before = ZERO;
  if (metric.aggregation === 'time_weighted') {
    // A gauge's level carries in from its last record before the period.
    const [last] = await db.select({ quantity: usageRecords.quantity }).from(usageRecords).where(and(of, lt(usageRecords.occurredAt, from))).orderBy(desc(usageRecords.occurredAt), desc(usageRecords.id)).limit(1);
    if (last) before = exactDecimal(last.quantity);
  }
  const quantity = aggregateUsage(metric, usage, { from: from.getTime(), to: to.getTime() }, before);
  return {
    quantity: roundMinorExact(times(quantity, ratio(10_000, 1))) / 10_000,
    records: rows.length,
    exactQuantity: exactText(quantity),
    ...(period.percentage ? { percentageFee: exactText(percentageFee(period.percentage, usage.map((u) => u.quantity))) } : {}),
  };
}
