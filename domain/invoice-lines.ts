import { billedTotal, lineAmount } from './billing/amounts';
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

export const BELOW_ZERO = 'the line items come to less than zero: a discount may bring the invoice to 0.00, no lower';

/**
 * Whether lines would make an invoice of less than nothing: a discount may bring one to 0.00, no
 * lower, or collections would chase the customer for money the business owes. The API refuses
 * such lines and so does the customer's workflow, by this one rule on the total as it is billed.
 */
export function billsBelowZero(lines: Parameters<typeof priceLines>[0]): boolean {
  return billedTotal(lines.map((l) => ({ quantity: l.quantity, unitAmount: l.unitPrice.amount }))) < 0n;
}

/** When an invoice issued at `issuedAt` (ms) on `netTerms` (ISO duration) is due: one rule for every invoice, wherever it is asked. */
export function invoiceDueAt(issuedAt: number, netTerms: string): string {
  return new Date(addDuration(issuedAt, netTerms)).toISOString();
}
