import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { leakageEntries, messagingSettings } from '../../db/schema';
import { backfillLeakage } from '../../scripts/backfill/leakage';
import { SecretBox, sealedIn } from '../../db/sealed';
import { verifySignature } from '../../domain/webhook-signature';
import { deliver, startCustomer } from '../support/customers';
import { TEST_SECRET_KEYS, startWorker } from '../support/temporal';
import { createTestTenant, messagesOf } from '../support/database';
import { eventually } from '../support/eventually';
import { testPlaybook } from '../support/playbooks';
import { HOUR, MINUTE, timeSkippingSuite } from '../support/suite';

const SECRET = 'whsec_test_secret_that_is_long_enough';

describe('webhook channel: signed delivery with retries', () => {
  // The receiver listens on loopback, as on a self-hosted network: this worker may reach it.
  const suite = timeSkippingSuite({ activities: { webhookTargets: 'any' } });
  let server: Server;
  let url: string;
  let base: string;
  const received: Array<{ body: string; signature: string }> = [];
  /** How many of the next requests the receiver answers with 503. */
  let failNext = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.url === '/moved') {
          res.writeHead(302, { Location: '/hooks' }).end();
          return;
        }
        if (req.url === '/broken') {
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end('stack trace of an internal service');
          return;
        }
        if (failNext > 0) {
          failNext -= 1;
          res.writeHead(503).end();
          return;
        }
        received.push({ body, signature: String(req.headers['revloop-signature']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    url = `${base}/hooks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const playbook = testPlaybook('home-service', { quietHours: null });

  async function webhookTenant(webhookUrl: string) {
    const tenantId = await createTestTenant(suite.database.db);
    // Sealed, as PUT /v1/messaging stores it: the worker opens it with the same server key.
    const webhookSecret = new SecretBox(TEST_SECRET_KEYS).seal(SECRET, sealedIn.messagingWebhookSecret(tenantId));
    await suite.database.db.insert(messagingSettings).values({ tenantId, transport: 'webhook', webhookUrl, webhookSecret });
    return tenantId;
  }

  it('retries a failing webhook with backoff, then records the delivery with a valid signature', async () => {
    const tenantId = await webhookTenant(url);
    const { customerId, handle } = await startCustomer(suite.env, { taskQueue: suite.worker.taskQueue, tenantId, playbook });
    failNext = 2;
    await deliver(handle, { type: 'inquiry.received', channel: 'web' });
    await suite.env.sleep(5 * MINUTE);

    const [ack] = await eventually(() => messagesOf(suite.database.db, tenantId, customerId), { until: (rows) => rows[0]?.status === 'delivered' });
    expect(ack).toMatchObject({ kind: 'inquiry.acknowledgement', transport: 'webhook', status: 'delivered', attempts: 3 });
    const delivery = received.find((r) => JSON.parse(r.body).id === ack!.id)!;
    expect(JSON.parse(delivery.body)).toMatchObject({ kind: 'inquiry.acknowledgement', recipient: '+15550100200', subject: { type: 'customer', id: customerId } });
    expect(verifySignature(SECRET, delivery.body, delivery.signature, Math.floor(Date.now() / 1000))).toBe('valid');
  });

  it('gives up after the last attempt and records the message as failed, and the lifecycle goes on', async () => {
    const tenantId = await webhookTenant('http://127.0.0.1:9/unreachable');
    const { customerId, handle } = await startCustomer(suite.env, { taskQueue: suite.worker.taskQueue, tenantId, playbook });
    await deliver(handle, { type: 'inquiry.received', channel: 'web' });
    await suite.env.sleep(3 * HOUR);

    const rows = await eventually(() => messagesOf(suite.database.db, tenantId, customerId), { until: (r) => r[0]?.status === 'failed' });
    expect(rows[0]).toMatchObject({ status: 'failed', attempts: 8 });
    expect(rows[0]!.statusReason).toContain('webhook unreachable');
    expect(rows.map((r) => r.kind)).toContain('inquiry.follow_up');
    // Every message that never arrived is in the leakage ledger, once, linked to the workflow that sent it.
    const failed = rows.filter((r) => r.status === 'failed');
    const ledger = await eventually(
      () => suite.database.db.select().from(leakageEntries).where(and(eq(leakageEntries.tenantId, tenantId), eq(leakageEntries.kind, 'message_undeliverable'))),
      { until: (r) => r.length === failed.length },
    );
    expect(ledger.map((l) => l.id).sort()).toEqual(failed.map((m) => `leak:message_undeliverable:${m.id}`).sort());
    expect(ledger[0]).toMatchObject({ subjectId: customerId, status: 'lost', atStake: 0, step: 'messaging', workflowId: handle.workflowId });
    // Messages that failed before the ledger existed are backfilled from the outbox, once.
    await suite.database.db.delete(leakageEntries).where(and(eq(leakageEntries.tenantId, tenantId), eq(leakageEntries.kind, 'message_undeliverable')));
    expect((await backfillLeakage(suite.database.db, { tenantId })).byKind.message_undeliverable).toBe(failed.length);
    expect((await backfillLeakage(suite.database.db, { tenantId })).byKind.message_undeliverable).toBeUndefined();
  });

  it('follows no redirect and tells the tenant only the status of a failed delivery', async () => {
    for (const path of ['/moved', '/broken']) {
      const before = received.length;
      const tenantId = await webhookTenant(`${base}${path}`);
      const { customerId, handle } = await startCustomer(suite.env, { taskQueue: suite.worker.taskQueue, tenantId, playbook });
      await deliver(handle, { type: 'inquiry.received', channel: 'web' });
      await suite.env.sleep(MINUTE);
      const [ack] = await eventually(() => messagesOf(suite.database.db, tenantId, customerId), { until: (rows) => (rows[0]?.attempts ?? 0) >= 1 });
      expect(ack!.statusReason).toBe(path === '/moved' ? 'webhook answered 302' : 'webhook answered 500');
      expect(received.length).toBe(before);
    }
  });

  it('refuses, at once and without a request, a webhook that reaches a loopback address when only public ones are allowed', async () => {
    const publicOnly = await startWorker(suite.env, suite.database.db);
    try {
      const before = received.length;
      const tenantId = await webhookTenant(url);
      const { customerId, handle } = await startCustomer(suite.env, { taskQueue: publicOnly.taskQueue, tenantId, playbook });
      await deliver(handle, { type: 'inquiry.received', channel: 'web' });
      const [ack] = await eventually(() => messagesOf(suite.database.db, tenantId, customerId), { until: (rows) => rows[0]?.status === 'failed' });
      expect(ack).toMatchObject({ status: 'failed', attempts: 1 });
      expect(ack!.statusReason).toContain('webhook refused');
      expect(received.length).toBe(before);
    } finally {
      await publicOnly.stop();
    }
  });
});
