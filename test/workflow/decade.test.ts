import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import type { CustomerEvent } from '../../domain/customer-events';
import { customerEventSignal } from '../../workflows/definitions';
import { RUN_LIMITS } from '../../workflows/lifecycle/continue-as-new';
import { deliver, idle, invoicesOf, jobsOf, startCustomer } from '../support/customers';
import { createTestTenant, timelineOf } from '../support/database';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { testPlaybook } from '../support/playbooks';
import { DAY, HOUR, timeSkippingSuite } from '../support/suite';

const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('customer workflow: a decade of jobs', () => {
  const suite = timeSkippingSuite();

  it('runs ten years of jobs every few months, each run as small as the first, every event accounted for', { timeout: 180_000 }, async () => {
    const { env, database, worker } = suite;
    const tenantId = await createTestTenant(database.db);
    // The production limits: no historyLimit of the test's own.
    const { customerId, handle } = await startCustomer(env, { taskQueue: worker.taskQueue, tenantId, playbook: testPlaybook('hvac') });
    const runIds = new Set([(await handle.describe()).runId]);

    let sent = 0;
    let maxHistory = 0;
    // The Java time-skipping server can lose a continue-as-new's workflow task (and with it the
    // ability to skip time) when a query lands in the same moment, so this test drives the
    // workflow without polling queries and waits on PostgreSQL instead.
    const send = async (input: Parameters<typeof deliver>[1]) => {
      await deliver(handle, input, { wait: false });
      sent += 1;
    };
    const cycles = 40;
    for (let i = 0; i < cycles; i++) {
      const jobId = `job-${i}`;
      await send({ type: 'inquiry.received', channel: i % 2 ? 'call' : 'web' });
      await send({ type: 'booking.requested', jobId, service: i % 4 === 0 ? 'AC tune-up' : 'repair', scheduledAt: new Date((await suite.now()) + 2 * DAY).toISOString() });
      await env.sleep(2 * DAY);
      await send({ type: 'job.started', jobId });
      await send({ type: 'job.completed', jobId, lineItems: [{ description: 'Visit', quantity: 1, unitPrice: usd(10_000 + i) }] });
      await eventually(() => invoicesOf(database.db, tenantId, customerId), { until: (rows) => rows.some((inv) => inv.id === `inv-${jobId}`) });
      await send({ type: 'payment.received', invoiceId: `inv-${jobId}`, amount: usd(10_000 + i) });
      if (i % 3 === 0) await send({ type: 'review.submitted', rating: 5, platform: 'google' });
      // A late duplicate of the very first event, long after the workflow's own memory moved on.
      if (i === cycles - 1) {
        const first = (await timelineOf(database.db, tenantId, customerId)).find((e) => e.kind === 'event')!;
        await handle.signal(customerEventSignal, { ...(first.data as CustomerEvent), receivedAt: new Date().toISOString() });
      }
      const described = await handle.describe();
      runIds.add(described.runId);
      maxHistory = Math.max(maxHistory, described.historyLength);
      await env.sleep(89 * DAY + (i % 3) * 7 * DAY);
    }
    await env.sleep(HOUR);

    const state = await idle(handle);
    runIds.add((await handle.describe()).runId);
    // A run continues as new at its next idle point past 2,000 events (no job or invoice of its own
    // open): every run of the decade, the first as much as the last, stays under 4,096 events and 1 MB.
    expect(state.runs).toBeGreaterThan(1);
    expect(maxHistory).toBeLessThan(4_096);
    const runs = await Promise.all([...runIds].map(async (runId) => {
      const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      return { events: history.events!.length, bytes: temporal.api.history.v1.History.encode(history).finish().length };
    }));
    expect(runs.length).toBe(state.runs + 1);
    for (const run of runs) {
      expect(run.events).toBeLessThan(4_096);
      expect(run.bytes).toBeLessThan(1024 * 1024);
    }
    // Closed runs each rolled over at the same limit: the decade's last is no larger than its first.
    const closed = runs.slice(0, -1);
    expect(Math.max(...closed.map((r) => r.events))).toBeLessThan(RUN_LIMITS.events + 300);

    expect(state.eventsApplied).toBe(sent);
    const events = (await timelineOf(database.db, tenantId, customerId)).filter((e) => e.kind === 'event');
    expect(events.length).toBe(sent);
    expect(new Set(events.map((e) => e.id)).size).toBe(sent);
    const invoices = await invoicesOf(database.db, tenantId, customerId);
    expect(invoices.length).toBe(cycles);
    expect(invoices.every((inv) => inv.status === 'paid' && inv.balance === 0)).toBe(true);
    expect((await jobsOf(database.db, tenantId, customerId)).every((j) => j.status === 'completed')).toBe(true);
    expect(state.completedJobs).toBe(cycles);
    expect(state.balanceDue).toEqual(usd(0));
    expect(state.openJobs).toEqual([]);
    await recordHistory(handle, 'customer-decade-last-run');
  });
});
