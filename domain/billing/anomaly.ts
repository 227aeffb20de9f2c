import { formatMoney } from '../money';

/**
 * Pre-bill anomaly checks: the reason an invoice should wait for a person, or null. An invoice is
 * held when it is the contract's first and larger than the playbook allows, or when any line's
 * amount or usage departs from that line's trailing average by more than the threshold. A line
 * with no history has nothing to depart from; an average of zero is departed from by anything.
 */

export interface AnomalyRules {
  thresholdPercent: number;
  /** Minor units. */
  firstInvoiceAbove: number;
}

export interface CheckedLine {
  lineId: string;
  amount: number;
  usage: number | null;
  recentAmounts: readonly number[];
  recentUsage: readonly number[];
}

export function holdReason(invoice: { currency: string; subtotal: number; first: boolean; lines: readonly CheckedLine[] }, rules: AnomalyRules): string | null {
  const money = (amount: number) => formatMoney({ amount, currency: invoice.currency });
  if (invoice.first && invoice.subtotal > rules.firstInvoiceAbove) {
    return `first invoice of ${money(invoice.subtotal)} is above ${money(rules.firstInvoiceAbove)}`;
  }
  const departure = (value: number, history: readonly number[]): number | null => {
    if (history.length === 0) return null;
    const average = history.reduce((a, b) => a + b, 0) / history.length;
    if (average === 0) return value === 0 ? null : Infinity;
    const percent = (Math.abs(value - average) / average) * 100;
    return percent > rules.thresholdPercent ? percent : null;
  };
  const by = (percent: number) => (Number.isFinite(percent) ? `${Math.round(percent)}%` : 'entirely');
  for (const line of invoice.lines) {
    const byAmount = departure(line.amount, line.recentAmounts);
    if (byAmount !== null) return `line ${line.lineId}: ${money(line.amount)} departs ${by(byAmount)} from its trailing average (threshold ${rules.thresholdPercent}%)`;
    const byUsage = line.usage === null ? null : departure(line.usage, line.recentUsage);
    if (byUsage !== null) return `line ${line.lineId}: usage ${line.usage} departs ${by(byUsage)} from its trailing average (threshold ${rules.thresholdPercent}%)`;
  }
  return null;
}
