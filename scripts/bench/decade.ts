import { randomBytes } from 'node:crypto';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { createActivities } from '../../activities';
import { ApiKeyStore } from '../../api/http/api-keys';
import { rows } from '../../api/reports/query';
import { createTenant } from '../../api/tenants';
import { openDatabase } from '../../db/client';
import { SecretBox } from '../../db/sealed';
import { referencesJobOrInvoice, type CustomerEvent, type CustomerEventInput } from '../../domain/customer-events';
import { customerWorkflowId } from '../../domain/ids';
import { findBuiltinPlaybook } from '../../playbooks';
import type { customer } from '../../workflows/customer';
import { customerEventSignal, customerEventUpdate } from '../../workflows/definitions';
import { ensureLocalPostgres } from '../runtime/local-postgres';
import { registerSearchAttributes } from '../runtime/search-attributes';
import { resolveTemporalTool } from '../runtime/temporal-tools';
import { bundleRevloopWorkflows } from '../runtime/worker';

/**
 * A decade of one HVAC customer, time-skipped: a job every three months or so for ten years
 * (inquiry, booking, visit, invoice, payment, now and then a review), on the production
 * continue-as-new rule. Answers the history each run left (events and bytes, and how much of it
 * is child workflow starts) and how long the largest run takes to replay, which is what a worker
 * pays when the relationship is not in its cache. Goal: every run under 4,096 events and 1 MB,
 * the last no larger than the first.
 */
const { temporal } = proto;
const CYCLES = Number(process.env.BENCH_DECADE_JOBS ?? 40);
const DAY = 86_400_000;
const log = (m: string) => process.stderr.write(`bench decade: ${m}\n`);

export async function benchDecade(): Promise<Record<string, unknown>> {
  const database = await openDatabase({ url: process.env.DATABASE_URL || ensureLocalPostgres('revloop_bench'), maxConnections: 4 });
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: resolveTemporalTool('testServer').executable } });
  try {
    await database.migrate();
    await registerSearchAttributes(env.connection, 'default');
    const tenantId = `bench-${randomBytes(4).toString('hex')}`;
    await createTenant(database.db, new ApiKeyStore(database.db), { id: tenantId, name: 'Bench decade' });
    const taskQueue = 'bench-decade';
    const code = await bundleRevloopWorkflows();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { code },
      activities: createActivities({ db: database.db, secrets: new SecretBox({ current: randomBytes(32).toString('base64url') }) }),
    });
    return await worker.runUntil(async () => {
      const customerId = 'decade';
      const handle = await env.client.workflow.start<typeof customer>('customer', {
        taskQueue,
        workflowId: customerWorkflowId(tenantId, customerId),
        args: [{ tenantId, customerId, profile: { name: 'Decade Customer', phone: '+15550000000', timezone: 'America/Chicago' }, playbook: findBuiltinPlaybook('hvac')! }],
      });
      const runIds = new Set([(await handle.describe()).runId]);
      let n = 0;
      const send = async (input: CustomerEventInput) => {
        const event = { ...input, eventId: `d-${++n}`, receivedAt: new Date().toISOString() } as CustomerEvent;
        if (referencesJobOrInvoice(event.type)) await handle.executeUpdate(customerEventUpdate, { args: [event], updateId: event.eventId });
        else await handle.signal(customerEventSignal, event);
      };
      const usd = (amount: number) => ({ amount, currency: 'USD' });
      const started = Date.now();
      for (let i = 0; i < CYCLES; i++) {
        const jobId = `job-${i}`;
        await send({ type: 'inquiry.received', channel: i % 2 ? 'call' : 'web' });
        const now = Number((await env.currentTimeMs()) ?? Date.now());
        await send({ type: 'booking.requested', jobId, service: i % 4 === 0 ? 'AC tune-up' : 'repair', scheduledAt: new Date(now + 2 * DAY).toISOString() });
        await env.sleep(2 * DAY);
        await send({ type: 'job.started', jobId });
        await send({ type: 'job.completed', jobId, lineItems: [{ description: 'Visit', quantity: 1, unitPrice: usd(10_000 + i) }] });
        await until(async () => (await rows<{ n: number }>(database.db, sql`select count(*)::int as n from invoices where tenant_id = ${tenantId} and id = ${`inv-${jobId}`}`))[0]!.n === 1);
        await send({ type: 'payment.received', invoiceId: `inv-${jobId}`, amount: usd(10_000 + i) });
        if (i % 3 === 0) await send({ type: 'review.submitted', rating: 5, platform: 'google' });
        runIds.add((await handle.describe()).runId);
        await env.sleep(89 * DAY + (i % 3) * 7 * DAY);
        if (i % 10 === 9) log(`${i + 1} of ${CYCLES} jobs`);
      }
      runIds.add((await handle.describe()).runId);
      const simulatedSeconds = (Date.now() - started) / 1000;
      const runs = [];
      let largest: { history: proto.temporal.api.history.v1.IHistory; events: number } | undefined;
      for (const runId of runIds) {
        const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
        const events = history.events ?? [];
        const childStartBytes = events
          .filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)
          .reduce((sum, e) => sum + temporal.api.history.v1.HistoryEvent.encode(e).finish().length, 0);
        runs.push({ events: events.length, bytes: temporal.api.history.v1.History.encode(history).finish().length, childStarts: events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length, childStartBytes });
        if (!largest || events.length > largest.events) largest = { history, events: events.length };
      }
      // The replay worker is created (and its sandbox loaded) outside the measure, as a running worker has it.
      const replayStarted = performance.now();
      const cpu = process.cpuUsage();
      await Worker.runReplayHistory({ workflowBundle: { code }, replayName: 'bench-decade' }, largest!.history, handle.workflowId);
      const used = process.cpuUsage(cpu);
      const replay = { events: largest!.events, wallMs: Math.round(performance.now() - replayStarted), cpuMs: Math.round((used.user + used.system) / 1000) };
      return {
        bench: 'decade-customer',
        jobs: CYCLES,
        years: 10,
        runs,
        largestRunEvents: Math.max(...runs.map((r) => r.events)),
        largestRunBytes: Math.max(...runs.map((r) => r.bytes)),
        goal: { eventsPerRun: 4096, bytesPerRun: 1024 * 1024 },
        withinGoal: runs.every((r) => r.events < 4096 && r.bytes < 1024 * 1024),
        // What a worker pays to bring the relationship back when it is not cached (a replay worker's start included).
        largestRunReplay: replay,
        simulatedSeconds: Math.round(simulatedSeconds),
      };
    });
  } finally {
    await env.teardown();
    await database.close();
  }
}


async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the invoice');
    await new Promise((r) => setTimeout(r, 100));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchDecade()));
  process.exit(0);
}
