import { lineAmount } from './billing/amounts';
import { addDuration } from './durations';

export interface PricedLine {
  description: string;
  quantity: number;
  unitAmount: number;
  /** quantity × unit price, exact and rounded once per line with the project's rounding rule. */
  amount: number;
}

/** Prices invoice lines. Rounding happens per line, so the lines always add up to the total. */
export function priceLines(lines: ReadonlyArray<{ description: string; quantity: number; unitPrice: { amount: number } }>): { lines: PricedLine[]; total: number } {
  const priced = lines.map((l) => ({
    description: l.description,
    quantity: l.quantity,
    unitAmount: l.unitPrice.amount,
    amount: lineAmount(l.quantity, l.unitPrice.amount),
  }));
  return { lines: priced, total: priced.reduce((sum, l) => sum + l.amount, 0) };
}

/** When an invoice issued at `issuedAt` (ms) on `netTerms` (ISO duration) is due: one rule for every invoice, wherever it is asked. */
export function invoiceDueAt(issuedAt: number, netTerms: string): string {
  return new Date(addDuration(issuedAt, netTerms)).toISOString();
}
