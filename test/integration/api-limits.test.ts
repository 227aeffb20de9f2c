import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Client } from '@temporalio/client';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client';
import { customers, idempotencyKeys } from '../../db/schema';
import { customerWorkflowId } from '../../domain/ids';
import { findBuiltinPlaybook } from '../../playbooks';
import { startApiServer } from '../../scripts/runtime/api-server';
import { apiTemporalConnection } from '../../scripts/runtime/api-temporal-connection';
import { eventually } from '../support/eventually';
import { TEST_SECRET_KEYS, call, startStack, type Stack, type TenantClient } from '../support/stack';
import { startWorker } from '../support/temporal';

// Long enough that no ordinary request on a loaded CI machine reaches it; only the stalled ones do.
const REQUEST_TIMEOUT_MS = 3000;

describe('idempotency, rate limits, timeouts and failure (dev server, worker, API, PostgreSQL)', () => {
  let stack: Stack;
  let acme: TenantClient;

  beforeAll(async () => {
    stack = await startStack({ api: { rateLimit: { perSecond: 1, burst: 30 }, requestTimeoutMs: REQUEST_TIMEOUT_MS } });
    acme = await stack.tenant('Acme Heating');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /**
   * A customer whose workflow runs on a task queue no worker polls yet: an Update to it waits,
   * which is how a slow or stuck backend looks from the API. `poll()` brings a worker.
   */
  async function stalledCustomer(customerId: string) {
    const taskQueue = `stalled-${randomUUID().slice(0, 8)}`;
    const playbook = findBuiltinPlaybook('hvac')!;
    await stack.env.client.workflow.start('customer', {
      taskQueue,
      workflowId: customerWorkflowId(acme.tenantId, customerId),
      args: [{ tenantId: acme.tenantId, customerId, profile: { name: 'Stalled', timezone: 'America/Chicago' }, playbook }],
    });
    return { poll: () => startWorker(stack.env, stack.database.db, taskQueue) };
  }

  describe('Idempotency-Key', () => {
    it('replays the first response to the same key and body, and creates one customer', async () => {
      const key = randomUUID();
      const body = { name: 'Ida Idem', playbook: 'hvac' };
      const first = await acme.request('POST', '/v1/customers', body, { 'Idempotency-Key': key });
      const second = await acme.request('POST', '/v1/customers', body, { 'Idempotency-Key': key });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(first.headers.get('idempotent-replayed')).toBeNull();

      // Without the key the same body is a new customer; with it, never.
      const rows = await eventually(() => stack.database.db.select().from(customers).where(eq(customers.tenantId, acme.tenantId)), {
        until: (r) => r.some((c) => c.id === first.body.id),
      });
      expect(rows.filter((c) => c.name === 'Ida Idem')).toHaveLength(1);
    });

    it('refuses the same key with a different body (422) and accepts it from another tenant', async () => {
      const key = randomUUID();
      expect((await acme.request('POST', '/v1/customers', { id: 'kim', name: 'Kim', playbook: 'hvac' }, { 'Idempotency-Key': key })).status).toBe(201);
      const reused = await acme.request('POST', '/v1/customers', { id: 'kim', name: 'Kim Changed', playbook: 'hvac' }, { 'Idempotency-Key': key });
      expect(reused.status).toBe(422);
      expect(reused.body.errors[0].path).toBe('headers.idempotency-key');
      const elsewhere = await stack.tenant('Other Co');
      expect((await elsewhere.request('POST', '/v1/customers', { id: 'kim', name: 'Kim Changed', playbook: 'hvac' }, { 'Idempotency-Key': key })).status).toBe(201);
    });

    it('keeps nothing of a refused request, so the corrected request may use the key', async () => {
      const key = randomUUID();
      expect((await acme.request('POST', '/v1/customers', { name: '', playbook: 'hvac' }, { 'Idempotency-Key': key })).status).toBe(400);
      expect((await acme.request('POST', '/v1/customers', { name: 'Val', playbook: 'no-such-playbook' }, { 'Idempotency-Key': key })).status).toBe(422);
      expect(await stack.database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.scope, acme.tenantId)).then((rows) => rows.filter((r) => r.state === 'in_flight'))).toEqual([]);
      expect((await acme.request('POST', '/v1/customers', { id: 'val', name: 'Val', playbook: 'hvac' }, { 'Idempotency-Key': key })).status).toBe(201);
      const badKey = await acme.request('POST', '/v1/customers', { name: 'Val', playbook: 'hvac' }, { 'Idempotency-Key': 'has spaces in it' });
      expect(badKey.status).toBe(400);
      expect(badKey.body.errors[0].path).toBe('headers.idempotency-key');
    });

    it('answers 409 while the first request runs, 503 when it outlives the deadline, and the outcome to the retry once it finishes', async () => {
      const stalled = await stalledCustomer('sal');
      const key = randomUUID();
      // Booking goes through an Update, which waits for a worker to validate it.
      const event = { type: 'booking.requested', jobId: 'j-sal', service: 'Tune-up', scheduledAt: new Date(Date.now() + 86_400_000).toISOString() };

      const slow = acme.request('POST', '/v1/customers/sal/events', event, { 'Idempotency-Key': key });
      // The first request holds the key before the second one asks.
      await eventually(() => stack.database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.scope, acme.tenantId)), {
        until: (rows) => rows.some((r) => r.state === 'in_flight'),
      });
      const busy = await acme.request('POST', '/v1/customers/sal/events', event, { 'Idempotency-Key': key });
      expect(busy.status).toBe(409);
      expect(busy.headers.get('retry-after')).toBe('1');

      const timedOut = await slow;
      expect(timedOut.status).toBe(503);
      expect(timedOut.body.type).toContain('timeout');
      expect(timedOut.headers.get('retry-after')).toBe('1');

      // A worker turns up and the first request finishes; its result is what the retry gets.
      const worker = await stalled.poll();
      try {
        const outcome = await eventually(() => acme.request('POST', '/v1/customers/sal/events', event, { 'Idempotency-Key': key }), { until: (r) => r.status !== 409 });
        expect(outcome.status).toBe(202);
        expect(outcome.headers.get('idempotent-replayed')).toBe('true');
        expect(outcome.body.eventId).toMatch(/^evt_/);
      } finally {
        await worker.stop();
      }
    });

    it('stores the response sealed with the server key: a new API key is not readable from the database', async () => {
      const key = randomUUID();
      const created = await acme.request('POST', '/v1/api-keys', { name: 'ci', scopes: ['read'] }, { 'Idempotency-Key': key });
      expect(created.status).toBe(201);
      const rows = await stack.database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.scope, acme.tenantId));
      expect(JSON.stringify(rows)).not.toContain(created.body.key);
      expect(JSON.stringify(rows)).not.toContain(key);
      const again = await acme.request('POST', '/v1/api-keys', { name: 'ci', scopes: ['read'] }, { 'Idempotency-Key': key });
      expect(again.body.key).toBe(created.body.key);
    });
  });

  describe('rate limits', () => {
    it('answers 429 with Retry-After once a key has spent its budget, without touching other keys', async () => {
      const tenant = await stack.tenant('Busy Co');
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof tenant.request>> | undefined;
      // Bounded, but far above the burst: a slow machine refills a token a second while it loops.
      for (let i = 0; i < 300 && !limited; i++) {
        const r = await tenant.request('GET', '/v1/playbooks');
        statuses.push(r.status);
        if (r.status === 429) limited = r;
      }
      expect(limited).toBeDefined();
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(30);
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited!.headers.get('content-type')).toContain('application/problem+json');
      expect((await acme.request('GET', '/v1/playbooks')).status).toBe(200);
    });
  });

  describe('when a dependency is down', () => {
    it('answers 503 with Retry-After when Temporal is unreachable, and writes nothing', async () => {
      const connection = apiTemporalConnection('127.0.0.1:1');
      const api = await startApiServer({
        db: stack.database.db,
        temporal: new Client({ connection }),
        port: 0,
        host: '127.0.0.1',
        config: { namespace: 'default', taskQueue: 'unused', temporalUiUrl: 'http://localhost:8233', secretKeys: TEST_SECRET_KEYS },
      });
      try {
        const before = (await stack.database.db.select({ n: count() }).from(idempotencyKeys).where(eq(idempotencyKeys.scope, acme.tenantId)))[0]!.n;
        const created = await call(api.url, acme.key, 'POST', '/v1/customers', { id: 'offline', name: 'Off Line', playbook: 'hvac' }, { 'Idempotency-Key': randomUUID() });
        expect(created.status).toBe(503);
        expect(created.headers.get('retry-after')).not.toBeNull();
        const event = await call(api.url, acme.key, 'POST', '/v1/customers/kim/events', { type: 'inquiry.received', channel: 'web' });
        expect(event.status).toBe(503);
        // The key was freed (a retry will run) and no customer row appeared.
        const after = (await stack.database.db.select({ n: count() }).from(idempotencyKeys).where(eq(idempotencyKeys.scope, acme.tenantId)))[0]!.n;
        expect(after).toBe(before);
        expect(await stack.database.db.select().from(customers).where(eq(customers.id, 'offline'))).toEqual([]);
      } finally {
        await api.close();
        await connection.close();
      }
    });

    it('answers 503 when PostgreSQL is unreachable', async () => {
      const unreachable = await openDatabase({ url: 'postgres://revloop:revloop@127.0.0.1:1/revloop', maxConnections: 1 });
      const api = await startApiServer({ db: unreachable.db, temporal: stack.env.client, port: 0, host: '127.0.0.1', config: { namespace: 'default', taskQueue: 'unused', temporalUiUrl: 'http://localhost:8233', secretKeys: TEST_SECRET_KEYS } });
      try {
        const listed = await call(api.url, acme.key, 'GET', '/v1/customers');
        expect(listed.status).toBe(503);
        expect(listed.headers.get('retry-after')).not.toBeNull();
        expect(listed.body.detail).toContain('database');
      } finally {
        await api.close();
        await unreachable.close();
      }
    });
  });

  it('answers 503 with Retry-After within the request deadline when PostgreSQL hangs, authentication included', async () => {
    // A database host that takes connections and never answers, as a stalled or partitioned server does.
    const sockets: Socket[] = [];
    const blackHole = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const port = (blackHole.address() as AddressInfo).port;
    const hanging = await openDatabase({ url: `postgres://revloop:revloop@127.0.0.1:${port}/revloop`, maxConnections: 1, connectTimeoutSeconds: 30 });
    const api = await startApiServer({
      db: hanging.db,
      temporal: stack.env.client,
      port: 0,
      host: '127.0.0.1',
      config: { namespace: 'default', taskQueue: 'unused', temporalUiUrl: 'http://localhost:8233', secretKeys: TEST_SECRET_KEYS, requestTimeoutMs: 1_000 },
    });
    try {
      // A key this API process has never seen must be looked up: that lookup hangs.
      const answered = await call(api.url, acme.key, 'GET', '/v1/customers');
      expect(answered.status).toBe(503);
      expect(answered.headers.get('retry-after')).not.toBeNull();
      expect(answered.body.type).toContain('timeout');
    } finally {
      await api.close();
      for (const socket of sockets) socket.destroy();
      blackHole.close();
      await hanging.close();
    }
  });

  describe('graceful shutdown', () => {
    it('finishes the request in flight before the server stops, and takes no new ones', async () => {
      const stalled = await stalledCustomer('gus');
      const api = await startApiServer({
        db: stack.database.db,
        temporal: stack.env.client,
        port: 0,
        host: '127.0.0.1',
        config: { namespace: 'default', taskQueue: stack.worker.taskQueue, temporalUiUrl: 'http://localhost:8233', secretKeys: TEST_SECRET_KEYS },
      });
      const inFlight = call(api.url, acme.key, 'POST', '/v1/customers/gus/events', { type: 'booking.requested', jobId: 'j1', service: 'Tune-up', scheduledAt: new Date(Date.now() + 86_400_000).toISOString() });
      // The request is being answered (its Update waits for a worker) before shutdown starts.
      await eventually(() => api.activeRequests(), { until: (n) => n === 1 });
      let closed = false;
      const closing = api.close().then(() => (closed = true));
      await expect(call(api.url, acme.key, 'GET', '/v1/playbooks')).rejects.toThrow();
      expect(closed).toBe(false);

      const worker = await stalled.poll();
      try {
        const response = await inFlight;
        expect(response.status).toBe(202);
        await closing;
        expect(closed).toBe(true);
      } finally {
        await worker.stop();
      }
    });
  });
});
