import { and, asc, desc, eq, gte, isNull, lt, not, or, sql, type SQL } from 'drizzle-orm';
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
  /**
   * Late usage this close bills: records of the term's earlier periods (`periods`, each already
   * invoiced) received after their period closed, not yet billed by another close. `key` names
   * this close (`lineId@periodStart`), so a retried close bills the same records again, once.
   */
  late?: { key: string; periods: Array<{ start: string; end: string }>; graceMs: number };
}

/** An earlier period re-measured with its late records: what was billed, and what it comes to now. */
export interface LatePeriodUsage {
  period: { start: string; end: string };
  before: PeriodUsage;
  after: PeriodUsage;
  /** Late records of the period this close bills, and how many came after the grace window. */
  records: number;
  afterGrace: number;
}

export interface PeriodUsage {
  /** The quantity, for people and the anomaly check (a gauge's average to 4 places). */
  quantity: number;
  records: number;
  /** The exact quantity rated (`exactText`), when it is not the plain sum. */
  exactQuantity?: string;
  /** A percentage line's fee over the period's transactions, exact and unrounded (`exactText`). */
  percentageFee?: string;
  /** Earlier periods whose late records this close bills. */
  late?: LatePeriodUsage[];
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
        return measurePeriod(tx as unknown as Database, period, 'bill');
      });
    },
  };
}

/**
 * What a usage period's records come to: closing the period measures it (`bill`: and takes the
 * late records it bills for this close), and so does the upcoming-invoice preview (`look`:
 * the same answer, nothing taken). A plain sum is one aggregate query.
 */
export async function measurePeriod(db: Database, period: UsagePeriod, late: 'bill' | 'look' = 'look'): Promise<PeriodUsage> {
  const base = await measureRecords(db, period);
  return period.late ? { ...base, late: await latePeriods(db, period, period.late, late) } : base;
}

/** The earlier periods a close's late records change, each measured without and with them. */
async function latePeriods(db: Database, period: UsagePeriod, late: NonNullable<UsagePeriod['late']>, mode: 'bill' | 'look'): Promise<LatePeriodUsage[]> {
  const first = late.periods[0];
  if (!first) return [];
  const earlier = and(ofMetric(period), gte(usageRecords.occurredAt, new Date(first.start)), lt(usageRecords.occurredAt, new Date(period.from)), eq(usageRecords.late, true));
  if (mode === 'bill') await db.update(usageRecords).set({ billedLateIn: late.key }).where(and(earlier, isNull(usageRecords.billedLateIn)));
  // This close's late records: those it takes (or, looking, would take).
  const ours = or(eq(usageRecords.billedLateIn, late.key), isNull(usageRecords.billedLateIn))!;
  const rows = await db.select({ occurredAt: usageRecords.occurredAt, receivedAt: usageRecords.receivedAt }).from(usageRecords).where(and(earlier, ours));
  if (rows.length === 0) return [];
  const indexOf = (at: number) => late.periods.findIndex((p) => Date.parse(p.start) <= at && at < Date.parse(p.end));
  const touched = new Set(rows.map((r) => indexOf(r.occurredAt.getTime())).filter((i) => i >= 0));
  // A gauge's level carries into every later period: a late level change re-prices them all.
  if (period.aggregation?.aggregation === 'time_weighted') for (let i = Math.min(...touched); i < late.periods.length; i++) touched.add(i);
  const without = not(and(eq(usageRecords.late, true), ours)!);
  return Promise.all(
    [...touched].sort((a, b) => a - b).map(async (i) => {
      const p = late.periods[i]!;
      const within = rows.filter((r) => indexOf(r.occurredAt.getTime()) === i);
      const old = { ...period, from: p.start, to: p.end, late: undefined };
      return {
        period: p,
        before: await measureRecords(db, old, without),
        after: await measureRecords(db, old),
        records: within.length,
        afterGrace: within.filter((r) => r.receivedAt.getTime() - Date.parse(p.end) > late.graceMs).length,
      };
    }),
  );
}

const ofMetric = (period: UsagePeriod) => and(eq(usageRecords.tenantId, period.tenantId), eq(usageRecords.contractId, period.contractId), eq(usageRecords.metric, period.metric));

/** The period's records (those `only` allows) by the metric's aggregation. */
async function measureRecords(db: Database, period: UsagePeriod, only?: SQL): Promise<PeriodUsage> {
  if ((period.aggregation && period.aggregation.aggregation !== 'sum') || period.percentage) return measured(db, period, only);
  const [sum] = await db
    .select({ quantity: sql<string>`coalesce(sum(${usageRecords.quantity}), 0)`, records: sql<number>`count(*)::int` })
    .from(usageRecords)
    .where(and(ofMetric(period), gte(usageRecords.occurredAt, new Date(period.from)), lt(usageRecords.occurredAt, new Date(period.to)), only));
  return { quantity: Number(sum!.quantity), records: Number(sum!.records) };
}

/** A period's quantity by the metric's aggregation, and a percentage line's fee, from its records. */
async function measured(db: Database, period: UsagePeriod, only?: SQL): Promise<PeriodUsage> {
  const metric = period.aggregation ?? { aggregation: 'sum' as const };
  const of = and(ofMetric(period), only);
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
