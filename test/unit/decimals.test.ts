import { describe, expect, it } from 'vitest';
import { decimalNumber } from '../../domain/decimals';
import { LineItem } from '../../domain/customer-events';
import { UsageBatch } from '../../domain/contracts/contract-events';

describe('decimal quantities', () => {
  it('takes up to the stated decimal places, and nothing finer however small', () => {
    const four = decimalNumber(4);
    expect([1, 0.0001, 1.2345, 999_999.9999, 0.1 + 0.2, 0].map((v) => four.safeParse(v).success)).toEqual([true, true, true, true, true, true]);
    // zod's multipleOf alone let these through: its tolerance scales with the value.
    expect([0.00005, 1.23456, 1e-7, 1e-300, 5e-324, -1e-300].map((v) => four.safeParse(v).success)).toEqual([false, false, false, false, false, false]);
  });

  it('refuses a line item of 1e-300 units, which a fuzzer got onto an invoice', () => {
    const line = { description: 'Visit', unitPrice: { amount: 100_000_000, currency: 'USD' } };
    expect(LineItem.safeParse({ ...line, quantity: 1e-300 }).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['quantity', 'may have at most 4 decimal places']]);
    expect(LineItem.safeParse({ ...line, quantity: 0.5 }).success).toBe(true);
  });

  it('refuses usage records with a quantity finer than a ten-thousandth', () => {
    const record = (quantity: number) => ({ records: [{ id: 'r1', metric: 'api_calls', quantity, occurredAt: '2027-01-01T00:00:00Z' }] });
    expect(UsageBatch.safeParse(record(5e-324)).success).toBe(false);
    expect(UsageBatch.safeParse(record(0)).success).toBe(true);
  });
});
