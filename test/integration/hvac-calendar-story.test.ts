import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDuration } from '../../domain/durations';
import { localParts, nextLocalDate, zonedToUtc } from '../../domain/local-time';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';
import { DAY, HOUR, toMinute } from '../support/suite';

const TZ = 'America/Chicago';

/**
 * The HVAC story with the built-in playbook's real timings and the real calendar, through the HTTP
 * API, on the time-skipping server: missed call, text-back, booking, reminders (one held for quiet
 * hours), job, instant invoice, review request, payment after a reminder, next March's AC tune-up,
 * a second job, two quiet years, reactivation, dormant.
 */
describe('an HVAC customer over HTTP, across the calendar', () => {
  let stack: Stack;
  let tenant: TenantClient;
  beforeAll(async () => {
    stack = await startStack({ timeSkipping: true });
    tenant = await stack.tenant('Lone Star Heating & Air');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const now = () => stack.env.currentTimeMs();
  /** The next time the customer's wall clock shows `hh:mm`, at least `after` from now. */
  const nextLocal = async (hour: number, minute = 0, after = 0) => {
    const from = (await now()) + after;
    const p = localParts(from, TZ);
    let at = zonedToUtc(p.year, p.month, p.day, hour, minute, TZ);
    if (at <= from) at = zonedToUtc(p.year, p.month, p.day + 1, hour, minute, TZ);
    return at;
  };
  const sleepUntil = async (at: number) => stack.env.sleep(Math.max(0, at - (await now())));
  const event = async (body: Record<string, unknown>) => {
    const r = await tenant.request('POST', '/v1/customers/rosa/events', body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
  };
  const sent = async () =>
    (await tenant.request('GET', '/v1/customers/rosa/messages?limit=200')).body.data.map((m: { kind: string; sentAt: string; body: string }) => ({
      kind: m.kind,
      at: toMinute(Date.parse(m.sentAt)),
      body: m.body,
    })) as Array<{ kind: string; at: string; body: string }>;
  const sentOf = async (kind: string) => (await sent()).filter((m) => m.kind === kind);
  const stage = async () => (await tenant.request('GET', '/v1/customers/rosa')).body.stage as string;
  const settled = () => eventually(() => tenant.request('GET', '/v1/customers/rosa'), { until: (r) => r.body.busy === false && r.body.pendingEvents === 0 });
  const iso = (ms: number) => new Date(ms).toISOString();

  it('follows Rosa from a missed call to a dormant customer two quiet years later', { timeout: 120_000 }, async () => {
    const created = await tenant.request('POST', '/v1/customers', { id: 'rosa', name: 'Rosa Diaz', phone: '+15125550199', timezone: TZ, playbook: 'hvac' });
    expect(created.status).toBe(201);

    // 10:00 in Austin: a missed call, texted back at once.
    const t0 = await nextLocal(10);
    await sleepUntil(t0);
    await event({ type: 'call.missed', from: '+15125550199' });
    await settled();
    expect(await sentOf('missed_call.text_back')).toEqual([expect.objectContaining({ at: toMinute(t0) })]);

    // Booked for 09:00 two days later: reminders a day before and two hours before, the latter
    // (07:00) held for quiet hours until 08:00.
    const slot = await nextLocal(9, 0, DAY);
    await event({ type: 'booking.requested', jobId: 'ac-1', service: 'AC not cooling', scheduledAt: iso(slot) });
    await sleepUntil(slot);
    await event({ type: 'job.started', jobId: 'ac-1' });
    await settled();
    const eight = zonedToUtc(localParts(slot, TZ).year, localParts(slot, TZ).month, localParts(slot, TZ).day, 8, 0, TZ);
    expect((await sentOf('booking.reminder')).map((m) => m.at)).toEqual([toMinute(slot - DAY), toMinute(eight)]);

    // Done at 10:30: invoice that minute, review request at 12:30.
    const done = slot + 90 * 60_000;
    await sleepUntil(done);
    await event({ type: 'job.completed', jobId: 'ac-1', lineItems: [{ description: 'Capacitor and labour', quantity: 1, unitPrice: { amount: 28500, currency: 'USD' } }] });
    await stack.env.sleep(2 * HOUR + 60_000);
    expect((await sentOf('invoice.issued')).map((m) => m.at)).toEqual([toMinute(done)]);
    expect((await sentOf('review.request')).map((m) => m.at)).toEqual([toMinute(done + 2 * HOUR)]);

    // No payment for a week: the reminder; then she pays.
    await stack.env.sleep(7 * DAY);
    expect((await sentOf('collections.reminder')).map((m) => m.at)).toEqual([toMinute(done + 7 * DAY)]);
    await event({ type: 'payment.received', invoiceId: 'inv-ac-1', amount: { amount: 28500, currency: 'USD' }, method: 'card' });
    await settled();
    const invoices = (await tenant.request('GET', '/v1/customers/rosa/invoices')).body.data;
    expect(invoices.map((i: { status: string; balance: { amount: number } }) => [i.status, i.balance.amount])).toEqual([['paid', 0]]);
    expect(await stage()).toBe('retention');

    // Next March 1, 10:00 in Austin: the AC tune-up outreach.
    const march = nextLocalDate(done, 3, 1, '10:00', TZ);
    await sleepUntil(march + HOUR);
    expect((await sentOf('retention.outreach')).filter((m) => m.body.includes('AC tune-up')).map((m) => m.at)).toEqual([toMinute(march)]);

    // She books the tune-up: a second job, paid on the spot.
    const tuneUp = await nextLocal(14, 0, 3 * DAY);
    await event({ type: 'booking.requested', jobId: 'ac-2', service: 'AC tune-up', scheduledAt: iso(tuneUp) });
    await sleepUntil(tuneUp);
    await event({ type: 'job.started', jobId: 'ac-2' });
    await event({ type: 'job.completed', jobId: 'ac-2', lineItems: [{ description: 'Tune-up', quantity: 1, unitPrice: { amount: 8900, currency: 'USD' } }] });
    await eventually(() => tenant.request('GET', '/v1/customers/rosa/invoices'), { until: (r) => r.body.data.length === 2 });
    await event({ type: 'payment.received', invoiceId: 'inv-ac-2', amount: { amount: 8900, currency: 'USD' } });
    const lastActivity = await now();
    await settled();

    // Two quiet years: after 18 idle months, three reactivation messages a fortnight apart, then dormant.
    const idleFrom = addDuration(lastActivity, 'P18M');
    await sleepUntil(idleFrom + 43 * DAY);
    const reactivation = (await sentOf('reactivation.outreach')).map((m) => Date.parse(m.at));
    expect(reactivation).toHaveLength(3);
    expect(reactivation[1]! - reactivation[0]!).toBe(14 * DAY);
    expect(reactivation[2]! - reactivation[1]!).toBe(14 * DAY);
    await settled();
    expect(await stage()).toBe('dormant');

    const timeline = (await tenant.request('GET', '/v1/customers/rosa/timeline?limit=200')).body.data.map((e: { type: string }) => e.type) as string[];
    for (const type of ['call.missed', 'booking.requested', 'job.completed', 'invoice.issued', 'payment.received', 'invoice.paid', 'reactivation.started', 'customer.dormant']) {
      expect(timeline, type).toContain(type);
    }
    // Seasonal outreach kept in touch through the quiet years: every March and September.
    const seasons = (await sentOf('retention.outreach')).filter((m) => /AC tune-up|furnace check/.test(m.body));
    expect(seasons.length).toBeGreaterThanOrEqual(4);
  });
});
