import type { QuoteLine } from '../billing/quote-line';
import type { B2BPlaybook } from '../../playbooks/b2b-schema';

/**
 * Pricing guardrails: which approvals a quote needs, and what is refused outright. Pure, so the
 * API can refuse a quote before anything starts and the workflow can apply the same rules.
 */

export interface RequiredApproval {
  /** Stable within the quote: `discount` or `term`. */
  key: 'discount' | 'term';
  role: string;
  reason: string;
}

export type ApprovalPlan =
  | { refused: false; approvals: RequiredApproval[] }
  | { refused: true; reason: string; lineIndex: number };

export function approvalPlan(quote: { lines: QuoteLine[]; term: string }, guardrails: B2BPlaybook['guardrails']): ApprovalPlan {
  const approvals: RequiredApproval[] = [];
  const deepest = quote.lines.reduce((best, line, i) => (line.discountPercent > quote.lines[best]!.discountPercent ? i : best), 0);
  const discount = quote.lines[deepest]!.discountPercent;
  if (discount > guardrails.autoApproveDiscountUpTo) {
    const tier = guardrails.discountTiers.find((t) => discount <= t.upTo);
    if (!tier) {
      const ceiling = guardrails.discountTiers.at(-1)!.upTo;
      return { refused: true, reason: `a ${discount}% discount is above the ${ceiling}% any approver may grant`, lineIndex: deepest };
    }
    approvals.push({ key: 'discount', role: tier.role, reason: `${discount}% discount on ${quote.lines[deepest]!.sku} (auto-approved up to ${guardrails.autoApproveDiscountUpTo}%)` });
  }
  if (!guardrails.standardTerms.includes(quote.term)) {
    approvals.push({ key: 'term', role: guardrails.nonStandardTermRole, reason: `non-standard term ${quote.term} (standard: ${guardrails.standardTerms.join(', ')})` });
  }
  return { refused: false, approvals };
}
