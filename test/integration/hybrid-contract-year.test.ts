import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';

/**
 * Issue 5's acceptance: a 12-month hybrid contract created through the API, run on the
 * time-skipping server, whose invoices, revenue schedule and deferred balance must agree with the
 * hand calculation below (worked with a pencil, not with Revloop's own billing code).
 *
 * The contract, from Jan 1 of Y for P12M, no auto-renewal, where Y is the next common (365-day)
 * year ahead of the test's clock (2027 when this was written), so the calendar and the numbers
 * below are the same whichever year CI runs in:
 * - platform: 12,000.00 a year, billed yearly in advance → one invoice of 1,200,000 on Jan 1,
 *   recognised ratably over the 365 days of Y.
 * - api: hybrid, 1,000.00 a month committed covering 10,000 calls, then 0.05 a call, billed
 *   monthly in arrears; usage in month m is 8,000 + 1,000·(m − 1) calls (8,000 … 19,000), so the
 *   overage is 0, 0, 0, 1,000, 2,000 … 9,000 calls and the month's charge 100,000 + 5 × overage.
 */
const usd = (amount: number) => ({ amount, currency: 'USD' });
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const nextCommonYear = (after: number) => (isLeap(after + 1) ? after + 2 : after + 1);
const month2 = (m: number) => String(m).padStart(2, '0');

const usage = Array.from({ length: 12 }, (_, i) => 8_000 + 1_000 * i);
const apiCharges = [100_000, 100_000, 100_000, 105_000, 110_000, 115_000, 120_000, 125_000, 130_000, 135_000, 140_000, 145_000];
// 1,200,000 × (days through month end) / 365, rounded half up, month by month as differences of
// running totals: Jan 31 days → 101,917.8 → 101,918; through Feb 59 days → 193,972.6 → 193,973,
// so February 92,055; and so on. The twelve months add up to exactly 1,200,000.
const platformByMonth = [101_918, 92_055, 101_917, 98_631, 101_917, 98_630, 101_918, 101_918, 98_630, 101_918, 98_630, 101_918];

describe('a 12-month hybrid contract through the API agrees with a hand calculation', () => {
  let stack: Stack;
  let acme: TenantClient;
  let Y: number;

  beforeAll(async () => {
    stack = await startStack({ timeSkipping: true });
    acme = await stack.tenant('Acme Cloud');
    Y = nextCommonYear(new Date(await stack.env.currentTimeMs()).getUTCFullYear());
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const sleepUntil = async (iso: string) => {
    const wait = Date.parse(iso) - (await stack.env.currentTimeMs());
    if (wait > 0) await stack.env.sleep(wait);
  };

  it('bills, recognises and defers to the cent', async () => {
    const id = `globex-${Y}`;
    const quote = await acme.request('POST', '/v1/quotes', {
      id,
      customer: { name: 'Globex', email: 'ap@globex.example' },
      currency: 'USD',
      lines: [
        { lineId: 'platform', sku: 'PLATFORM', description: 'Platform', listPrice: usd(1_200_000), pricingModel: 'flat', billing: { interval: 'year', timing: 'advance' } },
        {
          lineId: 'api',
          sku: 'API',
          description: 'API calls',
          listPrice: usd(5),
          pricingModel: 'hybrid',
          commitment: usd(100_000),
          includedUnits: 10_000,
          usageMetric: 'api_calls',
          billing: { interval: 'month', timing: 'arrears' },
        },
      ],
      term: 'P12M',
      start: `${Y}-01-01`,
      autoRenew: false,
    });
    expect(quote.status).toBe(201);
    expect(quote.body.stage).toBe('approved');
    expect((await acme.request('POST', `/v1/contracts/${id}/events`, { type: 'contract.signed', signedBy: 'Hank Scorpio' })).status).toBe(202);

    // Each month's calls arrive mid-month, in two batches, as a metering pipeline would send them.
    for (let m = 0; m < 12; m++) {
      const day = (d: number, h: number) => new Date(Date.UTC(Y, m, d, h)).toISOString();
      await sleepUntil(day(15, 13));
      const first = Math.round(usage[m]! * 0.6);
      const batch = {
        records: [
          { id: `${Y}-${m + 1}-a`, metric: 'api_calls', quantity: first, occurredAt: day(3, 9) },
          { id: `${Y}-${m + 1}-b`, metric: 'api_calls', quantity: usage[m]! - first, occurredAt: day(15, 12) },
        ],
      };
      const taken = await acme.request('POST', `/v1/contracts/${id}/usage`, batch);
      expect(taken.status, JSON.stringify(taken.body)).toBe(202);
      expect(taken.body.accepted).toBe(2);
    }
    await sleepUntil(`${Y + 1}-01-01T01:00:00Z`);

    const invoices = await eventually(() => acme.request('GET', `/v1/contracts/${id}/invoices?limit=50`), { until: (r) => r.body.data.length === 13 });
    const data = invoices.body.data as Array<{ total: { amount: number }; status: string; issuedAt: string; lines: Array<{ lineId: string; quantity: number; amount: { amount: number } }> }>;
    expect(data[0]!.total).toEqual(usd(1_200_000));
    expect(data[0]!.issuedAt.slice(0, 10)).toBe(`${Y}-01-01`);
    expect(data.slice(1).map((i) => i.total.amount)).toEqual(apiCharges);
    expect(data.slice(1).map((i) => i.lines[0]!.quantity)).toEqual(usage);
    expect(data.slice(1).map((i) => i.issuedAt.slice(0, 10))).toEqual([...Array.from({ length: 11 }, (_, m) => `${Y}-${month2(m + 2)}-01`), `${Y + 1}-01-01`]);

    const schedule = await acme.request('GET', `/v1/contracts/${id}/revenue-schedule?asOf=${Y + 1}-01-02T00:00:00Z`);
    expect(schedule.body.months.map((m: { month: string }) => m.month)).toEqual(Array.from({ length: 12 }, (_, m) => `${Y}-${month2(m + 1)}`));
    expect(schedule.body.months.map((m: { recognised: { amount: number } }) => m.recognised.amount)).toEqual(platformByMonth.map((p, m) => p + apiCharges[m]!));
    expect(schedule.body.billed).toEqual(usd(2_625_000));
    expect(schedule.body.recognised).toEqual(usd(2_625_000));
    expect(schedule.body.deferred).toEqual(usd(0));

    // Mid-July: billed the platform year and January–June's API (1,200,000 + 630,000 = 1,830,000).
    // Earned: 195 days of the platform (1,200,000 × 195 / 365 = 641,095.9 → 641,096), January–June's
    // API (630,000), and half of July's API, which is billed on Aug 1 but earned as it is used
    // (120,000 × 14 / 31 = 54,193.5 → 54,194): 1,325,290. One contract, one net position: deferred
    // 1,830,000 − 1,325,290 = 504,710.
    const july = await acme.request('GET', `/v1/contracts/${id}/revenue-schedule?asOf=${Y}-07-15T00:00:00Z`);
    expect(july.body).toMatchObject({ billed: usd(1_830_000), recognised: usd(1_325_290), deferred: usd(504_710), unbilled: usd(0) });
    // At the end of March (Apr 1, 00:00, a moment before March's API invoice is issued): billed
    // 1,200,000 + 200,000; earned 101,918 + 92,055 + 101,917 of the platform and all three months
    // of API (300,000): deferred 1,400,000 − 595,890 = 804,110.
    expect(schedule.body.months[2].deferredAtMonthEnd).toEqual(usd(804_110));
  });
});
