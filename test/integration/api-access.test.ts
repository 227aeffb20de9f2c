import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../../db/schema';
import { eventually } from '../support/eventually';
import { AUTH_FAILURES, startApiServer } from '../../scripts/runtime/api-server';
import { ADMIN_TOKEN, TEST_SECRET_KEYS, call, startStack, type Stack, type TenantClient } from '../support/stack';

describe('tenants, scoped keys and problem details on the wire', () => {
  let stack: Stack;
  let acme: TenantClient;
  const as = (key: string | null) => (method: string, path: string, body?: unknown, headers?: Record<string, string>) => call(stack.api.url, key, method, path, body, headers);

  beforeAll(async () => {
    stack = await startStack();
    acme = await stack.tenant('Acme Heating');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('creates tenants only with the operator token, shows the first key once and stores only its hash', async () => {
    expect((await as(null)('POST', '/v1/tenants', { name: 'No token' })).status).toBe(401);
    expect((await as('not-the-operator-token')('POST', '/v1/tenants', { name: 'Wrong token' })).status).toBe(401);
    // A tenant key is not the operator token either.
    expect((await as(acme.key)('POST', '/v1/tenants', { name: 'Tenant key' })).status).toBe(401);

    const id = `globex-${randomBytes(4).toString('hex')}`;
    const created = await as(ADMIN_TOKEN)('POST', '/v1/tenants', { id, name: 'Globex Plumbing', defaultPlaybook: 'plumbing' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenant: { id, name: 'Globex Plumbing', defaultPlaybook: 'plumbing' }, apiKey: { scopes: ['read', 'write', 'admin'] } });
    const rows = await stack.database.db.select().from(apiKeys).where(eq(apiKeys.tenantId, id));
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(created.body.apiKey.key);
    expect(rows[0]!.keyHash).toMatch(/^[0-9a-f]{64}$/);

    expect((await as(ADMIN_TOKEN)('POST', '/v1/tenants', { id, name: 'Again' })).status).toBe(409);
    const badPlaybook = await as(ADMIN_TOKEN)('POST', '/v1/tenants', { name: 'X', defaultPlaybook: 'bakery' });
    expect(badPlaybook.status).toBe(400);
    expect(badPlaybook.body.errors[0].path).toBe('body.defaultPlaybook');
  });

  it('gives each key only its scopes', async () => {
    const reader = await acme.request('POST', '/v1/api-keys', { name: 'dashboard', scopes: ['read'] });
    expect(reader.status).toBe(201);
    expect(reader.body).toMatchObject({ name: 'dashboard', scopes: ['read'] });
    const writer = (await acme.request('POST', '/v1/api-keys', { name: 'webform', scopes: ['write'] })).body.key as string;

    expect((await as(reader.body.key)('GET', '/v1/customers')).status).toBe(200);
    const denied = await as(reader.body.key)('POST', '/v1/customers', { name: 'Jo', playbook: 'hvac' });
    expect(denied.status).toBe(403);
    expect(denied.body.detail).toContain('write');
    expect((await as(writer)('GET', '/v1/customers')).status).toBe(403);
    expect((await as(writer)('POST', '/v1/customers', { id: 'jo', name: 'Jo', playbook: 'hvac' })).status).toBe(201);
    // Key management needs admin.
    expect((await as(writer)('POST', '/v1/api-keys', { name: 'escalate', scopes: ['admin'] })).status).toBe(403);

    const invalid = await acme.request('POST', '/v1/api-keys', { name: '', scopes: ['read', 'read', 'root'] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.name', 'body.scopes.2']);
    const twice = await acme.request('POST', '/v1/api-keys', { name: 'dup', scopes: ['read', 'read'] });
    expect(twice.body.errors).toEqual([expect.objectContaining({ path: 'body.scopes', message: 'list each scope once' })]);
  });

  it('revokes a key at once, even one this server has just verified, and records when keys were last used', async () => {
    const temp = await acme.request('POST', '/v1/api-keys', { name: 'contractor', scopes: ['read'] });
    expect((await as(temp.body.key)('GET', '/v1/playbooks')).status).toBe(200);

    const listed = await eventually(() => acme.request('GET', '/v1/api-keys'), {
      until: (r) => r.body.data.find((k: { id: string }) => k.id === temp.body.id)?.lastUsedAt !== null,
    });
    expect(JSON.stringify(listed.body)).not.toContain(temp.body.key);

    const revoked = await acme.request('DELETE', `/v1/api-keys/${temp.body.id}`);
    expect(revoked.status).toBe(204);
    const refused = await as(temp.body.key)('GET', '/v1/playbooks');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('Bearer');
    // Revoking twice is the same as once; an unknown key is 404.
    expect((await acme.request('DELETE', `/v1/api-keys/${temp.body.id}`)).status).toBe(204);
    expect((await acme.request('DELETE', '/v1/api-keys/key_nope')).status).toBe(404);
    const after = await acme.request('GET', '/v1/api-keys');
    expect(after.body.data.find((k: { id: string }) => k.id === temp.body.id).revokedAt).not.toBeNull();
  });

  it('refuses to revoke the last admin key, so a tenant cannot lock itself out', async () => {
    const fresh = await stack.tenant('Lonely Admin Co');
    const [only] = (await fresh.request('GET', '/v1/api-keys')).body.data;
    const refused = await fresh.request('DELETE', `/v1/api-keys/${only.id}`);
    expect(refused.status).toBe(409);
    const second = await fresh.request('POST', '/v1/api-keys', { name: 'second admin', scopes: ['admin'] });
    expect((await fresh.request('DELETE', `/v1/api-keys/${only.id}`)).status).toBe(204);
    expect((await as(second.body.key)('GET', '/v1/api-keys')).status).toBe(200);
  });

  it('draws a playbook’s lifecycle for its newest or a chosen version', async () => {
    const base = (await acme.request('GET', '/v1/playbooks/plumbing')).body.definition;
    const mine = { ...base, id: 'acme-plumbing', name: 'Acme Plumbing', inquiry: { ...base.inquiry, lostAfter: 'P5D' } };
    expect((await acme.request('POST', '/v1/playbooks', mine)).status).toBe(201);
    expect((await acme.request('POST', '/v1/playbooks', { ...mine, inquiry: { ...mine.inquiry, lostAfter: 'P9D' } })).status).toBe(201);

    const newest = await acme.request('GET', '/v1/playbooks/acme-plumbing/diagram');
    expect(newest.status).toBe(200);
    expect(newest.body).toMatchObject({ id: 'acme-plumbing', version: 2, kind: 'home-service', format: 'mermaid' });
    expect(newest.body.source).toMatch(/^stateDiagram-v2\n/);
    expect(newest.body.source).toContain('inquiry --> lost: still unbooked 9 days after the inquiry');
    const first = await acme.request('GET', '/v1/playbooks/acme-plumbing/diagram?version=1');
    expect(first.body.source).toContain('inquiry --> lost: still unbooked 5 days after the inquiry');

    const contract = await acme.request('GET', '/v1/playbooks/saas-subscription/diagram');
    expect(contract.body).toMatchObject({ kind: 'b2b', version: 1 });
    expect(contract.body.source).toContain('approved --> active: contract.signed');

    // The same lifecycle as a picture, rendered on the server, asked for by format or by Accept.
    for (const asked of [{ query: '?format=svg', accept: 'application/json' }, { query: '', accept: 'image/svg+xml' }]) {
      const svg = await fetch(`${stack.api.url}/v1/playbooks/acme-plumbing/diagram${asked.query}`, { headers: { Authorization: `Bearer ${acme.key}`, Accept: asked.accept } });
      expect(svg.status).toBe(200);
      expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      const text = await svg.text();
      expect(text).toContain('<svg');
      expect(text).toContain('still unbooked 9 days');
    }

    const noVersion = await acme.request('GET', '/v1/playbooks/acme-plumbing/diagram?version=3');
    expect(noVersion.status).toBe(404);
    expect(noVersion.body.detail).toContain('no version 3');
    expect((await acme.request('GET', '/v1/playbooks/nope/diagram')).status).toBe(404);
    expect((await acme.request('GET', '/v1/playbooks/acme-plumbing/diagram?version=0')).status).toBe(400);
  });

  it('answers problem details for unknown routes, wrong methods, malformed JSON, other media types and oversized bodies', async () => {
    const expectProblem = (r: { status: number; body: any; headers: Headers }, status: number) => {
      expect(r.status).toBe(status);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body).toMatchObject({ status, type: expect.stringContaining('https://revloop.dev/problems/'), title: expect.any(String), detail: expect.any(String) });
    };
    expectProblem(await acme.request('GET', '/v1/nothing-here'), 404);
    const wrongMethod = await acme.request('PATCH', '/v1/customers');
    expectProblem(wrongMethod, 405);
    expect(wrongMethod.headers.get('allow')).toBe('POST, GET, HEAD');
    expectProblem(await acme.request('POST', '/v1/customers', '{"name": "Jo",', { 'Content-Type': 'application/json' }), 400);
    expectProblem(await acme.request('POST', '/v1/customers', 'name=Jo', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415);
    expectProblem(await acme.request('POST', '/v1/customers', { name: 'x'.repeat(1_100_000), playbook: 'hvac' }), 413);
    // PostgreSQL cannot store U+0000: refused at the edge, with nothing started.
    const nul = await acme.request('POST', '/v1/customers', { id: 'nul', name: 'a\u0000b', playbook: 'hvac' });
    expectProblem(nul, 400);
    expect(nul.body.errors).toEqual([expect.objectContaining({ path: 'body.name' })]);
    expect((await acme.request('GET', '/v1/customers/nul')).status).toBe(404);
    // Ids in paths: bad percent-encoding and NUL are the client's mistakes, not the server's.
    expectProblem(await acme.request('GET', '/v1/customers/%FF'), 400);
    expectProblem(await acme.request('GET', '/v1/customers/a%00b/timeline'), 400);
    expectProblem(await acme.request('DELETE', '/v1/api-keys/a%00b'), 400);
    const unknownQuery = await acme.request('GET', '/v1/playbooks?sort=name');
    expectProblem(unknownQuery, 400);
    expect(unknownQuery.body.errors).toEqual([expect.objectContaining({ path: 'query.sort' })]);
  });

  it('answers 429 before any lookup once an address has failed to authenticate too often, but lets keys it just verified through', async () => {
    // An API process of its own: its failure budget is this test's alone.
    const api = await startApiServer({ db: stack.database.db, temporal: stack.env.client, port: 0, host: '127.0.0.1', config: { namespace: 'default', taskQueue: stack.worker.taskQueue, temporalUiUrl: 'http://localhost:8233', secretKeys: TEST_SECRET_KEYS, adminToken: ADMIN_TOKEN } });
    try {
      const get = (key: string) => call(api.url, key, 'GET', '/v1/customers');
      expect((await get(acme.key)).status).toBe(200);
      const statuses: number[] = [];
      for (let i = 0; i < AUTH_FAILURES.burst + 5; i++) statuses.push((await get(`rvl_guess_${i}_${randomBytes(8).toString('hex')}`)).status);
      expect(statuses.slice(0, AUTH_FAILURES.burst)).toEqual(Array(AUTH_FAILURES.burst).fill(401));
      expect(statuses.slice(AUTH_FAILURES.burst)).toEqual(Array(5).fill(429));
      const refused = await get('rvl_one_more_guess_that_is_long_enough');
      expect(refused.headers.get('retry-after')).not.toBeNull();
      expect(refused.body.title).toBe('Too many failed authentications');
      // Guessing the operator token or a webhook signature from there is refused the same way.
      expect((await call(api.url, 'wrong-operator-token-xxxxxxxx', 'POST', '/v1/tenants', { name: 'x' })).status).toBe(429);
      expect((await call(api.url, null, 'POST', `/v1/webhooks/telephony?tenant=${acme.tenantId}`, { type: 'call.missed', from: '+15550001' }, { 'Revloop-Signature': 't=1,v1=00' })).status).toBe(429);
      // The tenant whose key this process verified a moment ago is not locked out by the guesser.
      expect((await get(acme.key)).status).toBe(200);
    } finally {
      await api.close();
    }
  });
});
