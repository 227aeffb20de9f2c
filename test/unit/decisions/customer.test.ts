import { describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../../../domain/customer-events';
import type { CustomerMemory, OpenInvoice, OpenJob } from '../../../workflows/definitions';
import { refusalOf } from '../../../workflows/customer/refusals';
import { balanceDue, deriveStage, freshMemory, nextActions, waitingFor } from '../../../workflows/customer/state';

// The customer lifecycle's decisions, without Temporal: what stage a memory is in, and which
// events a relationship refuses before recording them.

const NOW = Date.parse('2027-03-10T15:00:00Z');
const job = (jobId: string, status: OpenJob['status']): OpenJob => ({ jobId, service: 'AC repair', scheduledAt: '2027-03-12T15:00:00.000Z', status, nextAction: null });
const invoice = (invoiceId: string, status: OpenInvoice['status'], balance = 10_000, currency = 'USD'): OpenInvoice => ({
  invoiceId,
  total: { amount: 10_000, currency },
  balance: { amount: balance, currency },
  status,
  dueAt: '2027-03-24T15:00:00.000Z',
  nextAction: null,
});
const memory = (change: Partial<CustomerMemory>): CustomerMemory => ({ ...freshMemory(NOW), ...change });
const event = (e: Record<string, unknown>) => ({ eventId: `e-${String(e.type)}`, receivedAt: new Date(NOW).toISOString(), ...e }) as CustomerEvent;

describe('the stage of a relationship: the most pressing thing going on', () => {
  it.each<[string, Partial<CustomerMemory>, string]>([
    ['nothing yet', {}, 'inquiry'],
    ['an open inquiry', { inquiry: { openedAt: NOW, followUpsSent: 0 } }, 'inquiry'],
    ['a booked job, with an open inquiry too', { jobs: [job('J1', 'booked')], inquiry: { openedAt: NOW, followUpsSent: 1 } }, 'booking'],
    ['a no-show waiting for a new slot', { jobs: [job('J1', 'no_show')] }, 'booking'],
    ['a job under way beside a booked one', { jobs: [job('J1', 'booked'), job('J2', 'in_progress')] }, 'job'],
    ['an open invoice', { invoices: [invoice('I1', 'open')], completedJobs: 1 }, 'invoice'],
    ['an invoice in collections beside an open one', { invoices: [invoice('I1', 'open'), invoice('I2', 'in_collections')] }, 'collections'],
    ['a disputed invoice', { invoices: [invoice('I1', 'disputed')] }, 'collections'],
    ['a review asked for', { review: { jobId: 'J1', requestedAt: NOW }, completedJobs: 1 }, 'review'],
    ['a reactivation sequence', { reactivation: { step: 1, startedAt: NOW }, completedJobs: 1 }, 'reactivation'],
    ['dormant', { dormant: true, completedJobs: 1 }, 'dormant'],
    ['a lead that never booked', { lost: true }, 'lost'],
    ['a past customer, nothing open', { completedJobs: 3 }, 'retention'],
  ])('%s → %s', (_, change, stage) => {
    expect(deriveStage(memory(change))).toBe(stage);
  });

  it('says what each stage waits for', () => {
    expect(waitingFor({ stage: 'inquiry', inquiry: null })).toBe('a first inquiry');
    expect(waitingFor({ stage: 'inquiry', inquiry: { openedAt: NOW, followUpsSent: 0 } })).toBe('a booking for the open inquiry');
    expect(waitingFor({ stage: 'collections', inquiry: null })).toBe('payment of the open invoice(s)');
    expect(waitingFor({ stage: 'dormant', inquiry: null })).toBe('a new inquiry');
  });

  it('owes the sum of open balances, and lists every next step soonest first', () => {
    const m = memory({ invoices: [invoice('I1', 'open', 4_000), invoice('I2', 'in_collections', 6_001)] });
    expect(balanceDue(m)).toBe(10_001);
    const withSteps = memory({
      jobs: [{ ...job('J1', 'booked'), nextAction: { kind: 'booking.reminder', dueAt: '2027-03-11T15:00:00.000Z', summary: 'reminder' } }],
      invoices: [{ ...invoice('I1', 'open'), nextAction: { kind: 'collections.step', dueAt: '2027-03-25T15:00:00.000Z', summary: 'reminder 1' } }],
    });
    const own = [{ kind: 'review.request', dueAt: '2027-03-13T15:00:00.000Z', summary: 'review request' }];
    expect(nextActions(withSteps, own).map((a) => a.kind)).toEqual(['booking.reminder', 'review.request', 'collections.step']);
  });
});

describe('which events a relationship refuses before recording them', () => {
  const known = memory({ jobs: [job('J1', 'booked')], closedJobIds: ['J0'], invoices: [invoice('I1', 'open')], closedInvoiceIds: ['I0'] });
  const soon = new Date(NOW + 86_400_000).toISOString();
  const lines = (currency = 'USD') => [{ description: 'Repair', quantity: 1, unitPrice: { amount: 18_000, currency } }];

  it.each<[string, Record<string, unknown>, string | null]>([
    ['a booking of a new job', { type: 'booking.requested', jobId: 'J2', service: 'Tune-up', scheduledAt: soon }, null],
    ['the same job booked twice', { type: 'booking.requested', jobId: 'J1', service: 'Tune-up', scheduledAt: soon }, 'jobId'],
    ['a closed job booked again', { type: 'booking.requested', jobId: 'J0', service: 'Tune-up', scheduledAt: soon }, 'jobId'],
    ['a slot an hour ago', { type: 'booking.requested', jobId: 'J2', service: 'Tune-up', scheduledAt: new Date(NOW - 3_600_000).toISOString() }, 'scheduledAt'],
    ['a slot that began a minute ago (within the grace)', { type: 'booking.requested', jobId: 'J2', service: 'Tune-up', scheduledAt: new Date(NOW - 60_000).toISOString() }, null],
    ['an estimate in another currency', { type: 'booking.requested', jobId: 'J2', service: 'Tune-up', scheduledAt: soon, estimate: { amount: 100, currency: 'EUR' } }, 'estimate.currency'],
    ['starting a job the customer does not have', { type: 'job.started', jobId: 'J9' }, 'jobId'],
    ['cancelling a closed job', { type: 'booking.cancelled', jobId: 'J0' }, 'jobId'],
    ['completing a booked job', { type: 'job.completed', jobId: 'J1', lineItems: lines() }, null],
    ['completing it in another currency', { type: 'job.completed', jobId: 'J1', lineItems: lines('EUR') }, 'lineItems.0.unitPrice.currency'],
    ['completing it with a discount that brings it to nothing', { type: 'job.completed', jobId: 'J1', lineItems: [...lines(), { description: 'Goodwill', quantity: 1, unitPrice: { amount: -18_000, currency: 'USD' } }] }, null],
    ['completing it with a discount beyond its total', { type: 'job.completed', jobId: 'J1', lineItems: [...lines(), { description: 'Goodwill', quantity: 2, unitPrice: { amount: -9_001, currency: 'USD' } }] }, 'lineItems'],
    ['completing it under an invoice id already used', { type: 'job.completed', jobId: 'J1', invoiceId: 'I1', lineItems: lines() }, 'invoiceId'],
    ['a payment of an open invoice', { type: 'payment.received', invoiceId: 'I1', amount: { amount: 10_000, currency: 'USD' } }, null],
    ['a payment in another currency', { type: 'payment.received', invoiceId: 'I1', amount: { amount: 10_000, currency: 'EUR' } }, 'amount.currency'],
    ['a payment of a paid invoice', { type: 'payment.received', invoiceId: 'I0', amount: { amount: 10_000, currency: 'USD' } }, 'invoiceId'],
    ["a dispute of another customer's invoice", { type: 'invoice.disputed', invoiceId: 'I7', reason: 'never had it' }, 'invoiceId'],
    ['a review, which names nothing it must have', { type: 'review.submitted', rating: 2 }, null],
  ])('%s', (_, e, field) => {
    expect(refusalOf(event(e), known, [], 'USD', NOW)?.field ?? null).toBe(field);
  });

  it('counts events still waiting to be applied as good as done', () => {
    const booking = event({ type: 'booking.requested', jobId: 'J5', service: 'Tune-up', scheduledAt: soon });
    const completion = event({ type: 'job.completed', jobId: 'J5', lineItems: lines() });
    expect(refusalOf(event({ type: 'job.started', jobId: 'J5' }), known, [booking], 'USD', NOW)).toBeNull();
    expect(refusalOf(event({ type: 'booking.requested', jobId: 'J5', service: 'x', scheduledAt: soon }), known, [booking], 'USD', NOW)?.field).toBe('jobId');
    expect(refusalOf(event({ type: 'payment.received', invoiceId: 'inv-J5', amount: { amount: 1, currency: 'USD' } }), known, [completion], 'USD', NOW)).toBeNull();
  });
});
