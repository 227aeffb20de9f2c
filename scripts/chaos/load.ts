import { invoiceIdForJob } from '../../domain/ids';
import type { Random } from './random';
import { GaveUp, type Answer, type Sender } from './sender';

/**
 * The load: customers living through inquiries, missed calls, bookings, reschedules, cancellations,
 * completions, partial and failed payments, disputes, reviews and opt-outs, and contracts signed,
 * paid, amended, renewed, cancelled and metered. Each story sends its next event only once the
 * one it depends on was answered (a payment after its completion), as a real sender would, and
 * sometimes delivers an answered event again, or the same new event several times at once.
 */
export interface Subject {
  type: 'customer' | 'contract';
  id: string;
}

export interface Delivery {
  subject: Subject;
  eventId: string;
  type: string;
  /** The final answer: an HTTP status, or `gave_up` when none came by the deadline. */
  answer: number | 'gave_up';
  duplicate?: boolean;
  /** A deliberate second delivery of an event already answered. */
  redelivery: boolean;
}

/** What the acknowledged events must have left behind, for the reconciliation. */
export interface Ledger {
  deliveries: Delivery[];
  customers: string[];
  contracts: string[];
  bookings: Array<{ customerId: string; jobId: string }>;
  invoices: Array<{ subject: Subject; invoiceId: string; total: number }>;
  payments: Array<{ subject: Subject; invoiceId: string; eventId: string; amount: number }>;
  usage: Array<{ contractId: string; recordId: string }>;
  /** Stories cut short by a refusal or a deadline, with why. */
  stopped: string[];
}

export interface LoadOptions {
  sender: Sender;
  /** Events to send in all: deliveries, deliberate redeliveries and usage batches. */
  events: number;
  customers: number;
  contracts: number;
  timezone: string;
  random: Random;
  runId: string;
}

class OutOfBudget extends Error {}

const usd = (amount: number) => ({ amount, currency: 'USD' });
const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();

export async function runLoad(options: LoadOptions): Promise<Ledger> {
  const ledger: Ledger = { deliveries: [], customers: [], contracts: [], bookings: [], invoices: [], payments: [], usage: [], stopped: [] };
  let budget = options.events;
  const take = (n = 1) => {
    if (budget < n) throw new OutOfBudget();
    budget -= n;
  };
  const { sender } = options;

  /** Sends until answered; an answer is final. Returns it, or throws GaveUp. */
  async function record(subject: Subject, path: string, body: Record<string, unknown>, redelivery = false): Promise<Answer> {
    let answer: Answer;
    try {
      answer = await sender.post(path, body);
    } catch (error) {
      if (error instanceof GaveUp) ledger.deliveries.push({ subject, eventId: String(body.eventId), type: String(body.type), answer: 'gave_up', redelivery });
      throw error;
    }
    ledger.deliveries.push({ subject, eventId: String(body.eventId), type: String(body.type), answer: answer.status, duplicate: answer.body?.duplicate, redelivery });
    return answer;
  }

  async function customerStory(n: number, random: Random): Promise<void> {
    const customerId = `c${n}-${options.runId}`;
    const created = await sender.post('/v1/customers', { id: customerId, name: `Chaos Customer ${n}`, phone: `+1555${String(1_000_000 + n).slice(-7)}`, timezone: options.timezone, playbook: 'hvac' });
    if (created.status >= 300) throw new Error(`creating ${customerId}: ${created.status} ${JSON.stringify(created.body)}`);
    ledger.customers.push(customerId);
    const subject: Subject = { type: 'customer', id: customerId };
    const path = `/v1/customers/${customerId}/events`;
    const answered: Array<Record<string, unknown>> = [];
    let seq = 0;
    const event = (type: string, fields: Record<string, unknown> = {}) => ({ type, eventId: `${customerId}-${++seq}`, ...fields });

    /** One event that must be accepted: anything but 202 ends the story (what follows depends on it). */
    const send = async (body: Record<string, unknown>) => {
      take();
      const answer = await record(subject, path, body);
      if (answer.status !== 202) throw new Error(`${body.type} ${body.eventId}: ${answer.status} ${answer.body?.detail ?? ''}`);
      answered.push(body);
      if (answered.length > 1 && random.chance(0.08)) {
        // A provider delivering an answered event again: 202, a duplicate, nothing changes.
        take();
        await record(subject, path, random.pick(answered), true);
      }
    };
    /** The same new event sent three times at once, through both API processes. */
    const burst = async (body: Record<string, unknown>) => {
      take(3);
      const answers = await Promise.all([0, 1, 2].map((i) => record(subject, path, body, i > 0)));
      if (answers.some((a) => a.status !== 202)) throw new Error(`burst of ${body.type}: ${answers.map((a) => a.status).join(',')}`);
      answered.push(body);
    };

    for (let job = 1; ; job++) {
      if (random.chance(0.5)) await send(event('inquiry.received', { channel: random.pick(['web', 'sms', 'email', 'call']), message: 'The AC is blowing warm air' }));
      if (random.chance(0.35)) await send(event('call.missed', { from: '+15550001111' }));
      const jobId = `${customerId}-j${job}`;
      await send(event('booking.requested', { jobId, service: random.pick(['AC repair', 'Furnace tune-up', 'Duct cleaning']), scheduledAt: days(random.int(2, 20)) }));
      ledger.bookings.push({ customerId, jobId });
      if (random.chance(0.25)) await send(event('booking.rescheduled', { jobId, scheduledAt: days(random.int(2, 20)) }));
      if (random.chance(0.1)) {
        await send(event('booking.cancelled', { jobId, reason: 'found someone else' }));
        continue;
      }
      if (random.chance(0.6)) await send(event('job.started', { jobId }));
      const lineItems = Array.from({ length: random.int(1, 3) }, (_, i) => ({ description: `Part ${i + 1}`, quantity: random.int(1, 3), unitPrice: usd(random.int(10, 500) * 100) }));
      const total = lineItems.reduce((sum, l) => sum + l.quantity * l.unitPrice.amount, 0);
      const invoiceId = invoiceIdForJob({ jobId });
      await send(event('job.completed', { jobId, lineItems }));
      ledger.invoices.push({ subject, invoiceId, total });
      if (random.chance(0.2)) await send(event('payment.failed', { invoiceId, reason: 'card declined' }));
      if (random.chance(0.15)) {
        await send(event('invoice.disputed', { invoiceId, reason: 'charged twice?' }));
        if (random.chance(0.8)) await send(event('invoice.dispute_resolved', { invoiceId, resolution: 'explained' }));
      }
      const parts = random.chance(0.3) ? [Math.floor(total / 2), total - Math.floor(total / 2)] : [total];
      for (const amount of parts) {
        const payment = event('payment.received', { invoiceId, amount: usd(amount), method: 'card' });
        if (random.chance(0.04)) await burst(payment);
        else await send(payment);
        ledger.payments.push({ subject, invoiceId, eventId: String(payment.eventId), amount });
      }
      if (random.chance(0.5)) await send(event('review.submitted', { rating: random.int(1, 5), jobId }));
      if (random.chance(0.05)) {
        await send(event('contact.opted_out', { channel: 'sms' }));
        await send(event('contact.opted_in', { channel: 'sms' }));
      }
    }
  }

  async function contractStory(n: number, random: Random): Promise<void> {
    const contractId = `k${n}-${options.runId}`;
    const quote = {
      id: contractId,
      customer: { name: `Chaos Account ${n}`, timezone: options.timezone },
      currency: 'USD',
      lines: [
        { lineId: 'seats', sku: 'SEAT', quantity: 5, listPrice: usd(2_000), pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } },
        { lineId: 'calls', sku: 'API', listPrice: usd(1), pricingModel: 'per_unit', usageMetric: 'api_calls', billing: { interval: 'month', timing: 'arrears' } },
      ],
      term: 'P12M',
      start: new Date().toISOString(),
    };
    const created = await sender.post('/v1/quotes', quote);
    if (created.status >= 300) throw new Error(`quote ${contractId}: ${created.status} ${JSON.stringify(created.body)}`);
    ledger.contracts.push(contractId);
    const subject: Subject = { type: 'contract', id: contractId };
    const path = `/v1/contracts/${contractId}/events`;
    let seq = 0;
    const send = async (type: string, fields: Record<string, unknown> = {}) => {
      take();
      const body = { type, eventId: `${contractId}-${++seq}`, ...fields };
      const answer = await record(subject, path, body);
      if (answer.status !== 202) throw new Error(`${type} ${body.eventId}: ${answer.status} ${answer.body?.detail ?? ''}`);
      return body;
    };
    await send('contract.signed', { signedBy: 'Chaos CFO' });
    // The first month is billed in advance at signature: wait for the invoice, then pay it.
    const invoiceId = `${contractId}.0001`;
    let total: number | undefined;
    for (let tries = 0; total === undefined && tries < 240; tries++) {
      const listed = await sender.get(`/v1/contracts/${contractId}/invoices`);
      total = listed.body?.data?.find((i: { id: string }) => i.id === invoiceId)?.total?.amount;
      if (total === undefined) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (total === undefined) throw new Error(`${invoiceId} was never issued`);
    ledger.invoices.push({ subject, invoiceId, total });
    const payment = await send('payment.received', { invoiceId, amount: usd(total), method: 'ach' });
    ledger.payments.push({ subject, invoiceId, eventId: String(payment.eventId), amount: total });
    let record_ = 0;
    for (;;) {
      take();
      const records = Array.from({ length: 5 }, () => ({ id: `${contractId}-u${++record_}`, metric: 'api_calls', quantity: random.int(1, 50), occurredAt: new Date().toISOString() }));
      const usage = await sender.post(`/v1/contracts/${contractId}/usage`, { records });
      if (usage.status !== 202) throw new Error(`usage for ${contractId}: ${usage.status} ${usage.body?.detail ?? ''}`);
      ledger.usage.push(...records.map((r) => ({ contractId, recordId: r.id })));
      const r = random.next();
      if (r < 0.4) await send('contract.renewed', {});
      else if (r < 0.6) await send('contract.amended', { lineId: 'seats', quantity: random.int(4, 9) });
      else if (r < 0.75) {
        await send('contract.cancelled', { reason: 'budget review' });
        await send('contract.renewed', {});
      }
    }
  }

  const stories = [
    ...Array.from({ length: options.customers }, (_, i) => ({ name: `customer ${i + 1}`, run: () => customerStory(i + 1, options.random.fork()) })),
    ...Array.from({ length: options.contracts }, (_, i) => ({ name: `contract ${i + 1}`, run: () => contractStory(i + 1, options.random.fork()) })),
  ];
  await Promise.all(
    stories.map(async (story) => {
      try {
        await story.run();
      } catch (error) {
        if (!(error instanceof OutOfBudget)) ledger.stopped.push(`${story.name}: ${(error as Error).message}`);
      }
    }),
  );
  return ledger;
}
