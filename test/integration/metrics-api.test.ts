import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerWorkflowId } from '../../domain/ids';
import { findBuiltinPlaybook } from '../../playbooks';
import { eventually } from '../support/eventually';
import { call, startStack, type Stack, type TenantClient } from '../support/stack';

/** The leakage ledger over HTTP: totals for a period in the business's time zone, and the rows behind them with their links. */
describe('metrics over HTTP', () => {
  let stack: Stack;
  let shop: TenantClient;
  beforeAll(async () => {
    stack = await startStack();
    shop = await stack.tenant('Lakeside HVAC', { timezone: 'America/Chicago' });
    // HVAC without quiet hours: the text-back goes out at once whatever the hour this runs at.
    expect((await shop.request('POST', '/v1/playbooks', { ...findBuiltinPlaybook('hvac')!.definition, id: 'hvac-any-hour', quietHours: null })).status).toBe(201);
    for (const id of ['mara', 'ned']) {
      expect((await shop.request('POST', '/v1/customers', { id, name: id, phone: '+15550002222', playbook: 'hvac-any-hour' })).status).toBe(201);
      expect((await shop.request('POST', `/v1/customers/${id}/events`, { type: 'call.missed', from: '+15550002222', eventId: `call-${id}` })).status).toBe(202);
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('totals what two missed calls put at stake, valued at the playbook’s average ticket, over the last 30 local days', async () => {
    const report = await eventually(() => shop.request('GET', '/v1/metrics/leakage'), { until: (r) => r.body.totals?.[0]?.count === 2 });
    expect(report.status).toBe(200);
    expect(report.body.period.timezone).toBe('America/Chicago');
    const { from, to } = report.body.period;
    // Local midnights: 05:00 or 06:00 UTC in Chicago, 30 days apart give or take a DST hour.
    expect([5, 6]).toContain(new Date(to).getUTCHours());
    expect(Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000)).toBe(30);
    expect(report.body.totals).toEqual([{ currency: 'USD', count: 2, atStake: 70_000, recovered: 0, recoveredByRevloop: 0, lost: 0, open: 70_000 }]);
    expect(report.body.kinds).toMatchObject([{ kind: 'missed_call', step: 'inquiry', count: 2, openCount: 2, estimated: true, atStake: 70_000 }]);

    // The same call delivered again is the same row.
    expect((await shop.request('POST', '/v1/customers/mara/events', { type: 'call.missed', from: '+15550002222', eventId: 'call-mara' })).body).toMatchObject({ duplicate: true });
    expect((await shop.request('GET', '/v1/metrics/leakage')).body.totals[0].count).toBe(2);

    // A period that ended before the calls has none of them.
    expect((await shop.request('GET', '/v1/metrics/leakage?from=2026-01-01&to=2026-01-31')).body).toMatchObject({ totals: [], kinds: [], recoveredBy: [] });
  });

  it('lists the rows page by page, each linked to its customer and its Temporal UI page', async () => {
    const first = await shop.request('GET', '/v1/metrics/leakage/entries?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(1);
    const second = await shop.request('GET', `/v1/metrics/leakage/entries?limit=1&cursor=${first.body.next}`);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.next).toBeNull();
    const rows = [...first.body.data, ...second.body.data];
    expect(rows.map((r: { subject: { id: string } }) => r.subject.id).sort()).toEqual(['mara', 'ned']);
    for (const row of rows) {
      expect(row).toMatchObject({ kind: 'missed_call', status: 'open', atStake: { amount: 35_000, currency: 'USD' }, estimated: true, recoveredBy: null });
      expect(row.links.subject).toBe(`/v1/customers/${row.subject.id}`);
      expect(row.links.temporalUi).toBe(`http://localhost:8233/namespaces/default/workflows/${encodeURIComponent(customerWorkflowId(shop.tenantId, row.subject.id))}`);
    }
    expect((await shop.request('GET', '/v1/metrics/leakage/entries?kind=no_show')).body.data).toEqual([]);
  });

  it('answers the KPIs of the period beside those of the period before', async () => {
    const kpis = await eventually(() => shop.request('GET', '/v1/metrics/kpis?compare=previous'), { until: (r) => r.body.homeService?.speedToLead.count === 2 });
    expect(kpis.status).toBe(200);
    expect(kpis.body.homeService.speedToLead).toMatchObject({ leads: 2, count: 2, answeredWithin5Minutes: { numerator: 2, denominator: 2, rate: 1 } });
    expect(kpis.body.homeService.speedToLead.p90Seconds).toBeLessThan(60);
    expect(kpis.body.homeService.bookingRate).toEqual({ numerator: 0, denominator: 0, rate: null });
    expect(kpis.body.previous.period.to).toBe(kpis.body.period.from);
    expect(kpis.body.previous.homeService.speedToLead.leads).toBe(0);
    for (const section of ['collections', 'subscriptions', 'quoteToCash', 'recoveredByRevloop']) expect(kpis.body).toHaveProperty(section);
    expect((await shop.request('GET', '/v1/metrics/kpis')).body.previous).toBeUndefined();
    expect((await shop.request('GET', '/v1/metrics/kpis?compare=last-year')).status).toBe(400);
  });

  it('takes a read-only key, and refuses a reversed or endless period, an unknown kind and a forged cursor', async () => {
    const reader = await shop.request('POST', '/v1/api-keys', { name: 'owner dashboard', scopes: ['read'] });
    expect((await call(stack.api.url, reader.body.key, 'GET', '/v1/metrics/leakage')).status).toBe(200);
    const cases: Array<[string, string]> = [
      ['/v1/metrics/leakage?from=2026-11-30&to=2026-11-01', 'query.to'],
      ['/v1/metrics/leakage?from=2020-01-01&to=2026-01-01', 'query.to'],
      ['/v1/metrics/leakage?from=yesterday', 'query.from'],
      ['/v1/metrics/leakage/entries?kind=everything', 'query.kind'],
      ['/v1/metrics/leakage/entries?cursor=bm9wZQ', 'query.cursor'],
    ];
    for (const [path, field] of cases) {
      const refused = await shop.request('GET', path);
      expect(refused.status, path).toBe(400);
      expect(refused.body.errors.map((e: { path: string }) => e.path), path).toContain(field);
    }
  });
});
