import type { LatePeriodUsage, PeriodUsage, UsagePeriod } from '../../activities/usage';
import { addDuration } from '../../domain/durations';
import { perUnit, shareOf } from '../../domain/billing/amounts';
import { exact, exactFromText, minus, plus, toNumber, ZERO, type Exact } from '../../domain/billing/exact';
import { useUnits, type Wallet } from '../../domain/billing/wallet';
import { invoiceDate, utcDays, type Period } from '../../domain/billing/periods';
import { blendedPeriodAmount } from '../../domain/billing/proration';
import { formatQuantity, rateQuantity, rateWithinBounds, type UsageMeasure } from '../../domain/billing/rating';
import type { B2BPlaybook } from '../../playbooks/b2b-schema';
import type { ContractLine, ContractMemory } from '../contract-definitions';
import { addLine, emptyDraft, type Draft } from './drafts';
import { fullPeriodOf, periodsOf } from './periods';

// What the invoice of a billing boundary holds, as a pure function of the contract's memory and
// its measured usage: the workflow issues it at the boundary (billing.ts), the upcoming-invoice
// query shows it before (preview.ts). One function for both, so a preview cannot differ from the
// invoice that follows it for the same usage.

type Term = NonNullable<ContractMemory['term']>;

/** Which usage must be measured to bill every boundary that has come by `at`, in the order billing measures it. */
export function usageNeeds(m: Pick<ContractMemory, 'term' | 'lines'>, ids: { tenantId: string; contractId: string }, playbook: B2BPlaybook, at: number, options: { lateUsage: boolean }): UsageNeed[] {
  const term = m.term;
  if (!term) return [];
  return m.lines.flatMap((line) => {
    const l = line.line;
    if (!l.usageMetric || l.billing.interval === 'one_time') return [];
    const periods = periodsOf(term, line);
    return duePeriods(term, line, at).map(({ period, index }) => {
      const key = usageKey(l.lineId, period);
      const request = usageRequest(ids, playbook, line, period);
      // Late records of the periods before this one are billed by this close.
      if (options.lateUsage && index > 0) request.late = { key, periods: periods.slice(0, index), graceMs: addDuration(0, playbook.billing.lateUsageGrace ?? DEFAULT_LATE_USAGE_GRACE) };
      return { key, lineId: l.lineId, request };
    });
  });
}

/** Usage reported this long after its period was invoiced is billed without a leak row. */
export const DEFAULT_LATE_USAGE_GRACE = 'P3D';

/** One usage period to measure, and the key its measure is planned under. */
export interface UsageNeed {
  key: string;
  lineId: string;
  request: UsagePeriod;
}

/** The measuring request for one usage period: a metric aggregated otherwise than by sum, or a percentage line, is measured record by record. */
export function usageRequest(ids: { tenantId: string; contractId: string }, playbook: B2BPlaybook, line: ContractLine, period: Period): UsagePeriod {
  const l = line.line;
  const aggregation = playbook.usageMetrics?.[l.usageMetric!];
  return {
    tenantId: ids.tenantId,
    contractId: ids.contractId,
    metric: l.usageMetric!,
    from: period.start,
    to: period.end,
    ...(aggregation && aggregation.aggregation !== 'sum' ? { aggregation } : {}),
    ...(l.percentage ? { percentage: l.percentage } : {}),
  };
}

export const usageKey = (lineId: string, period: Period) => `${lineId}@${period.start}`;

export interface BillingPlan {
  draft: Draft;
  /** Late usage on an invoice of its own, issued after the period's (playbook `billing.lateUsageOn`). */
  adjustment?: Draft;
  /** The lines as they stand once billed: next periods, arrears segments. */
  lines: ContractLine[];
  oneTimeBilled: string[];
  /** Usage periods too large to bill exactly: a person bills them by hand. */
  refused: Array<{ lineId: string; period: Period; quantity: number }>;
  /** Late usage billed after the grace window. */
  lateUsage: LateUsageNote[];
  /** The wallet once prepaid units are used (money is used when the invoice's figures are drawn: issuing.ts). */
  wallet?: Wallet;
}

/**
 * The invoice for every period boundary that has come by `at`: one-time fees once the term has
 * begun, subscriptions in advance or arrears (blended by day where the price changed), usage
 * rated from `usage` (keyed by `usageKey`), a partial last period pro rata. The memory is not
 * changed: the plan says what it becomes.
 */
export function planBilling(
  m: Pick<ContractMemory, 'term' | 'lines' | 'oneTimeBilled' | 'wallet'>,
  at: number,
  usage: ReadonlyMap<string, PeriodUsage>,
  options: { lateUsageOn?: 'next_invoice' | 'adjustment_invoice'; walletAt?: number } = {},
): BillingPlan {
  const term = m.term!;
  const walletAt = options.walletAt ?? at;
  const draft = emptyDraft({ useWallet: true, walletAt });
  // Late usage goes on the period's invoice, or (by playbook) on an adjustment invoice of its own.
  const lateDraft = options.lateUsageOn === 'adjustment_invoice' ? emptyDraft({ skipChecks: true }) : draft;
  let wallet = m.wallet;
  const oneTimeBilled = [...m.oneTimeBilled];
  const refused: BillingPlan['refused'] = [];
  const lateUsage: LateUsageNote[] = [];
  const lines = m.lines.map((original) => {
    const line: ContractLine = { ...original, segments: [...original.segments] };
    const l = line.line;
    if (l.billing.interval === 'one_time') {
      if (oneTimeBilled.includes(l.lineId) || Date.parse(term.start) > at) return line;
      const rated = rateQuantity(l, l.quantity);
      oneTimeBilled.push(l.lineId);
      addLine(draft, line, rated.amount, l.quantity, rated.description, { start: term.start, end: term.start }, { kind: 'one_time', deliveredAt: term.start }, null);
      return line;
    }
    for (const { period, index } of duePeriods(term, line, at)) {
      const share = shareOfPeriod(term, line, period, index);
      if (l.usageMetric) {
        const measured = usage.get(usageKey(l.lineId, period));
        if (!measured) throw new Error(`usage of line ${l.lineId} for ${period.start} was not measured`);
        let quantity = quantityOf(measured);
        // Prepaid units of the metric come off before the period is rated.
        let prepaid = '';
        if (wallet && l.pricingModel !== 'percentage') {
          const units = useUnits(wallet, l.usageMetric, typeof quantity === 'number' ? exact(quantity) : quantity, walletAt);
          if (units.used.length) {
            wallet = units.wallet;
            quantity = units.quantity;
            prepaid = `, ${formatQuantity(toNumber(units.used.reduce((sum, u) => plus(sum, u.units), ZERO)))} from prepaid units`;
          }
        }
        const rated = rateWithinBounds(l, quantity, measureOf(measured));
        if (rated) addLine(draft, line, share(rated.amount), measured.quantity, `${rated.description} (${measured.records} record(s)${prepaid})`, period, { kind: 'usage', usagePeriod: period }, measured.quantity);
        else refused.push({ lineId: l.lineId, period, quantity: measured.quantity });
        for (const late of measured.late ?? []) lateAdjustment(lateDraft, term, line, late, period, lateUsage, refused);
      } else if (l.billing.timing === 'arrears') {
        const amount = line.segments.length ? blendedPeriodAmount(line.segments, period) : rateQuantity(l, l.quantity).amount;
        addLine(draft, line, share(amount), l.quantity, rateQuantity(l, l.quantity).description, period, { kind: 'subscription', servicePeriod: period }, null);
      } else {
        const rated = rateQuantity(l, l.quantity);
        addLine(draft, line, share(rated.amount), l.quantity, rated.description, period, { kind: 'subscription', servicePeriod: period }, null);
      }
      line.nextPeriod = index + 1;
      line.segments = l.billing.timing === 'arrears' && !l.usageMetric ? [{ from: period.end, amount: rateQuantity(l, l.quantity).amount }] : [];
    }
    return line;
  });
  spanPeriods(draft);
  spanPeriods(lateDraft);
  return { draft, ...(lateDraft !== draft && lateDraft.lines.length ? { adjustment: lateDraft } : {}), lines, oneTimeBilled, refused, lateUsage, ...(wallet ? { wallet } : {}) };
}

/** An invoice's period: from its lines' earliest start to their latest end. */
function spanPeriods(draft: Draft): void {
  if (draft.lines.length === 0) return;
  const periods = draft.lines.filter((x) => x.periodStart && x.periodEnd && x.periodStart !== x.periodEnd);
  if (periods.length) draft.period = { start: periods.map((x) => x.periodStart!).sort()[0]!, end: periods.map((x) => x.periodEnd!).sort().at(-1)! };
}

/**
 * An earlier period's late usage, billed now: the period rated with its late records less the
 * period rated without them (each as its invoice rated it, pro rata for a short last period),
 * as a line dated to that period, so its revenue is recognised there. Not part of the line's
 * trailing average: it is a correction, not a period's usage.
 */
function lateAdjustment(draft: Draft, term: Term, line: ContractLine, late: LatePeriodUsage, closing: Period, report: LateUsageNote[], refused: BillingPlan['refused']): void {
  const l = line.line;
  const share = shareOfPeriod(term, line, late.period, periodsOf(term, line).findIndex((p) => p.start === late.period.start));
  const before = rateWithinBounds(l, quantityOf(late.before), measureOf(late.before));
  const after = rateWithinBounds(l, quantityOf(late.after), measureOf(late.after));
  if (!before || !after) return void refused.push({ lineId: l.lineId, period: late.period, quantity: late.after.quantity });
  const amount = share(after.amount) - share(before.amount);
  const asExact = (q: number | Exact) => (typeof q === 'number' ? exact(q) : q);
  const added = toNumber(minus(asExact(quantityOf(late.after)), asExact(quantityOf(late.before))));
  if (late.records > 0 || amount !== 0) {
    const what = late.records > 0 ? `${late.records} record(s) received after the period was invoiced` : 'a late level change carried in';
    draft.lines.push({
      description: `Late usage of ${l.usageMetric} for ${late.period.start.slice(0, 10)} → ${late.period.end.slice(0, 10)}: ${added >= 0 ? '+' : ''}${formatQuantity(added)} (${what})`,
      quantity: added,
      unitAmount: added ? perUnit(amount, added) : amount,
      amount,
      lineRef: l.lineId,
      periodStart: late.period.start,
      periodEnd: late.period.end,
    });
    draft.revenue.push({ kind: 'usage', usagePeriod: late.period, amount, lineNo: draft.lines.length });
  }
  if (late.afterGrace > 0) report.push({ lineId: l.lineId, period: late.period, billedWith: closing, records: late.afterGrace, amount });
}

/** What a measured period rates at: its exact quantity when the measure has one, else the plain sum. */
function quantityOf(u: PeriodUsage): number | Exact {
  return u.exactQuantity ? exactFromText(u.exactQuantity) : u.quantity;
}

/** What the rating models beyond a quantity need of a measured period. */
function measureOf(u: PeriodUsage): UsageMeasure {
  return { records: u.records, ...(u.percentageFee ? { percentageFee: exactFromText(u.percentageFee) } : {}) };
}

/** A period's amount as billed: whole, or pro rata against the full period when the term cuts it short. */
function shareOfPeriod(term: Term, line: ContractLine, period: Period, index: number): (amount: number) => number {
  const full = index >= 0 ? fullPeriodOf(term, period, index, line.line.billing.interval as 'month' | 'quarter' | 'year') : null;
  return (amount) => (full ? shareOf(amount, utcDays(period.start, period.end), utcDays(full.start, full.end)) : amount);
}

/** Late usage that came after the grace window: the leakage ledger counts it (billed, but late). */
export interface LateUsageNote {
  lineId: string;
  period: Period;
  /** The close whose invoice bills it. */
  billedWith: Period;
  records: number;
  amount: number;
}

/** A recurring line's unbilled periods whose invoice date has come by `at`. */
function duePeriods(term: Term, line: ContractLine, at: number): Array<{ period: Period; index: number }> {
  const periods = periodsOf(term, line);
  const due: Array<{ period: Period; index: number }> = [];
  for (let index = line.nextPeriod; periods[index] && Date.parse(invoiceDate(periods[index]!, line.line.billing.timing)) <= at; index++) due.push({ period: periods[index]!, index });
  return due;
}
