import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoiceWorkflowId, jobWorkflowId } from '../../domain/ids';
import { freePort } from '../../scripts/runtime/temporal-dev-server';
import { fromRoot } from '../../scripts/runtime/paths';
import { RevloopCustomer, RevloopStage } from '../../workflows/search-attributes';
import { launchBrowser, pageErrors } from '../support/browser';
import { zoneInDaytime } from '../support/daytime';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';

/**
 * What an ops person sees in the Temporal UI (the dev server's own, opened in Chromium): a list
 * query on Revloop's search attributes finds a customer's invoice workflow, and the workflow's
 * summary and details say whose it is and what it waits for.
 */
describe('the Temporal UI for ops (dev server UI, Chromium)', () => {
  let stack: Stack;
  let shop: TenantClient;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let uiPort: number;

  beforeAll(async () => {
    uiPort = await freePort();
    stack = await startStack({ uiPort });
    shop = await stack.tenant('Harbor Heating');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    errors = pageErrors(page);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('finds an invoice by RevloopStage, and its summary names the customer', async () => {
    const customerId = 'rosa';
    await shop.request('POST', '/v1/customers', { id: customerId, name: 'Rosa Díaz', playbook: 'hvac', timezone: zoneInDaytime() });
    const slot = new Date(Date.now() + 3 * 3_600_000).toISOString();
    expect((await shop.request('POST', `/v1/customers/${customerId}/events`, { type: 'booking.requested', jobId: 'j-77', service: 'furnace repair', scheduledAt: slot })).status).toBe(202);
    expect((await shop.request('POST', `/v1/customers/${customerId}/events`, { type: 'job.started', jobId: 'j-77' })).status).toBe(202);
    const done = await shop.request('POST', `/v1/customers/${customerId}/events`, {
      type: 'job.completed',
      jobId: 'j-77',
      lineItems: [{ description: 'Igniter', quantity: 1, unitPrice: { amount: 18_500, currency: 'USD' } }],
    });
    expect(done.status).toBe(202);

    const subject = { type: 'customer' as const, id: customerId };
    const invoiceId = invoiceWorkflowId(shop.tenantId, subject, 'inv-j-77');
    const client = stack.env.client;
    // The job and the invoice carry the customer and their own status as search attributes.
    const job = await eventually(() => client.workflow.getHandle(jobWorkflowId(shop.tenantId, customerId, 'j-77')).describe(), { until: (d) => d.typedSearchAttributes.get(RevloopStage) === 'completed' });
    expect(job.typedSearchAttributes.get(RevloopCustomer)).toBe(customerId);
    const query = `WorkflowType = "invoice" AND RevloopStage = "open" AND RevloopTenant = "${shop.tenantId}"`;
    const listed = await eventually(async () => {
      const ids: string[] = [];
      for await (const w of client.workflow.list({ query })) ids.push(w.workflowId);
      return ids;
    }, { until: (ids) => ids.includes(invoiceId) });
    expect(listed).toEqual([invoiceId]);

    // The same question in the UI's list, as an ops person would type it.
    await page.goto(`http://127.0.0.1:${uiPort}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    const row = page.getByRole('link', { name: invoiceId });
    await row.waitFor({ timeout: 30_000 });
    if (process.env.REVLOOP_RECORD_SCREENSHOTS === '1') await page.screenshot({ path: fromRoot('docs/temporal-ui-invoices.png') });
    await row.click();
    // The workflow page's User Metadata tab: whose invoice it is (its summary) and where it stands (its details).
    const tab = page.getByText('User Metadata', { exact: true });
    await page.getByText(`Run ID`).waitFor({ timeout: 30_000 });
    // One click once the page has drawn: clicking again while the tab switches makes the UI's own
    // script throw (getComputedStyle of a node it just removed).
    await tab.click();
    await page.waitForURL(/metadata/, { timeout: 30_000 });
    await expect.poll(() => pageText(page), { timeout: 30_000 }).toContain('Invoice inv-j-77 · job j-77 for Rosa Díaz');
    await expect.poll(() => pageText(page), { timeout: 30_000 }).toContain('balance 185.00 USD');
    const text = await pageText(page);
    expect(text).toContain('Status open');
    expect(text).toMatch(/The invoice for job\s+j-77\s+of\s+Rosa Díaz\s+\(customer\s+rosa/);
    if (process.env.REVLOOP_RECORD_SCREENSHOTS === '1') await page.screenshot({ path: fromRoot('docs/temporal-ui-invoice.png') });
    expect(errors.filter((e) => !/favicon|Failed to load resource/.test(e))).toEqual([]);
  });
});

/** What the page shows, frames included: the UI draws markdown summaries and details in frames of their own. */
async function pageText(page: Page): Promise<string> {
  const texts = await Promise.all(page.frames().map((f) => f.locator('body').innerText().catch(() => '')));
  return texts.join('\n');
}
