import { shareOf } from '../../domain/billing/amounts';
import { invoiceDate, utcDays, type Period } from '../../domain/billing/periods';
import { blendedPeriodAmount } from '../../domain/billing/proration';
import { exactFromText } from '../../domain/billing/exact';
import { rateQuantity, rateWithinBounds } from '../../domain/billing/rating';
import { MAX_AMOUNT } from '../../domain/money';
import type { ContractAgendaKind } from '../contract-definitions';
import type { AgendaHandlers } from '../lifecycle/handlers';
import { local, localOptions } from '../lifecycle/step-writes';
import { isoNow, type Deal } from './deal';
import { addLine, emptyDraft } from './drafts';
import { issueDraft } from './issuing';
import { fullPeriodOf, nextBillingAt, periodsOf } from './periods';

// Billing periods: at every period boundary one invoice for all lines due then (one-time fees,
// subscriptions in advance or arrears, usage rated at period close), and the next boundary's timer.

export const billingAgenda = {
  billing: (d) => bill(d),
} satisfies Partial<AgendaHandlers<ContractAgendaKind, Deal>>;

export function scheduleBilling(d: Deal): void {
  const next = nextBillingAt(d.memory);
  if (next === null) d.agenda.cancel('billing');
  else d.agenda.schedule({ key: 'billing', kind: 'billing', dueAt: next, summary: 'invoice for the period' });
}

/** Invoices every period boundary that has come: one invoice for all lines due at this time. */
export async function bill(d: Deal): Promise<void> {
  const now = Date.now();
  const term = d.memory.term!;
  const draft = emptyDraft();
  for (const line of d.memory.lines) {
    const l = line.line;
    if (l.billing.interval === 'one_time') {
      if (d.memory.oneTimeBilled.includes(l.lineId) || Date.parse(term.start) > now) continue;
      const rated = rateQuantity(l, l.quantity);
      d.memory.oneTimeBilled.push(l.lineId);
      addLine(draft, line, rated.amount, l.quantity, rated.description, { start: term.start, end: term.start }, { kind: 'one_time', deliveredAt: term.start }, null);
      continue;
    }
    const periods = periodsOf(term, line);
    for (let period = periods[line.nextPeriod]; period && Date.parse(invoiceDate(period, l.billing.timing)) <= now; period = periods[line.nextPeriod]) {
      const full = fullPeriodOf(term, period, line.nextPeriod, l.billing.interval as 'month' | 'quarter' | 'year');
      const share = (amount: number) => (full ? shareOf(amount, utcDays(period.start, period.end), utcDays(full.start, full.end)) : amount);
      if (l.usageMetric) {
        // A metric the playbook aggregates otherwise than by sum, or a percentage line, is measured
        // record by record; contracts from before either keep the plain sum they always had.
        const aggregation = d.playbook.usageMetrics?.[l.usageMetric];
        const measure = { ...(aggregation && aggregation.aggregation !== 'sum' ? { aggregation } : {}), ...(l.percentage ? { percentage: l.percentage } : {}) };
        const usage = await local.closeUsagePeriod.executeWithOptions({ ...localOptions, summary: `rate ${l.usageMetric} ${period.start.slice(0, 10)} → ${period.end.slice(0, 10)}` }, [
          { tenantId: d.input.tenantId, contractId: d.input.contractId, metric: l.usageMetric, from: period.start, to: period.end, ...measure },
        ]);
        const rated = rateWithinBounds(l, usage.exactQuantity ? exactFromText(usage.exactQuantity) : usage.quantity, {
          records: usage.records,
          ...(usage.percentageFee ? { percentageFee: exactFromText(usage.percentageFee) } : {}),
        });
        if (rated) addLine(draft, line, share(rated.amount), usage.quantity, `${rated.description} (${usage.records} record(s))`, period, { kind: 'usage', usagePeriod: period }, usage.quantity);
        else refuseToBill(d, l.lineId, period, usage.quantity);
      } else if (l.billing.timing === 'arrears') {
        const amount = line.segments.length ? blendedPeriodAmount(line.segments, period) : rateQuantity(l, l.quantity).amount;
        addLine(draft, line, share(amount), l.quantity, rateQuantity(l, l.quantity).description, period, { kind: 'subscription', servicePeriod: period }, null);
      } else {
        const rated = rateQuantity(l, l.quantity);
        addLine(draft, line, share(rated.amount), l.quantity, rated.description, period, { kind: 'subscription', servicePeriod: period }, null);
      }
      line.nextPeriod += 1;
      line.segments = l.billing.timing === 'arrears' && !l.usageMetric ? [{ from: period.end, amount: rateQuantity(l, l.quantity).amount }] : [];
    }
  }
  if (draft.lines.length > 0) {
    const periods = draft.lines.filter((x) => x.periodStart && x.periodEnd && x.periodStart !== x.periodEnd);
    if (periods.length) draft.period = { start: periods.map((x) => x.periodStart!).sort()[0]!, end: periods.map((x) => x.periodEnd!).sort().at(-1)! };
    await issueDraft(d, draft);
  }
  scheduleBilling(d);
}

/**
 * Usage so large that its amount cannot be counted exactly is not billed: the period is noted,
 * and a person is asked to bill it by hand, rather than the workflow failing on every attempt.
 */
function refuseToBill(d: Deal, lineId: string, period: Period, quantity: number): void {
  const summary = `usage of line ${lineId} for ${period.start.slice(0, 10)} → ${period.end.slice(0, 10)} (${quantity}) comes to more than ${MAX_AMOUNT} minor units: not billed`;
  d.messenger.note('billing.refused', summary, { lineId, quantity, period });
  d.tasks.push({ taskId: `task:bill-by-hand:${lineId}:${period.start}`, kind: 'invoice_review', summary: `Bill by hand: ${summary}`, createdAt: isoNow() });
}
