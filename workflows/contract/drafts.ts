import type { InvoiceLineRecord } from '../../activities/records';
import { perUnit } from '../../domain/billing/amounts';
import type { Period } from '../../domain/billing/periods';
import type { ContractLine, PendingRevenue, RevenueSpec } from '../contract-definitions';

// An invoice being drawn up: its lines, the revenue each will recognise, and what the pre-bill
// anomaly check looks at. Periods, prorations and rebills all draw invoices up the same way.

export interface Draft {
  lines: InvoiceLineRecord[];
  revenue: PendingRevenue[];
  /** Lines whose amount and usage feed the anomaly check and the trailing averages. */
  checked: Array<{ lineId: string; amount: number; usage: number | null }>;
  period?: Period;
  /** Amendment prorations and rebills are expected: no anomaly check. */
  skipChecks?: boolean;
  /** A period's invoice: its usage uses the prepaid wallet (prorations and rebills do not). */
  useWallet?: boolean;
  /**
   * The instant the wallet is judged at (which grants have expired): the billing boundary, not
   * the moment its timer happened to fire, so the upcoming-invoice preview judges it the same.
   */
  walletAt?: number;
}

export function emptyDraft(options: { skipChecks?: boolean; period?: Period; useWallet?: boolean; walletAt?: number } = {}): Draft {
  return { lines: [], revenue: [], checked: [], ...options };
}

export function addLine(draft: Draft, line: ContractLine, amount: number, quantity: number, description: string, period: Period, revenue: RevenueSpec, usage: number | null): void {
  draft.lines.push({
    // The rated description already names the line ("Seats: 25 × 40.00 USD, 10% off").
    description,
    quantity,
    unitAmount: quantity ? perUnit(amount, quantity) : amount,
    amount,
    lineRef: line.line.lineId,
    periodStart: period.start,
    periodEnd: period.end,
  });
  draft.revenue.push({ ...revenue, amount, lineNo: draft.lines.length });
  draft.checked.push({ lineId: line.line.lineId, amount, usage });
}
