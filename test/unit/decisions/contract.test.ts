import { describe, expect, it } from 'vitest';
import type { QuoteLine } from '../../../domain/billing/quote-line';
import { committedPerPeriod, monthlyRecurring } from '../../../domain/billing/recurring';
import { renewalIssue, unbillableQuote } from '../../../domain/contracts/bounds';
import type { ContractEvent } from '../../../domain/contracts/contract-events';
import type { ContractInvoice, ContractLine, ContractMemory } from '../../../workflows/contract-definitions';
import { fullPeriodOf, nextBillingAt } from '../../../workflows/contract/periods';
import { refusalOf, type RefusalContext } from '../../../workflows/contract/refusals';
import { balanceDue, freshMemory, mrr, yearlyValue } from '../../../workflows/contract/state';

// The contract lifecycle's decisions, without Temporal: what a line recurs at, when the next
// invoice is due, what a renewal may be, and which events a contract refuses.

const usd = (amount: number) => ({ amount, currency: 'USD' });
const seats: QuoteLine = { lineId: 'seats', sku: 'SEAT', quantity: 10, listPrice: usd(4_000), discountPercent: 0, pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } };
const yearly: QuoteLine = { ...seats, lineId: 'support', sku: 'SUP', quantity: 1, listPrice: usd(120_000), pricingModel: 'flat', billing: { interval: 'year', timing: 'advance' } };
const onboarding: QuoteLine = { ...seats, lineId: 'onboarding', sku: 'ONB', quantity: 1, listPrice: usd(250_000), pricingModel: 'flat', billing: { interval: 'one_time', timing: 'advance' } };
const usage: QuoteLine = { ...seats, lineId: 'api', sku: 'API', quantity: 1, listPrice: usd(1), pricingModel: 'per_unit', usageMetric: 'api_calls', billing: { interval: 'month', timing: 'arrears' } };
const hybrid: QuoteLine = { ...usage, lineId: 'hybrid', pricingModel: 'hybrid', commitment: usd(50_000), includedUnits: 1_000 };
const line = (l: QuoteLine, nextPeriod = 0): ContractLine => ({ line: l, nextPeriod, segments: [], recentAmounts: [], recentUsage: [] });
const term = { index: 0, start: '2027-01-31T00:00:00.000Z', end: '2028-01-31T00:00:00.000Z', duration: 'P12M' };

describe('recurring revenue, whatever the pricing model', () => {
  it.each<[string, QuoteLine, number, number]>([
    ['10 seats × 40.00 a month', seats, 40_000, 40_000],
    ['1,200.00 a year: 100.00 a month', yearly, 120_000, 10_000],
    ['a one-time fee recurs never', onboarding, 250_000, 0],
    ['pure usage commits to nothing', usage, 0, 0],
    ['a hybrid commits to its commitment', hybrid, 50_000, 50_000],
  ])('%s', (_, l, perPeriod, monthly) => {
    expect(committedPerPeriod(l)).toBe(perPeriod);
    expect(monthlyRecurring(l)).toBe(monthly);
  });

  it('sums the lines into MRR and a yearly quote value', () => {
    const m = { lines: [line(seats), line(yearly), line(onboarding), line(hybrid)] };
    expect(mrr(m)).toBe(100_000);
    expect(yearlyValue(m)).toBe(1_200_000);
  });
});

describe('when the next invoice is due', () => {
  const at = (m: Partial<ContractMemory>) => {
    const next = nextBillingAt({ ...freshMemory(term.start), stage: 'active', term, ...m });
    return next === null ? null : new Date(next).toISOString();
  };
  it.each<[string, Partial<ContractMemory>, string | null]>([
    ['unsigned: never', { term: null, lines: [line(seats)] }, null],
    ['a one-time fee at the term start', { lines: [line(onboarding), line(seats, 1)] }, '2027-01-31T00:00:00.000Z'],
    ['advance billing at the start of the next period (Feb 28 after Jan 31)', { lines: [line(seats, 1)] }, '2027-02-28T00:00:00.000Z'],
    ['arrears billing at the end of the open period', { lines: [line(usage, 0)] }, '2027-02-28T00:00:00.000Z'],
    ['the earliest of several lines', { lines: [line(yearly, 1), line(seats, 2)] }, '2027-03-31T00:00:00.000Z'],
    ['churned: never', { stage: 'churned', lines: [line(seats, 1)] }, null],
    // A yearly line on a one-year term has one period, billed once it has moved past it.
    ['every period and the one-time fee billed: never', { lines: [line(yearly, 1), line(onboarding)], oneTimeBilled: ['onboarding'] }, null],
  ])('%s', (_, m, due) => {
    expect(at(m)).toBe(due);
  });

  it('bills the last period of a term that ends mid-period pro rata against the anchored full one', () => {
    const short = { ...term, end: '2027-03-15T00:00:00.000Z' };
    expect(fullPeriodOf(short, { start: '2027-02-28T00:00:00.000Z', end: '2027-03-15T00:00:00.000Z' }, 1, 'month')).toEqual({ start: '2027-02-28T00:00:00.000Z', end: '2027-03-31T00:00:00.000Z' });
    expect(fullPeriodOf(term, { start: '2027-02-28T00:00:00.000Z', end: '2027-03-31T00:00:00.000Z' }, 1, 'month')).toBeNull();
  });
});

describe('what a quote or a renewal may be', () => {
  it.each<[string, { term: string; start: string; lines: QuoteLine[] }, RegExp | null]>([
    ['a year of seats', { term: 'P12M', start: '2027-01-01T00:00:00.000Z', lines: [seats] }, null],
    ['a zero-length term', { term: 'P0D', start: '2027-01-01T00:00:00.000Z', lines: [seats] }, /longer than zero/],
    ['a line too large to count exactly', { term: 'P12M', start: '2027-01-01T00:00:00.000Z', lines: [{ ...seats, quantity: 1e9, listPrice: usd(1e9) }] }, /line seats/],
  ])('%s', (_, quote, refused) => {
    const issue = unbillableQuote(quote);
    if (refused) expect(issue).toMatch(refused);
    else expect(issue).toBeNull();
  });

  it('renews unless the next term or its uplifted prices could not be billed exactly', () => {
    expect(renewalIssue([seats], term.end, { term: 'P12M', upliftPercent: 5 })).toBeNull();
    expect(renewalIssue([seats], term.end, { term: 'P0D', upliftPercent: 5 })).toMatch(/longer than zero/);
    expect(renewalIssue([{ ...seats, quantity: 1e9, listPrice: usd(9e6) }], term.end, { term: 'P12M', upliftPercent: 100 })).toMatch(/line seats/);
  });
});

describe('which events a contract refuses', () => {
  const issued = (invoiceId: string, status: ContractInvoice['status']): ContractInvoice => ({
    invoiceId,
    kind: 'invoice',
    status,
    total: usd(40_000),
    balance: usd(status === 'paid' ? 0 : 40_000),
    issuedAt: term.start,
    dueAt: null,
    billed: [{ lineId: 'seats', description: 'Seats', amount: 40_000, period: { start: term.start, end: '2027-02-28T00:00:00.000Z' } }],
  });
  const active: RefusalContext = {
    memory: { stage: 'active', term, lines: [line(seats, 1), line(onboarding)], invoices: [issued('K.0001', 'open'), issued('K.0002', 'held'), issued('K.0003', 'paid')] },
    currency: 'USD',
    autoRenewUpliftPercent: 3,
    releasing: new Set(),
    collecting: (id) => id === 'K.0001',
    now: '2027-02-10T00:00:00.000Z',
  };
  const quote: RefusalContext = { ...active, memory: { ...active.memory, stage: 'pending_approval', term: null } };
  const metered = line({ ...seats, lineId: 'api', pricingModel: 'per_unit', usageMetric: 'api_calls', billing: { interval: 'month', timing: 'arrears' } } as typeof seats, 0);
  const withWallet: RefusalContext = {
    ...active,
    memory: { ...active.memory, lines: [...active.memory.lines, metered], wallet: { grants: [{ grantId: 'g0', kind: 'money', granted: '5000', remaining: '5000/1', paid: true, priority: 50, grantedAt: term.start, expiresAt: null }], overdrawn: 0, lowBalanceAlerted: false } },
  };
  const e = (x: Record<string, unknown>) => ({ eventId: 'e1', receivedAt: active.now, ...x }) as ContractEvent;
  const refused = (x: Record<string, unknown>, c = active) => {
    const r = refusalOf(e(x), c);
    return r === null ? null : r.kind === 'conflict' ? 'conflict' : r.field;
  };

  it.each<[string, Record<string, unknown>, RefusalContext, string | null]>([
    ['signing a quote that waits for approval', { type: 'contract.signed' }, quote, 'conflict'],
    ['signing an approved quote', { type: 'contract.signed' }, { ...quote, memory: { ...quote.memory, stage: 'approved' } }, null],
    ['amending seats in the current period', { type: 'contract.amended', lineId: 'seats', quantity: 12 }, active, null],
    ['amending a line the contract lacks', { type: 'contract.amended', lineId: 'nope', quantity: 12 }, active, 'lineId'],
    ['amending a one-time fee', { type: 'contract.amended', lineId: 'onboarding', quantity: 2 }, active, 'conflict'],
    ['amending into a period already past', { type: 'contract.amended', lineId: 'seats', quantity: 12, effectiveAt: '2026-12-01T00:00:00.000Z' }, active, 'effectiveAt'],
    ['a price in another currency', { type: 'contract.amended', lineId: 'seats', listPrice: { amount: 1, currency: 'EUR' } }, active, 'listPrice.currency'],
    ['renewing a quote', { type: 'contract.renewed' }, quote, 'conflict'],
    ['approving a held invoice', { type: 'invoice.approved', invoiceId: 'K.0002' }, active, null],
    ['approving one that is not held', { type: 'invoice.approved', invoiceId: 'K.0001' }, active, 'conflict'],
    ['approving one already being released', { type: 'invoice.approved', invoiceId: 'K.0002' }, { ...active, releasing: new Set(['K.0002']) }, 'conflict'],
    ['a payment of an open invoice', { type: 'payment.received', invoiceId: 'K.0001', amount: usd(100) }, active, null],
    ['a payment of a held invoice', { type: 'payment.received', invoiceId: 'K.0002', amount: usd(100) }, active, 'conflict'],
    ['a payment of a held invoice just approved', { type: 'payment.received', invoiceId: 'K.0002', amount: usd(100) }, { ...active, releasing: new Set(['K.0002']) }, null],
    ['a payment of a paid invoice no longer collecting', { type: 'payment.received', invoiceId: 'K.0003', amount: usd(100) }, active, 'conflict'],
    ['a credit in another currency', { type: 'credit.issued', invoiceId: 'K.0001', amount: { amount: 100, currency: 'EUR' }, reason: 'x' }, active, 'amount.currency'],
    ['a rebill of a line the invoice did not bill', { type: 'invoice.rebilled', invoiceId: 'K.0001', reason: 'x', lines: [{ lineId: 'api', amount: usd(1) }] }, active, 'lines.0.lineId'],
    ['a rebill of a held invoice', { type: 'invoice.rebilled', invoiceId: 'K.0002', reason: 'x', lines: [] }, active, 'conflict'],
    ['a prepaid top-up', { type: 'credit.granted', grantId: 'g1', amount: usd(5000), paid: true, priority: 50 }, active, null],
    ['prepaid credit before signature', { type: 'credit.granted', grantId: 'g1', amount: usd(5000), paid: false, priority: 50 }, quote, 'conflict'],
    ['a grant id already in the wallet', { type: 'credit.granted', grantId: 'g0', amount: usd(5000), paid: false, priority: 50 }, withWallet, 'conflict'],
    ['credit in another currency', { type: 'credit.granted', grantId: 'g1', amount: { amount: 1, currency: 'EUR' }, paid: false, priority: 50 }, active, 'amount.currency'],
    ['units of a metric no line is rated on', { type: 'credit.granted', grantId: 'g1', units: { metric: 'storage_gb', quantity: 5 }, paid: false, priority: 50 }, active, 'units.metric'],
    ['units of a metric a line is rated on', { type: 'credit.granted', grantId: 'g1', units: { metric: 'api_calls', quantity: 5 }, paid: false, priority: 50 }, withWallet, null],
    ['credit that expired already', { type: 'credit.granted', grantId: 'g1', amount: usd(5000), paid: false, priority: 50, expiresAt: '2027-02-01T00:00:00.000Z' }, active, 'expiresAt'],
    ['more credit than can be counted exactly', { type: 'credit.granted', grantId: 'g1', amount: usd(9_999_999_999_000), paid: false, priority: 50 }, withWallet, 'amount.amount'],
  ])('%s', (_, x, c, expected) => {
    expect(refused(x, c)).toBe(expected);
  });

  it('owes what issued invoices still ask, not held ones', () => {
    expect(balanceDue(active.memory)).toBe(40_000);
  });
});
