import { and, count, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../api/routes';
import { customers, idempotencyKeys, messages, timelineEntries, usageRecords, webhookReceipts } from '../../db/schema';
import { contractWorkflowId, customerWorkflowId } from '../../domain/ids';
import { signPayload } from '../../domain/webhook-signature';
import { contractStateQuery } from '../../workflows/contract-definitions';
import { customerStateQuery } from '../../workflows/definitions';
import { zoneInDaytime } from '../support/daytime';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';

/**
 * Property: whatever arrives at the endpoints the open internet writes to (lifecycle events,
 * webhooks, usage), the answer is never a 5xx, and a refused request leaves no trace: no signal
 * in the workflow's history, no row in any table. The endpoints come from the route table, so a
 * new writing endpoint of these kinds is fuzzed without being listed here.
 */
const targets = routes.filter((r) => r.method === 'post' && (/\/(events|usage)$/.test(r.path) || r.access.kind === 'signature'));
const RUNS = 120;

describe('fuzzing the write endpoints (dev server, worker, API, PostgreSQL)', () => {
  let stack: Stack;
  let acme: TenantClient;
  const secrets: Record<string, string> = {};
  const customerId = 'fuzzy';

  beforeAll(async () => {
    stack = await startStack();
    // In its sending window whatever the hour: no message held for quiet hours goes out mid-property.
    acme = await stack.tenant('Fuzz Co', { timezone: zoneInDaytime() });
    expect((await acme.request('POST', '/v1/customers', { id: customerId, name: 'Fuzzy', phone: '+15550009999', playbook: 'hvac' })).status).toBe(201);
    for (const source of ['telephony', 'payments', 'reviews', 'generic']) secrets[source] = (await acme.request('POST', '/v1/webhook-secrets', { source })).body.secret;
    // A live contract of the same id, so contract events and usage reach a real workflow and real checks.
    const quote = await acme.request('POST', '/v1/quotes', {
      id: customerId,
      customer: { name: 'Fuzzy Inc' },
      currency: 'USD',
      lines: [{ lineId: 'calls', sku: 'API', listPrice: { amount: 1, currency: 'USD' }, pricingModel: 'per_unit', usageMetric: 'api_calls', billing: { interval: 'month', timing: 'arrears' } }],
      term: 'P12M',
      start: new Date().toISOString(),
    });
    expect(quote.status).toBe(201);
    expect((await acme.request('POST', `/v1/contracts/${customerId}/events`, { type: 'contract.signed' })).status).toBe(202);
    await settle();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Everything a request could have changed, counted. */
  async function snapshot() {
    const db = stack.database.db;
    const n = async (q: Promise<Array<{ n: number }>>) => (await q)[0]!.n;
    const [history, contractHistory, usage, timeline, customerRows, outbox, receipts, keys] = await Promise.all([
      stack.env.client.workflow.getHandle(customerWorkflowId(acme.tenantId, customerId)).describe().then((d) => d.historyLength),
      stack.env.client.workflow.getHandle(contractWorkflowId(acme.tenantId, customerId)).describe().then((d) => d.historyLength),
      n(db.select({ n: count() }).from(usageRecords).where(eq(usageRecords.tenantId, acme.tenantId))),
      n(db.select({ n: count() }).from(timelineEntries).where(eq(timelineEntries.tenantId, acme.tenantId))),
      n(db.select({ n: count() }).from(customers).where(eq(customers.tenantId, acme.tenantId))),
      n(db.select({ n: count() }).from(messages).where(eq(messages.tenantId, acme.tenantId))),
      n(db.select({ n: count() }).from(webhookReceipts).where(eq(webhookReceipts.tenantId, acme.tenantId))),
      n(db.select({ n: count() }).from(idempotencyKeys).where(and(eq(idempotencyKeys.scope, acme.tenantId)))),
    ]);
    return { history, contractHistory, usage, timeline, customerRows, outbox, receipts, keys };
  }

  /** After an accepted request: wait until its effects have landed, so they are not blamed on the next one. */
  async function settle() {
    await eventually(() => stack.env.client.workflow.getHandle(customerWorkflowId(acme.tenantId, customerId)).query(customerStateQuery), {
      until: (v) => !v.busy && v.pendingEvents === 0,
    });
    await eventually(() => stack.env.client.workflow.getHandle(contractWorkflowId(acme.tenantId, customerId)).query(contractStateQuery), { until: (v) => !v.busy });
    let previous = JSON.stringify(await snapshot());
    await eventually(
      async () => {
        const now = JSON.stringify(await snapshot());
        const stable = now === previous;
        previous = now;
        return stable;
      },
      { until: (stable) => stable, intervalMs: 150 },
    );
  }

  const eventTypes = ['inquiry.received', 'call.missed', 'booking.requested', 'job.completed', 'payment.received', 'review.submitted', 'contact.opted_out', 'contract.amended', 'credit.issued', 'invoice.rebilled', 'x'];
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  /** Bodies from plain garbage to almost-valid events (a known type with wrong or missing fields). */
  const body = fc.oneof(
    fc.string({ maxLength: 200 }),
    anyJson.map((v) => JSON.stringify(v)),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    fc
      .record(
        {
          type: fc.constantFrom(...eventTypes),
          eventId: fc.oneof(fc.string({ maxLength: 80 }), fc.integer()),
          channel: fc.oneof(fc.constantFrom('web', 'sms', 'call', 'email', 'pigeon'), anyJson),
          jobId: fc.oneof(fc.string({ maxLength: 70 }), anyJson),
          invoiceId: fc.string({ maxLength: 70 }),
          rating: fc.oneof(fc.integer({ min: -2, max: 9 }), fc.double(), fc.string()),
          amount: fc.oneof(fc.record({ amount: fc.oneof(fc.integer(), fc.double(), fc.string()), currency: fc.string({ maxLength: 4 }) }), anyJson),
          from: fc.string({ maxLength: 30 }),
          message: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('nul \u0000 inside')),
          customerId: fc.oneof(fc.constant(customerId), fc.string({ maxLength: 70 })),
          id: fc.string({ maxLength: 210 }),
          scheduledAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
          lineItems: fc.array(anyJson, { maxLength: 3 }),
          event: anyJson,
          records: fc.array(
            fc.record({ id: fc.string({ maxLength: 70 }), metric: fc.constantFrom('api_calls', 'API_CALLS', ''), quantity: fc.oneof(fc.double(), fc.integer(), fc.string()), occurredAt: fc.oneof(fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())), fc.string()) }, { requiredKeys: [] }),
            { maxLength: 3 },
          ),
          lineId: fc.constantFrom('calls', 'seats', ''),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  );
  const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/merge-patch+json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', '');
  const headerValue = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.:;,= /+*!~'.split('')), maxLength: 60 });
  const pathId = fc.oneof(fc.constant(customerId), fc.string({ maxLength: 80 }).map(encodeURIComponent), fc.constant('..%2F..'), fc.constant('a'.repeat(65)));
  const signature = fc.oneof(
    fc.constant('sign'),
    fc.constant('sign-stale'),
    fc.constant('none'),
    headerValue.map((v) => `raw:${v}`),
  );

  it.each(targets.map((r) => [r.path, r] as const))('%s: never a 5xx, and a refused request writes nothing', async (_name, route) => {
    const isWebhook = route.access.kind === 'signature';
    const source = isWebhook ? (route.access as { source: string }).source : '';
    await fc.assert(
      fc.asyncProperty(body, contentType, pathId, signature, fc.option(headerValue, { nil: undefined }), fc.option(headerValue, { nil: undefined }), async (raw, type, id, sign, idempotencyKey, requestId) => {
        const before = await snapshot();
        const path = route.path.replace(':id', id) + (isWebhook ? `?tenant=${acme.tenantId}` : '');
        const headers: Record<string, string> = {};
        if (type) headers['Content-Type'] = type;
        if (idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKey;
        if (requestId !== undefined) headers['Request-Id'] = requestId;
        if (isWebhook) {
          const now = Math.floor(Date.now() / 1000);
          if (sign === 'sign') headers['Revloop-Signature'] = signPayload(secrets[source]!, raw, now);
          else if (sign === 'sign-stale') headers['Revloop-Signature'] = signPayload(secrets[source]!, raw, now - 600);
          else if (sign.startsWith('raw:')) headers['Revloop-Signature'] = sign.slice(4);
        }
        const response = await acme.request('POST', path, raw, headers);
        expect(response.status, `${path} ${raw}`).toBeLessThan(500);
        if (response.status >= 400) {
          expect(response.headers.get('content-type')).toContain('application/problem+json');
          expect(await snapshot(), `${response.status} ${path} ${raw}`).toEqual(before);
        } else {
          await settle();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
