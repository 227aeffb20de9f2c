import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../api/routes';
import type { RouteSpec } from '../../api/http/route';
import { signPayload } from '../../domain/webhook-signature';
import { findBuiltinPlaybook } from '../../playbooks';
import { eventually } from '../support/eventually';
import { call, startStack, type Stack, type TenantClient } from '../support/stack';

/**
 * Generated from the router's own route table: every route is called with tenant B's credentials
 * on tenant A's resources. A route added tomorrow is covered without anyone touching this file;
 * if it names a resource this file cannot produce, the test fails and says which.
 */
describe('tenant isolation across the whole route table', () => {
  let stack: Stack;
  let a: TenantClient;
  let b: TenantClient;
  const tag = randomBytes(4).toString('hex');
  /** Tenant A's resources, by the path segment that names their collection. */
  const resourcesOfA: Record<string, string> = {};
  /** Strings only tenant A's data contains: none may appear in anything tenant B is shown. */
  const markers: string[] = [];
  let bSecrets: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startStack();
    a = await stack.tenant(`Tenant A ${tag}`);
    b = await stack.tenant(`Tenant B ${tag}`);

    const customerId = `alice-${tag}`;
    expect((await a.request('POST', '/v1/customers', { id: customerId, name: `Alice ${tag}`, phone: '+15550001111', playbook: 'hvac' })).status).toBe(201);
    expect((await a.request('POST', `/v1/customers/${customerId}/events`, { type: 'inquiry.received', channel: 'web', eventId: `a-inquiry-${tag}` })).status).toBe(202);
    // A missed call puts money at stake in A's leakage ledger.
    expect((await a.request('POST', `/v1/customers/${customerId}/events`, { type: 'call.missed', from: '+15550001111', eventId: `a-call-${tag}` })).status).toBe(202);
    const playbookId = `a-private-${tag}`;
    expect((await a.request('POST', '/v1/playbooks', { ...findBuiltinPlaybook('hvac')!.definition, id: playbookId, name: `A private ${tag}` })).status).toBe(201);
    const key = await a.request('POST', '/v1/api-keys', { name: `A reader ${tag}`, scopes: ['read'] });
    const secret = await a.request('POST', '/v1/webhook-secrets', { source: 'generic' });
    const contractId = `a-deal-${tag}`;
    const quote = await a.request('POST', '/v1/quotes', {
      id: contractId,
      customer: { name: `A Account ${tag}` },
      currency: 'USD',
      lines: [{ lineId: 'seats', sku: 'SEAT', quantity: 5, listPrice: { amount: 1000, currency: 'USD' }, discountPercent: 20, pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } }],
      term: 'P12M',
      start: '2030-01-01',
    });
    expect(quote.status).toBe(201);
    Object.assign(resourcesOfA, { customers: customerId, playbooks: playbookId, 'api-keys': key.body.id, 'webhook-secrets': secret.body.id, contracts: contractId, quotes: contractId });
    markers.push(customerId, `Alice ${tag}`, playbookId, `A private ${tag}`, key.body.id, `A reader ${tag}`, secret.body.id, contractId, `A Account ${tag}`, a.tenantId);
    // A's read model rows exist before B goes looking for them.
    await eventually(() => a.request('GET', '/v1/customers'), { until: (r) => r.body.data.length === 1 });
    await eventually(() => a.request('GET', '/v1/contracts'), { until: (r) => r.body.data.length === 1 });
    await eventually(() => a.request('GET', '/v1/metrics/leakage/entries?kind=missed_call'), { until: (r) => r.body.data?.length === 1 });

    for (const source of ['telephony', 'payments', 'reviews', 'generic']) {
      bSecrets[source] = (await b.request('POST', '/v1/webhook-secrets', { source })).body.secret;
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  function pathFor(route: RouteSpec, ids: Record<string, string>): string {
    return route.path.replace(/\/([a-z-]+)\/:id/g, (_m, collection: string) => {
      const id = ids[collection];
      if (!id) throw new Error(`${route.method.toUpperCase()} ${route.path}: this test cannot make a "${collection}" resource for tenant A; add one to resourcesOfA`);
      return `/${collection}/${encodeURIComponent(id)}`;
    });
  }
  const withQuery = (path: string, route: RouteSpec) => (route.example?.query ? `${path}?${new URLSearchParams(route.example.query)}` : path);
  const bodyOf = (route: RouteSpec) => {
    if (route.body && route.example?.body === undefined) throw new Error(`${route.method.toUpperCase()} ${route.path} takes a body but has no example; add one to its route`);
    return route.example?.body;
  };

  const tenantRoutes = routes.filter((r) => r.access.kind === 'tenant');
  it.each(tenantRoutes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))('%s: tenant B never reaches tenant A', async (_name, route) => {
    const response = await b.request(route.method.toUpperCase(), withQuery(pathFor(route, resourcesOfA), route), bodyOf(route));
    expect(response.status).toBeLessThan(500);
    let shown = JSON.stringify(response.body ?? '');
    if (route.path.includes(':id')) {
      // Exactly what a missing resource answers: another tenant's id reveals nothing.
      const missingIds = Object.fromEntries(Object.keys(resourcesOfA).map((k) => [k, `missing-${tag}`]));
      const missing = await b.request(route.method.toUpperCase(), withQuery(pathFor(route, missingIds), route), bodyOf(route));
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      // The 404 may echo the id B itself sent, and nothing else of A's.
      for (const id of Object.values(resourcesOfA)) shown = shown.replaceAll(id, `missing-${tag}`);
      expect(JSON.parse(shown)).toEqual(missing.body);
    }
    for (const marker of markers) expect(shown).not.toContain(marker);
  });

  const signedRoutes = routes.filter((r) => r.access.kind === 'signature');
  it.each(signedRoutes.map((r) => [r.path, r] as const))('%s: tenant B cannot sign for tenant A', async (_name, route) => {
    const source = (route.access as { source: string }).source;
    const body = JSON.stringify(bodyOf(route));
    const response = await call(stack.api.url, null, 'POST', `${route.path}?tenant=${a.tenantId}`, body, {
      'Content-Type': 'application/json',
      'Revloop-Signature': signPayload(bSecrets[source]!, body, Math.floor(Date.now() / 1000)),
    });
    expect(response.status).toBe(401);
  });

  it("leaves tenant A's data as it was", async () => {
    const timeline = await a.request('GET', `/v1/customers/${resourcesOfA.customers}/timeline`);
    expect(timeline.body.data.filter((e: { kind: string }) => e.kind === 'event').map((e: { type: string }) => e.type)).toEqual(['inquiry.received', 'call.missed']);
    const keys = await a.request('GET', '/v1/api-keys');
    expect(keys.body.data.every((k: { revokedAt: string | null }) => k.revokedAt === null)).toBe(true);
    expect((await a.request('GET', '/v1/webhook-secrets')).body.data.map((s: { id: string }) => s.id)).toEqual([resourcesOfA['webhook-secrets']]);
    expect((await a.request('GET', `/v1/playbooks/${resourcesOfA.playbooks}`)).body.versions).toHaveLength(1);
    expect((await a.request('GET', '/v1/messaging')).body.transport).toBe('outbox');
    const deal = await a.request('GET', `/v1/contracts/${resourcesOfA.contracts}`);
    expect(deal.body).toMatchObject({ stage: 'pending_approval', eventsApplied: 0 });
  });
});
