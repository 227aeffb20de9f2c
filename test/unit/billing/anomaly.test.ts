import { describe, expect, it } from 'vitest';
import { holdReason } from '../../../domain/billing/anomaly';

const rules = { thresholdPercent: 50, firstInvoiceAbove: 5_000_000 };
const line = (amount: number, recentAmounts: number[], usage: number | null = null, recentUsage: number[] = []) => ({ lineId: 'api', amount, usage, recentAmounts, recentUsage });

describe('pre-bill anomaly checks', () => {
  it('holds a first invoice above the playbook amount, and only the first', () => {
    expect(holdReason({ currency: 'USD', subtotal: 5_000_001, first: true, lines: [] }, rules)).toBe('first invoice of 50000.01 USD is above 50000.00 USD');
    expect(holdReason({ currency: 'USD', subtotal: 5_000_000, first: true, lines: [] }, rules)).toBeNull();
    expect(holdReason({ currency: 'USD', subtotal: 9_000_000, first: false, lines: [] }, rules)).toBeNull();
  });

  it('holds a line more than the threshold away from its trailing average, up or down', () => {
    expect(holdReason({ currency: 'USD', subtotal: 0, first: false, lines: [line(15_000, [10_000, 10_000])] }, rules)).toBeNull();
    expect(holdReason({ currency: 'USD', subtotal: 0, first: false, lines: [line(15_001, [10_000, 10_000])] }, rules)).toMatch(/line api: 150.01 USD departs 50% /);
    expect(holdReason({ currency: 'USD', subtotal: 0, first: false, lines: [line(4_000, [10_000, 10_000])] }, rules)).toMatch(/departs 60% /);
  });

  it('compares usage as well as amounts, and anything departs from an average of zero', () => {
    expect(holdReason({ currency: 'USD', subtotal: 0, first: false, lines: [line(100, [100], 9_000, [2_000, 2_500])] }, rules)).toMatch(/usage 9000 departs 300% /);
    expect(holdReason({ currency: 'USD', subtotal: 0, first: false, lines: [line(1, [0, 0])] }, rules)).toMatch(/departs entirely/);
    expect(holdReason({ currency: 'USD', subtotal: 0, first: false, lines: [line(0, [0])] }, rules)).toBeNull();
    // No history: nothing to depart from.
    expect(holdReason({ currency: 'USD', subtotal: 0, first: false, lines: [line(1_000_000, [])] }, rules)).toBeNull();
  });
});
