import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timelineEntries, webhookReceipts } from '../../db/schema';
import { signPayload } from '../../domain/webhook-signature';
import { zoneInDaytime } from '../support/daytime';
import { eventually } from '../support/eventually';
import { call, startStack, type Stack, type TenantClient } from '../support/stack';

describe('signed webhooks in (dev server, worker, API, PostgreSQL)', () => {
  let stack: Stack;
  let acme: TenantClient;
  let other: TenantClient;
  const secrets: Record<string, string> = {};
  const acmeZone = zoneInDaytime();

  const now = () => Math.floor(Date.now() / 1000);
  /** POSTs `payload` to a webhook as a provider would: the exact bytes it signed. */
  const deliver = (source: string, payload: unknown, options: { tenant?: string; secret?: string; t?: number; signature?: string | null } = {}) => {
    const body = JSON.stringify(payload);
    const signature = options.signature === undefined ? signPayload(options.secret ?? secrets[source]!, body, options.t ?? now()) : options.signature;
    return call(stack.api.url, null, 'POST', `/v1/webhooks/${source}?tenant=${options.tenant ?? acme.tenantId}`, body, {
      'Content-Type': 'application/json',
      ...(signature === null ? {} : { 'Revloop-Signature': signature }),
    });
  };
  const eventsOf = async (customerId: string, type: string) =>
    (await stack.database.db.select().from(timelineEntries).where(and(eq(timelineEntries.tenantId, acme.tenantId), eq(timelineEntries.subjectId, customerId), eq(timelineEntries.type, type))));
  const receipts = async () => (await stack.database.db.select({ n: count() }).from(webhookReceipts).where(eq(webhookReceipts.tenantId, acme.tenantId)))[0]!.n;

  beforeAll(async () => {
    stack = await startStack();
    // Leads a webhook creates get the business's zone; this one is in its sending window now.
    acme = await stack.tenant('Acme Heating', { timezone: acmeZone });
    other = await stack.tenant('Other Co');
    for (const source of ['telephony', 'payments', 'reviews', 'generic']) {
      const rotated = await acme.request('POST', '/v1/webhook-secrets', { source });
      expect(rotated.status).toBe(201);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      secrets[source] = rotated.body.secret;
    }
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('lists live secrets without ever showing them again', async () => {
    const listed = await acme.request('GET', '/v1/webhook-secrets');
    expect(listed.body.data.map((s: { source: string }) => s.source).sort()).toEqual(['generic', 'payments', 'reviews', 'telephony']);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
  });

  it('turns a missed call from an unknown number into a new lead with a text-back, applied once however often it arrives', async () => {
    const call1 = { id: 'CA1001', type: 'call.missed', from: '+1 (555) 201-0001', to: '+15557650000' };
    const signedAt = now();
    const first = await deliver('telephony', call1, { t: signedAt });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ customerId: 'tel-15552010001', eventId: 'tel.CA1001', type: 'call.missed', status: 'accepted' });

    // The provider retries (a new timestamp, so a new signature): the same call, not a second one.
    // The timestamp is derived from the first one, not read from the clock again: a clock read
    // that crossed a second boundary could give the first delivery's timestamp, a true replay.
    const retried = await deliver('telephony', call1, { t: signedAt - 1 });
    expect(retried.status).toBe(202);

    const listed = await eventually(() => acme.request('GET', '/v1/customers'), { until: (r) => r.body.data.some((c: { id: string }) => c.id === 'tel-15552010001') });
    expect(listed.body.data.find((c: { id: string }) => c.id === 'tel-15552010001')).toMatchObject({ name: 'Caller +1 (555) 201-0001', phone: '+1 (555) 201-0001', timezone: acmeZone, playbook: { id: 'home-service' } });
    await eventually(() => acme.request('GET', '/v1/customers/tel-15552010001/messages'), { until: (r) => r.body.data.some((m: { kind: string }) => m.kind === 'missed_call.text_back') });
    expect(await eventsOf('tel-15552010001', 'call.missed')).toHaveLength(1);

    // A text from the same number, spelled differently, reaches the same customer.
    const sms = await deliver('telephony', { id: 'SM77', type: 'sms.received', from: '+15552010001', text: 'Can someone call me back?' });
    expect(sms.status).toBe(202);
    expect(sms.body.customerId).toBe('tel-15552010001');
  });

  it('answers 401 and changes nothing for a replay, a stale or future timestamp, a wrong secret, a missing header or tenant', async () => {
    const payload = { id: 'CA2002', type: 'call.missed', from: '+15552020002' };
    const body = JSON.stringify(payload);
    const header = signPayload(secrets.telephony!, body, now());
    const send = (h: Record<string, string>, tenant = acme.tenantId) =>
      call(stack.api.url, null, 'POST', `/v1/webhooks/telephony${tenant ? `?tenant=${tenant}` : ''}`, body, { 'Content-Type': 'application/json', ...h });

    expect((await send({ 'Revloop-Signature': header })).status).toBe(202);
    const before = await receipts();

    const replay = await send({ 'Revloop-Signature': header });
    expect(replay.status).toBe(401);
    expect(replay.body.detail).toMatch(/replay/);
    expect(replay.headers.get('content-type')).toContain('application/problem+json');

    const refused = [
      await deliver('telephony', { ...payload, id: 'CA-old' }, { t: now() - 301 }),
      // Far enough ahead that it is still more than 300 s ahead when a slow request reaches the server.
      await deliver('telephony', { ...payload, id: 'CA-future' }, { t: now() + 330 }),
      await deliver('telephony', { ...payload, id: 'CA-wrong' }, { secret: 'whsec_not-the-secret' }),
      await deliver('telephony', { ...payload, id: 'CA-bare' }, { signature: null }),
      await deliver('telephony', { ...payload, id: 'CA-junk' }, { signature: 't=abc,v1=zz' }),
      await send({ 'Revloop-Signature': signPayload(secrets.telephony!, body, now() + 1) }, ''),
      // Another tenant cannot sign for Acme, and Acme's secret does not open another tenant.
      await deliver('telephony', { ...payload, id: 'CA-cross' }, { tenant: other.tenantId }),
      // A secret for one source does not sign another source's deliveries.
      await deliver('telephony', { ...payload, id: 'CA-source' }, { secret: secrets.payments! }),
    ];
    expect(refused.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401, 401, 401]);
    expect(await receipts()).toBe(before);
    for (const id of ['CA-old', 'CA-future', 'CA-wrong', 'CA-bare', 'CA-junk', 'CA-cross', 'CA-source']) {
      expect(await eventsOf('tel-15552020002', `call.missed`).then((rows) => rows.filter((r) => r.id === `tel.${id}`))).toHaveLength(0);
    }
  });

  it('rejects a well-signed but invalid payload with every issue, and a fixed resend is not taken for a replay', async () => {
    const bad = { id: 'CA3003', type: 'call.dropped', from: 'x' };
    const t = now();
    const first = await deliver('telephony', bad, { t });
    expect(first.status).toBe(400);
    expect(first.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.from', 'body.type']);
    // Nothing was accepted, so the same signed request is judged again rather than refused as a replay.
    expect((await deliver('telephony', bad, { t })).status).toBe(400);
  });

  it('keeps a rotated-out secret valid for its grace period, and not after', async () => {
    const old = secrets.reviews!;
    const graced = await acme.request('POST', '/v1/webhook-secrets', { source: 'reviews', graceSeconds: 3600 });
    expect(graced.body.replaced).toHaveLength(1);
    const review = (id: string) => ({ id, customerId: 'tel-15552010001', rating: 5, comment: 'Called back in minutes', platform: 'google' });
    expect((await deliver('reviews', review('rv-1'), { secret: old })).status).toBe(202);
    expect((await deliver('reviews', review('rv-2'), { secret: graced.body.secret })).status).toBe(202);

    const immediate = await acme.request('POST', '/v1/webhook-secrets', { source: 'reviews', graceSeconds: 0 });
    expect((await deliver('reviews', review('rv-3'), { secret: old })).status).toBe(401);
    expect((await deliver('reviews', review('rv-4'), { secret: graced.body.secret })).status).toBe(401);
    expect((await deliver('reviews', review('rv-5'), { secret: immediate.body.secret })).status).toBe(202);

    const listed = await acme.request('GET', '/v1/webhook-secrets');
    expect(listed.body.data.filter((s: { source: string }) => s.source === 'reviews')).toHaveLength(1);
    await eventually(() => eventsOf('tel-15552010001', 'review.submitted'), { until: (rows) => rows.length === 3 });
  });

  it('settles an invoice from a payments webhook, and answers 404 for a customer the tenant does not have', async () => {
    expect((await acme.request('POST', '/v1/customers', { id: 'pam', name: 'Pam Payer', playbook: 'hvac' })).status).toBe(201);
    const at = new Date(Date.now() + 3600_000).toISOString();
    expect((await acme.request('POST', '/v1/customers/pam/events', { type: 'booking.requested', jobId: 'j1', service: 'AC repair', scheduledAt: at })).status).toBe(202);
    const done = await acme.request('POST', '/v1/customers/pam/events', {
      type: 'job.completed',
      jobId: 'j1',
      lineItems: [{ description: 'Capacitor', quantity: 1, unitPrice: { amount: 18900, currency: 'USD' } }],
    });
    expect(done.status).toBe(202);
    await eventually(() => acme.request('GET', '/v1/customers/pam/invoices'), { until: (r) => r.body.data.length === 1 });

    const paid = await deliver('payments', { id: 'ch_1', type: 'payment.succeeded', customerId: 'pam', invoiceId: 'inv-j1', amount: { amount: 18900, currency: 'USD' }, method: 'card' });
    expect(paid.status).toBe(202);
    expect(paid.body).toMatchObject({ customerId: 'pam', eventId: 'pay.ch_1', type: 'payment.received' });
    const invoices = await eventually(() => acme.request('GET', '/v1/customers/pam/invoices'), { until: (r) => r.body.data[0]?.status === 'paid' });
    expect(invoices.body.data[0].balance).toEqual({ amount: 0, currency: 'USD' });

    const stranger = await deliver('payments', { id: 'ch_2', type: 'payment.failed', customerId: 'nobody', invoiceId: 'inv-x', reason: 'card declined' });
    expect(stranger.status).toBe(404);
    const wrongInvoice = await deliver('payments', { id: 'ch_3', type: 'payment.failed', customerId: 'pam', invoiceId: 'inv-nope', reason: 'card declined' });
    expect(wrongInvoice.status).toBe(422);
  });

  it('accepts any lifecycle event through the generic source, once per body', async () => {
    const payload = { customerId: 'pam', event: { type: 'contact.opted_out', channel: 'sms' } };
    const signedAt = now();
    const first = await deliver('generic', payload, { t: signedAt });
    const again = await deliver('generic', payload, { t: signedAt - 2 });
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(again.body.eventId).toBe(first.body.eventId);
    await eventually(() => eventsOf('pam', 'contact.opted_out'), { until: (rows) => rows.length === 1 });
  });
});
