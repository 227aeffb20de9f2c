import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactDecimal, exactText } from '../../../domain/billing/exact';
import { addGrant, balanceOf, emptyWallet, expire, expiring, inUseOrder, useFreeMoney, usePaidMoney, useUnits, walletPays, type Wallet, type WalletGrant } from '../../../domain/billing/wallet';

const T0 = Date.parse('2027-01-01T00:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(T0 + days * DAY).toISOString();
type GrantInput = Omit<WalletGrant, 'remaining'>;
const money = (grantId: string, amount: number, more: Partial<GrantInput> = {}): GrantInput => ({ grantId, kind: 'money', granted: String(amount), paid: false, priority: 50, grantedAt: at(0), expiresAt: null, ...more });
const units = (grantId: string, quantity: string, metric = 'api_calls', more: Partial<GrantInput> = {}): GrantInput => ({ grantId, kind: 'units', metric, granted: quantity, paid: false, priority: 50, grantedAt: at(0), expiresAt: null, ...more });
const walletOf = (...grants: GrantInput[]): Wallet => grants.reduce(addGrant, emptyWallet());

describe('a prepaid wallet', () => {
  it('uses grants by priority, then the one expiring first (never last), then the oldest, then by id', () => {
    const order = inUseOrder(
      walletOf(
        money('never', 1, { priority: 10 }),
        money('late', 1, { priority: 10, expiresAt: at(60) }),
        money('soon', 1, { priority: 10, expiresAt: at(30) }),
        money('first', 1, { priority: 1 }),
        money('b-newer', 1, { priority: 90, grantedAt: at(2) }),
        money('a-older', 1, { priority: 90, grantedAt: at(1) }),
      ).grants,
    ).map((g) => g.grantId);
    expect(order).toEqual(['first', 'soon', 'late', 'never', 'a-older', 'b-newer']);
  });

  it.each([
    { what: 'units cover part of the usage', grants: [units('u', '1000')], quantity: '2500', left: '1500/1', used: [['u', '1000/1']] },
    { what: 'units cover all of it, the rest stays', grants: [units('u', '1000')], quantity: '400', left: '0/1', used: [['u', '400/1']] },
    { what: 'two grants, by priority', grants: [units('b', '300', 'api_calls', { priority: 60 }), units('a', '200', 'api_calls', { priority: 10 })], quantity: '400', left: '0/1', used: [['a', '200/1'], ['b', '200/1']] },
    { what: 'another metric’s units do nothing', grants: [units('u', '1000', 'storage_gb')], quantity: '400', left: '400/1', used: [] },
    { what: 'an expired grant does nothing', grants: [units('u', '1000', 'api_calls', { expiresAt: at(5) })], quantity: '400', left: '400/1', used: [] },
    { what: 'a fraction of a unit, exactly', grants: [units('u', '0.5')], quantity: '1.25', left: '3/4', used: [['u', '1/2']] },
  ])('prepaid units: $what', ({ grants, quantity, left, used }) => {
    const use = useUnits(walletOf(...grants), 'api_calls', exactDecimal(quantity), T0 + 10 * DAY);
    expect(exactText(use.quantity)).toBe(left);
    expect(use.used.map((u) => [u.grantId, exactText(u.units)])).toEqual(used);
  });

  it('free money pays usage grant by grant; paid money then pays the rest as the customer’s own', () => {
    const wallet = walletOf(money('promo', 1000, { priority: 10 }), money('topup', 5000, { paid: true }), money('promo-2', 300, { priority: 20 }));
    const free = useFreeMoney(wallet, 1200, T0);
    expect(free.used).toEqual([{ grantId: 'promo', amount: 1000 }, { grantId: 'promo-2', amount: 200 }]);
    const paid = usePaidMoney(free.wallet, 3000, T0);
    expect(paid.paid).toBe(3000);
    expect(balanceOf(paid.wallet, T0)).toMatchObject({ money: 2100, paid: 2000, free: 100, overdrawn: 0 });
  });

  it('never pays more than the wallet holds, unless the playbook lets paid money overdraw; a top-up repays it first', () => {
    const wallet = walletOf(money('topup', 1000, { paid: true }));
    expect(usePaidMoney(wallet, 2500, T0).paid).toBe(1000);
    const overdrawn = usePaidMoney(wallet, 2500, T0, 1000);
    expect(overdrawn.paid).toBe(2000);
    expect(balanceOf(overdrawn.wallet, T0)).toMatchObject({ money: -1000, overdrawn: 1000 });
    const refilled = addGrant(overdrawn.wallet, money('topup-2', 1500, { paid: true, grantedAt: at(1) }));
    expect(balanceOf(refilled, T0 + DAY)).toMatchObject({ money: 500, paid: 500, overdrawn: 0 });
  });

  it.each([
    { drawn: 3000, balance: 5000, pays: 3000 },
    { drawn: 5000, balance: 3000, pays: 3000 },
    { drawn: 0, balance: 3000, pays: 0 },
    // An invoice whose lines come to less than nothing (late gauge readings lowered last month).
    { drawn: 0, balance: -5360701, pays: 0 },
    { drawn: 2000, balance: -100, pays: 0 },
  ])('paid credit drawn $drawn pays $pays of a balance of $balance', ({ drawn, balance, pays }) => {
    expect(walletPays(drawn, balance)).toBe(pays);
  });

  it('an expired grant is worth nothing, and says what it forwent', () => {
    const wallet = walletOf(money('promo', 1000, { expiresAt: at(30) }), money('topup', 500, { paid: true }));
    expect(balanceOf(wallet, T0 + 29 * DAY).money).toBe(1500);
    expect(balanceOf(wallet, T0 + 30 * DAY).money).toBe(500);
    expect(expiring(wallet, T0 + 30 * DAY).map((g) => g.grantId)).toEqual(['promo']);
    expect(balanceOf(expire(wallet, ['promo']), T0).money).toBe(500);
    expect(useFreeMoney(wallet, 800, T0 + 31 * DAY).used).toEqual([]);
  });

  it('never goes below zero without an overdraft, nor below minus the overdraft with one (any grants, any usage)', () => {
    const grant = fc.record({ amount: fc.integer({ min: 1, max: 100_000 }), paid: fc.boolean(), priority: fc.integer({ min: 0, max: 100 }), expiresIn: fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }) });
    const step = fc.oneof(grant.map((g) => ({ kind: 'grant' as const, ...g })), fc.record({ kind: fc.constant('use' as const), due: fc.integer({ min: 0, max: 200_000 }), day: fc.integer({ min: 0, max: 120 }) }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), fc.constantFrom(0, 5000), (steps, overdraftUpTo) => {
        let wallet = emptyWallet();
        steps.forEach((s, i) => {
          if (s.kind === 'grant') wallet = addGrant(wallet, money(`g${i}`, s.amount, { paid: s.paid, priority: s.priority, grantedAt: at(i), expiresAt: s.expiresIn ? at(i + s.expiresIn) : null }));
          else {
            const now = T0 + s.day * DAY;
            const free = useFreeMoney(wallet, s.due, now);
            const spent = free.used.reduce((sum, f) => sum + f.amount, 0);
            const paid = usePaidMoney(free.wallet, s.due - spent, now, overdraftUpTo);
            expect(spent + paid.paid).toBeLessThanOrEqual(s.due);
            wallet = paid.wallet;
            const balance = balanceOf(wallet, now);
            expect(balance.money).toBeGreaterThanOrEqual(-overdraftUpTo);
            expect(balance.overdrawn).toBeLessThanOrEqual(overdraftUpTo);
            expect(balance.paid).toBeGreaterThanOrEqual(0);
            expect(balance.free).toBeGreaterThanOrEqual(0);
          }
        });
      }),
    );
  });
});
