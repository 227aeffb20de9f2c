import { describe, expect, it } from 'vitest';
import { LeakLedger, type OpenLeak } from '../../../workflows/lifecycle/leak-ledger';

/** The ledger's bookkeeping as tables: what each sequence of steps leaves on the row. */
describe('leak ledger', () => {
  const fresh = () => {
    const open: OpenLeak[] = [];
    return { open, ledger: new LeakLedger(open, { currency: 'USD', workflowId: 'wf-1', idPrefix: 'invoice:INV-1/' }) };
  };
  const opening = { slot: 'collections', cause: 'collections', atStake: 50_000, estimated: false, summary: 'overdue' };

  it.each([
    // [what happens, status, recovered, lost, recoveredBy]
    ['paid in full after a reminder', (l: LeakLedger) => (l.note('collections', {}, 'reminder'), l.moneyIn('collections'), l.recover('collections', 50_000)), 'recovered', 50_000, 0, 'reminder'],
    [
      'part paid after a reminder, the rest written off after the final notice',
      (l: LeakLedger) => (l.note('collections', {}, 'reminder'), l.moneyIn('collections'), l.note('collections', {}, 'final_notice'), l.lose('collections', 30_000, 20_000)),
      'lost',
      20_000,
      30_000,
      'reminder',
    ],
    ['paid after the final notice', (l: LeakLedger) => (l.note('collections', {}, 'reminder'), l.note('collections', {}, 'final_notice'), l.moneyIn('collections'), l.recover('collections')), 'recovered', 50_000, 0, 'final_notice'],
    ['written off with nothing paid', (l: LeakLedger) => (l.note('collections', {}, 'reminder'), l.lose('collections')), 'lost', 0, 50_000, null],
    ['recovered on its own, no Revloop step before', (l: LeakLedger) => l.recover('collections'), 'recovered', 50_000, 0, null],
    ['recovered for more than was at stake: capped', (l: LeakLedger) => l.recover('collections', 90_000, 'text_back'), 'recovered', 50_000, 0, 'text_back'],
    ['recovered in part: the rest is lost', (l: LeakLedger) => l.recover('collections', 10_000, 'follow_up'), 'recovered', 10_000, 40_000, 'follow_up'],
  ] as const)('%s', (_what, steps, status, recovered, lost, recoveredBy) => {
    const { open, ledger } = fresh();
    ledger.open('invoice_overdue', opening);
    steps(ledger);
    const [row] = ledger.take();
    expect(row).toMatchObject({ id: 'leak:invoice:INV-1/invoice_overdue:collections', status, recovered, lost, recoveredBy, atStake: 50_000, currency: 'USD', workflowId: 'wf-1' });
    expect(row!.recovered + row!.lost).toBeLessThanOrEqual(row!.atStake);
    expect(open).toEqual([]);
  });

  it('keeps one open row per slot: a second opening answers the first, and only changed rows are written', () => {
    const { open, ledger } = fresh();
    const first = ledger.open('payment_failed', opening);
    expect(ledger.open('invoice_overdue', { ...opening, atStake: 1 })).toBe(first);
    expect(ledger.take().map((r) => r.kind)).toEqual(['payment_failed']);
    expect(ledger.take()).toEqual([]);
    expect(ledger.hasChanges()).toBe(false);
    ledger.note('collections', { failedPayments: 2 });
    expect(ledger.take()).toMatchObject([{ status: 'open', detail: { failedPayments: 2 } }]);
    expect(open).toHaveLength(1);
  });

  it('gives the same id to the same cause, so a redone step rewrites its row', () => {
    const a = fresh().ledger;
    const b = fresh().ledger;
    a.lostAtOnce('credit_note', { cause: 'K.C001', atStake: 2_000, estimated: false, summary: 'credit' });
    b.lostAtOnce('credit_note', { cause: 'K.C001', atStake: 2_000, estimated: false, summary: 'credit' });
    const [x] = a.take();
    const [y] = b.take();
    expect(x!.id).toBe(y!.id);
    expect(x).toMatchObject({ status: 'lost', lost: 2_000, recovered: 0 });
  });

  it('never records a negative stake', () => {
    const { ledger } = fresh();
    ledger.open('contraction', { ...opening, atStake: -5 });
    expect(ledger.take()[0]!.atStake).toBe(0);
  });

  it('ignores outcomes for a slot with no open row', () => {
    const { ledger } = fresh();
    ledger.recover('nothing');
    ledger.lose('nothing');
    ledger.note('nothing', { x: 1 });
    ledger.moneyIn('nothing');
    expect(ledger.take()).toEqual([]);
  });
});
