import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBuiltinPlaybook } from '../../playbooks';
import { fromRoot } from '../../scripts/runtime/paths';
import { launchBrowser, pageErrors } from '../support/browser';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';

const DAY = 86_400_000;

/**
 * The dashboard opened in real Chromium against the whole stack (time-skipping server, worker, API,
 * PostgreSQL) after a small cast has lived a couple of weeks: sign in, the overview's tiles say
 * what /v1/metrics/kpis says, the charts draw, a customer's page shows its timeline and its
 * Temporal UI link, the playbooks are drawn as SVG, and nothing on any page logs an error.
 * With REVLOOP_RECORD_SCREENSHOTS=1 it saves the overview as docs/dashboard.png for the README.
 */
describe('the dashboard in a browser', () => {
  let stack: Stack;
  let shop: TenantClient;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  const event = async (id: string, body: Record<string, unknown>) => {
    const r = await shop.request('POST', `/v1/customers/${id}/events`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
  };
  const later = async (ms: number) => stack.env.sleep(ms);

  beforeAll(async () => {
    stack = await startStack({ timeSkipping: true });
    shop = await stack.tenant('Polar Air HVAC', { timezone: 'America/Chicago' });
    const hvac = findBuiltinPlaybook('hvac')!.definition;
    // No quiet hours and no calendar seasons: the same cast whatever the hour and date.
    expect((await shop.request('POST', '/v1/playbooks', { ...hvac, id: 'polar-hvac', name: 'Polar Air HVAC', quietHours: null, retention: { seasonal: [], afterService: [] } })).status).toBe(201);
    const now = await stack.env.currentTimeMs();
    const slot = new Date(now + 60 * DAY).toISOString();
    const job = (amount: number) => ({ lineItems: [{ description: 'AC repair', quantity: 1, unitPrice: { amount, currency: 'USD' } }] });
    for (const [id, name] of [
      ['maria', 'Maria Lopez'],
      ['leo', 'Leo Park'],
      ['ana', 'Ana Silva'],
      ['sam', 'Sam Reed'],
      ['kim', 'Kim Tran'],
    ]) {
      expect((await shop.request('POST', '/v1/customers', { id, name, phone: '+15125550100', email: `${id}@example.com`, playbook: 'polar-hvac' })).status).toBe(201);
    }
    await event('maria', { type: 'call.missed', from: '+15125550100' });
    await event('maria', { type: 'booking.requested', jobId: 'm1', service: 'AC repair', scheduledAt: slot });
    await event('maria', { type: 'job.started', jobId: 'm1' });
    await event('maria', { type: 'job.completed', jobId: 'm1', ...job(18_500) });
    await event('leo', { type: 'call.missed', from: '+15125550101' });
    await event('ana', { type: 'inquiry.received', channel: 'web', message: 'AC blowing warm air' });
    for (const [id, amount] of [
      ['sam', 42_000],
      ['kim', 30_000],
    ] as const) {
      await event(id, { type: 'booking.requested', jobId: `${id}1`, service: 'AC repair', scheduledAt: slot });
      await event(id, { type: 'job.started', jobId: `${id}1` });
      await event(id, { type: 'job.completed', jobId: `${id}1`, ...job(amount) });
    }
    await event('kim', { type: 'payment.received', invoiceId: 'inv-kim1', amount: { amount: 30_000, currency: 'USD' } });
    await event('kim', { type: 'review.submitted', rating: 2, comment: 'took too long', jobId: 'kim1' });
    const quote = await shop.request('POST', '/v1/quotes', {
      id: 'initech',
      customer: { name: 'Initech', email: 'ap@initech.example', timezone: 'America/Chicago' },
      currency: 'USD',
      lines: [{ lineId: 'seats', sku: 'SEAT', quantity: 20, listPrice: { amount: 5000, currency: 'USD' }, discountPercent: 20, pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } }],
      term: 'P12M',
      start: new Date(now + 7 * DAY).toISOString().slice(0, 10),
    });
    expect(quote.status, JSON.stringify(quote.body)).toBe(201);
    // Globex signs a quote within the guardrail: billed from tomorrow.
    const globex = await shop.request('POST', '/v1/quotes', {
      id: 'globex',
      customer: { name: 'Globex', email: 'ap@globex.example', timezone: 'America/Chicago' },
      currency: 'USD',
      lines: [{ lineId: 'seats', sku: 'SEAT', quantity: 10, listPrice: { amount: 5000, currency: 'USD' }, discountPercent: 5, pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } }],
      term: 'P12M',
      start: new Date(now + DAY).toISOString().slice(0, 10),
    });
    expect(globex.status, JSON.stringify(globex.body)).toBe(201);
    expect((await shop.request('POST', '/v1/contracts/globex/events', { type: 'contract.signed', signedBy: 'Globex CFO' })).status).toBe(202);

    await later(HOUR_MS(1));
    await event('ana', { type: 'booking.requested', jobId: 'a1', service: 'AC tune-up', scheduledAt: slot });
    await later(8 * DAY); // Leo's lead is lost; Maria's and Sam's invoices get their first reminder.
    await event('maria', { type: 'payment.received', invoiceId: 'inv-m1', amount: { amount: 18_500, currency: 'USD' } });
    await eventually(() => shop.request('GET', '/v1/metrics/leakage'), { until: (r) => r.body.kinds?.some((k: { kind: string; recovered: number }) => k.kind === 'invoice_overdue' && k.recovered > 0), timeoutMs: 30_000 });

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = pageErrors(page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('signs in with a key and shows the same KPIs as /v1/metrics/kpis, with charts drawn', async () => {
    await page.goto(`${stack.api.url}/dashboard`);
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toContain('not accepted');
    // The browser logs the refused request itself; that one was meant.
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
    errors.length = 0;

    await page.getByLabel('API key').fill(shop.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-kpi="bookingRate"]').waitFor();
    expect(await page.locator('#sign-in').isVisible()).toBe(false);
    const kpis = (await shop.request('GET', '/v1/metrics/kpis?days=30&compare=previous')).body;
    const shown = Object.fromEntries(await page.locator('[data-kpi]').evaluateAll((tiles) => tiles.map((t) => [t.getAttribute('data-kpi'), t.getAttribute('data-value')])));
    const hs = kpis.homeService;
    const col = kpis.collections[0];
    const expected: Record<string, unknown> = {
      recoveredByRevloop: kpis.recoveredByRevloop[0]?.amount ?? 0,
      speedToLead: hs.speedToLead.medianSeconds,
      answeredWithin5Minutes: hs.speedToLead.answeredWithin5Minutes.rate,
      textBackRate: hs.textBackRate.rate,
      bookingRate: hs.bookingRate.rate,
      noShowRate: hs.noShowRate.rate,
      invoiceLatency: hs.invoiceLatency.medianSeconds,
      averageDaysToPay: col?.averageDaysToPay,
      dsoDays: col?.dsoDays,
      collectionRate: col?.collectionRate,
      reviewRate: hs.reviews.reviewRate.rate,
      revenuePerCustomer: hs.customers.revenuePerCustomer[0]?.perCustomer,
      collectedAfterReminder: col?.collectedAfterReminder ?? 0,
      writtenOff: col?.writtenOff.amount ?? 0,
    };
    expect(Object.keys(shown).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, value] of Object.entries(expected)) expect(shown[name], name).toBe(value === null || value === undefined ? '' : String(value));
    // What the cast did shows: Maria's payment after a reminder came back through Revloop.
    expect(Number(shown.recoveredByRevloop)).toBeGreaterThan(0);
    expect(await page.locator('[data-kpi="bookingRate"] .detail').textContent()).toBe(`${hs.bookingRate.numerator} of ${hs.bookingRate.denominator}`);

    await expect.poll(() => page.locator('.chart svg').count()).toBe(2);
    await expect.poll(() => page.locator('.attention').first().textContent()).toContain('Held invoices');
    if (process.env.REVLOOP_RECORD_SCREENSHOTS === '1') {
      mkdirSync(fromRoot('docs'), { recursive: true });
      await page.screenshot({ path: fromRoot('docs/dashboard.png') });
    }
    expect(errors).toEqual([]);
  });

  it('draws collections and revenue', async () => {
    await page.getByRole('link', { name: 'Collections' }).click();
    await page.getByRole('heading', { name: 'Aging' }).waitFor();
    await expect.poll(() => page.locator('.chart svg').count()).toBe(2);
    if (process.env.DASHBOARD_SHOTS_DIR) await page.screenshot({ path: `${process.env.DASHBOARD_SHOTS_DIR}/collections.png`, fullPage: true });
    await page.getByRole('link', { name: 'Revenue' }).click();
    await page.getByRole('heading', { name: 'MRR movements' }).waitFor();
    await expect.poll(() => page.locator('.chart svg').count()).toBe(2);
    const mrr = (await shop.request('GET', '/v1/metrics/kpis?days=365')).body.subscriptions[0].months.at(-1).end;
    expect(await page.locator('[data-kpi="mrr"] .value').textContent()).toBe(`$${(mrr / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`);
    if (process.env.DASHBOARD_SHOTS_DIR) await page.screenshot({ path: `${process.env.DASHBOARD_SHOTS_DIR}/revenue.png`, fullPage: true });

    await page.getByRole('link', { name: 'Contracts' }).click();
    await page.getByRole('link', { name: 'Globex' }).click();
    await page.getByRole('heading', { name: 'Revenue schedule' }).waitFor();
    await expect.poll(() => page.locator('.chart svg').count()).toBe(1);
    expect(errors).toEqual([]);
  });

  it('finds a customer and shows its live state, timeline and Temporal UI link', async () => {
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('Search').fill('mar');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.locator('main table tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'Maria Lopez' }).click();
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    const timeline = await page.locator('section[aria-labelledby="s-Timeline"] tbody').textContent();
    expect(timeline).toContain('call.missed');
    expect(timeline).toContain('job.completed');
    const live = (await shop.request('GET', '/v1/customers/maria')).body;
    expect(await page.locator('#temporal-link').getAttribute('href')).toBe(live.links.temporalUi);
    await expect.poll(() => page.locator('section[aria-labelledby="s-Messages"] tbody').textContent()).toContain('missed_call.text_back');
    if (process.env.REVLOOP_RECORD_SCREENSHOTS === '1') await page.screenshot({ path: fromRoot('docs/dashboard-customer.png') });
    expect(errors).toEqual([]);
  });

  it("shows a contract's prepaid credit and its upcoming invoice as the API has them", async () => {
    expect((await shop.request('POST', '/v1/contracts/globex/events', { type: 'credit.granted', grantId: 'welcome', amount: { amount: 2500, currency: 'USD' } })).status).toBe(202);
    const [upcoming, contract] = await eventually(async () => [(await shop.request('GET', '/v1/contracts/globex/upcoming-invoice')).body, (await shop.request('GET', '/v1/contracts/globex')).body], { until: ([, c]) => c.wallet?.balance.amount === 2500 });
    await page.goto(`${stack.api.url}/dashboard#/contracts/globex`);
    await page.getByRole('heading', { name: 'Prepaid credit' }).waitFor();
    expect(await page.locator('[data-wallet-balance]').getAttribute('data-wallet-balance')).toBe(String(contract.wallet.balance.amount));
    expect(await page.locator('section[aria-labelledby="s-Prepaid-credit"] tbody').textContent()).toContain('welcome');
    expect(await page.locator('[data-upcoming-total]').getAttribute('data-upcoming-total')).toBe(String(upcoming.total.amount));
    expect(await page.locator('section[aria-labelledby="s-Upcoming-invoice"] tbody tr').count()).toBe(upcoming.lines.length);
    expect(errors).toEqual([]);
  });

  it('draws every playbook as an SVG diagram', async () => {
    await page.getByRole('link', { name: 'Playbooks' }).click();
    await page.locator('.diagram[data-playbook="polar-hvac"] img').waitFor({ timeout: 30_000 });
    const playbooks = (await shop.request('GET', '/v1/playbooks')).body.data.map((p: { id: string }) => p.id);
    expect(await page.locator('.diagram img').count()).toBe(playbooks.length);
    // Every picture decoded: the browser drew the API's SVG (a broken one has no natural size).
    const sizes = await page.locator('.diagram img').evaluateAll((images) => images.map((i) => { const image = i as unknown as { complete: boolean; naturalWidth: number }; return image.complete ? image.naturalWidth : -1; }));
    expect(sizes.every((w) => w > 100), JSON.stringify(sizes)).toBe(true);
    if (process.env.DASHBOARD_SHOTS_DIR) await page.screenshot({ path: `${process.env.DASHBOARD_SHOTS_DIR}/playbooks.png`, fullPage: true });
    expect(errors).toEqual([]);
  });
});

function HOUR_MS(hours: number): number {
  return hours * 3_600_000;
}
