import { compare, max, plus, ratio, times, ZERO, type Exact } from './exact';

/**
 * How a usage metric's records in a billing period become the period's quantity, stated per
 * metric in the contract playbook (`usageMetrics`); a metric it does not name is summed.
 * - sum: the records' quantities added up (API calls, GB transferred);
 * - count: how many records there were (transactions, whatever their quantity);
 * - max: the largest quantity recorded in the period (peak concurrent users);
 * - unique_count: how many distinct values of the records' `property` (active users by `user_id`);
 * - latest: the quantity of the period's last record (seats at the end of the period);
 * - time_weighted: a gauge. Each record sets the level from its instant on, the level before the
 *   period carries into it, and the quantity is the level averaged over the period's time
 *   (10 seats for the first half and 20 for the second is 15), exactly: a third of a period is
 *   a third, not 0.333….
 */
export const usageAggregations = ['sum', 'count', 'max', 'unique_count', 'latest', 'time_weighted'] as const;
export type UsageAggregation = (typeof usageAggregations)[number];

export interface UsageMetricDefinition {
  aggregation: UsageAggregation;
  /** unique_count: the record property whose distinct values are counted. */
  property?: string;
}

export interface UsageRow {
  quantity: Exact;
  /** Epoch ms. */
  at: number;
  /** unique_count: the record's value of the metric's property, as text (null: it has none). */
  value?: string | null;
}

/**
 * The period's quantity from its records (`rows`, those at or after `from` and before `to`, in
 * the order they occurred) and, for a gauge, the level set before the period began.
 */
export function aggregateUsage(metric: UsageMetricDefinition, rows: readonly UsageRow[], period: { from: number; to: number }, levelBefore: Exact = ZERO): Exact {
  switch (metric.aggregation) {
    case 'sum':
      return rows.reduce((total, r) => plus(total, r.quantity), ZERO);
    case 'count':
      return ratio(rows.length, 1);
    case 'max':
      return rows.reduce((top, r) => max(top, r.quantity), ZERO);
    case 'unique_count':
      return ratio(new Set(rows.flatMap((r) => (r.value === null || r.value === undefined ? [] : [r.value]))).size, 1);
    case 'latest':
      return rows.at(-1)?.quantity ?? ZERO;
    case 'time_weighted': {
      const length = period.to - period.from;
      if (length <= 0) return ZERO;
      let level = levelBefore;
      let since = period.from;
      let area = ZERO;
      for (const r of rows) {
        area = plus(area, times(level, ratio(r.at - since, 1)));
        level = r.quantity;
        since = r.at;
      }
      area = plus(area, times(level, ratio(period.to - since, 1)));
      const average = times(area, ratio(1, length));
      return compare(average, ZERO) < 0 ? ZERO : average;
    }
  }
}
