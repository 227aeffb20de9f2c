import { describe, expect, it } from 'vitest';
import { add, formatMoney, roundMinor } from '../../domain/money';
import { Money } from '../../domain/values';

describe('money', () => {
  it('rounds half away from zero to the minor unit', () => {
    expect(roundMinor(2.5)).toBe(3);
    expect(roundMinor(-2.5)).toBe(-3);
    expect(roundMinor(2.4999)).toBe(2);
    expect(roundMinor(-0.4)).toBe(0);
  });

  it('accepts only integer minor units with an ISO currency', () => {
    expect(Money.safeParse({ amount: 12500, currency: 'USD' }).success).toBe(true);
    expect(Money.safeParse({ amount: 125.5, currency: 'USD' }).success).toBe(false);
    expect(Money.safeParse({ amount: 100, currency: 'usd' }).success).toBe(false);
  });

  it('never adds different currencies', () => {
    expect(add({ amount: 100, currency: 'USD' }, { amount: 250, currency: 'USD' })).toEqual({ amount: 350, currency: 'USD' });
    expect(() => add({ amount: 100, currency: 'USD' }, { amount: 1, currency: 'EUR' })).toThrow(/currency/);
  });

  it('formats for people with the currency minor digits', () => {
    expect(formatMoney({ amount: 12500, currency: 'USD' })).toBe('125.00 USD');
    expect(formatMoney({ amount: 1500, currency: 'JPY' })).toBe('1500 JPY');
  });
});
