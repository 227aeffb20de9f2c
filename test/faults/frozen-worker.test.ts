import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DatabaseHandle } from '../../db/client';
import { findBuiltinPlaybook } from '../../playbooks';
import { createTestTenant, messagesOf, openTestDatabase, timelineOf } from '../support/database';
import { zoneInDaytime } from '../support/daytime';
import { deliver, idle, invoicesOf, jobsOf, startCustomer } from '../support/customers';
import { eventually } from '../support/eventually';
import { startDevServer, startWorker } from '../support/temporal';
import { startFaultWorker } from './support/fault-worker-process';

/**
 * A worker that stops dead in the middle of a step (kill -STOP, a stalled VM, a task that runs
 * past its timeout) while events keep arriving. Temporal gives the step to another worker, and
 * the redone step may see the events in another order. Every event answered must still be
 * applied once, and nothing the frozen attempt did may reach the customer twice.
 */

/**
 * Long enough for the timeouts a frozen worker costs: the attempt it holds, and every task its
 * open polls had already taken (10 s each for a step's write and for a child's workflow task).
 */
const RECOVERY_MS = 120_000;

let env: TestWorkflowEnvironment;
let database: DatabaseHandle;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  env = await startDevServer();
  database = await openTestDatabase();
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await env?.teardown();
  await database?.close();
});

/**
 * A booking reaches the workflow on a worker that freezes at `freeze` (see fault-worker.ts); a
 * missed call and a web inquiry arrive while it is frozen; a healthy worker takes over; the
 * frozen one wakes up late, with whatever it still had to say, and is killed.
 */
async function bookingWhileFrozen(freeze: (bookingId: string) => string) {
  const tenantId = await createTestTenant(database.db);
  const taskQueue = `faults-${tenantId}`;
  const ids = { booking: `book-${tenantId}`, call: `call-${tenantId}`, inquiry: `web-${tenantId}` };
  const frozen = await startFaultWorker({ address: env.address, taskQueue, freeze: freeze(ids.booking) });
  cleanups.push(() => frozen.kill());
  const { customerId, handle } = await startCustomer(env, {
    taskQueue,
    tenantId,
    playbook: findBuiltinPlaybook('hvac')!,
    profile: { timezone: zoneInDaytime() },
    // The frozen attempt of a workflow task is given up on after two seconds instead of ten.
    workflowTaskTimeout: '2s',
  });

  const scheduledAt = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const booked = deliver(handle, { type: 'booking.requested', eventId: ids.booking, jobId: 'job-1', service: 'AC repair', scheduledAt }, { wait: false });
  await frozen.frozen();
  await deliver(handle, { type: 'call.missed', eventId: ids.call, from: '+15550001111' }, { wait: false });
  await deliver(handle, { type: 'inquiry.received', eventId: ids.inquiry, channel: 'web', message: 'Still no cooling' }, { wait: false });
  const healthy = await startWorker(env, database.db, taskQueue);
  cleanups.push(() => healthy.stop());
  await booked;
  for (const id of Object.values(ids)) await idle(handle, id, RECOVERY_MS);
  frozen.resume();
  await frozen.kill();
  const view = await idle(handle);

  expect(view.eventsApplied).toBe(3);
  expect(view.openJobs.map((j) => j.jobId)).toEqual(['job-1']);
  // The job's own workflow writes its row and confirmation; it too may meet a stolen task first.
  await eventually(() => jobsOf(database.db, tenantId, customerId), { until: (rows) => rows.length > 0, timeoutMs: RECOVERY_MS });
  expect((await jobsOf(database.db, tenantId, customerId)).map((j) => j.id)).toEqual(['job-1']);
  // The booking confirms; the call gets its text-back. The inquiry arrived with a job booked, so
  // it opens no chase, whichever order the redone step saw them in. Never a second copy of anything.
  const sent = await eventually(() => messagesOf(database.db, tenantId, customerId), {
    until: (rows) => rows.some((m) => m.kind === 'booking.confirmation') && rows.some((m) => m.kind === 'missed_call.text_back'),
    timeoutMs: RECOVERY_MS,
  });
  const kinds = sent.map((m) => m.kind).sort();
  expect(kinds.filter((k) => k !== 'inquiry.acknowledgement')).toEqual(['booking.confirmation', 'missed_call.text_back']);
  expect(kinds.filter((k) => k === 'inquiry.acknowledgement').length).toBeLessThanOrEqual(1);
  const timeline = await timelineOf(database.db, tenantId, customerId);
  expect(timeline.filter((t) => t.kind === 'event').map((t) => t.id).sort()).toEqual(Object.values(ids).sort());
  expect(timeline.filter((t) => t.type === 'message.sent')).toHaveLength(kinds.length);
  const actions = timeline.filter((t) => t.kind === 'action').map((t) => `${t.type} ${t.summary}`);
  expect(actions).toEqual([...new Set(actions)]);
}

// The three cases wait mostly on Temporal's timeouts, each on its own tenant and task queue: they
// run side by side.
describe.concurrent('frozen workers', () => {
  describe('a worker frozen in the middle of a step', () => {
    it('loses no event and sends nothing twice when it froze right after writing the step', () => bookingWhileFrozen((booking) => `activity:${booking}`), 300_000);

    it('loses no event and sends nothing twice when its workflow task timed out and was redone with the events in another order', () =>
      bookingWhileFrozen((booking) => `workflow:${booking}`), 300_000);
  });

  describe('a step write retried late by a worker that froze in the middle of it', () => {
    it('does not overwrite the newer state a later step wrote meanwhile', async () => {
      const tenantId = await createTestTenant(database.db);
      const taskQueue = `faults-${tenantId}`;
      // The invoice's first write (issued, balance due in full) is the one the frozen worker holds.
      const frozen = await startFaultWorker({ address: env.address, taskQueue, freeze: 'before-activity:invoice:inv-job-1/issued|invoice.issued' });
      cleanups.push(() => frozen.kill());
      const { customerId, handle } = await startCustomer(env, { taskQueue, tenantId, playbook: findBuiltinPlaybook('hvac')!, profile: { timezone: zoneInDaytime() }, workflowTaskTimeout: '2s' });
      await deliver(handle, { type: 'booking.requested', jobId: 'job-1', service: 'AC repair', scheduledAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
      await deliver(handle, { type: 'job.completed', jobId: 'job-1', lineItems: [{ description: 'Capacitor', quantity: 1, unitPrice: { amount: 18_500, currency: 'USD' } }] }, { wait: false });
      await frozen.frozen();
      const healthy = await startWorker(env, database.db, taskQueue);
      cleanups.push(() => healthy.stop());
      await deliver(handle, { type: 'payment.received', invoiceId: 'inv-job-1', amount: { amount: 18_500, currency: 'USD' } }, { wait: false });
      const paid = (rows: Awaited<ReturnType<typeof invoicesOf>>) => rows.length === 1 && rows[0]!.status === 'paid' && rows[0]!.balance === 0;
      await eventually(() => invoicesOf(database.db, tenantId, customerId), { until: paid, timeoutMs: RECOVERY_MS });
      // The stale write lands now, seconds after the newer one.
      frozen.resume();
      await frozen.printed('fault-worker: late activity done');
      await frozen.kill();
      const [invoice] = await invoicesOf(database.db, tenantId, customerId);
      expect({ status: invoice!.status, balance: invoice!.balance }).toEqual({ status: 'paid', balance: 0 });
    }, 300_000);
  });
});
