import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { sql } from 'drizzle-orm';
import { within } from '../../api/http/within';
import { rows } from '../../api/reports/query';
import type { Database } from '../../db/client';
import { referencesJobOrInvoice, type CustomerEvent, type CustomerEventInput, type LineItem } from '../../domain/customer-events';
import { customerWorkflowId } from '../../domain/ids';
import { findBuiltinPlaybook } from '../../playbooks';
import type { customer } from '../../workflows/customer';
import { customerEventSignal, customerEventUpdate } from '../../workflows/definitions';
import { registerSearchAttributes } from '../runtime/search-attributes';
import { resolveTemporalTool } from '../runtime/temporal-tools';
import { bundleRevloopWorkflows, createRevloopWorker } from '../runtime/worker';
import { withoutWorkflowStackTraces } from '../runtime/workflow-stack-traces';
import { openBenchTenant } from './stack';
import { round, runPool } from './pool';
import { cpuSeconds } from './worker-probe';

/**
 * `npm run bench` (BENCH_SCENARIO=simulation): a seeded cast of HVAC customers over years,
 * time-skipped: a job every four to six months for most (inquiry, booking, visit, invoice,
 * payment, now and then a reschedule, a cancellation, a late payment or a review), leads that
 * never book, customers who stop coming, and between them the workflows' own timers (follow-ups,
 * reminders, collections, seasonal outreach, reactivation). Real worker and activities on
 * PostgreSQL. Customers on one server share its clock: each simulated day's events go out as one
 * wave, then the server skips to the next day with any. Goal: 1,000 customers × 3 years < 5 min.
 *
 *   BENCH_SIM_CUSTOMERS (default 1000)  BENCH_SIM_YEARS (3)  BENCH_SIM_SEED (1)
 *   BENCH_SIM_SERVERS (time-skipping test servers, each with its own worker in this process,
 *     customers split evenly across them and all running at once; default 1)
 *   BENCH_SIM_SCALING (e.g. 50,100,200: first run each many customers × 1 year on one server and
 *     report its wall time and the CPU of the test server and of this process)
 */
const CUSTOMERS = Number(process.env.BENCH_SIM_CUSTOMERS ?? 1000);
const YEARS = Number(process.env.BENCH_SIM_YEARS ?? 3);
const SEED = Number(process.env.BENCH_SIM_SEED ?? 1);
const SERVERS = Math.max(1, Math.min(CUSTOMERS, Number(process.env.BENCH_SIM_SERVERS ?? 1)));
const SCALING = (process.env.BENCH_SIM_SCALING ?? '').split(',').filter(Boolean).map(Number);
/** Customers of one wave whose events are on their way at once. */
const WAVE_CONCURRENCY = 32;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WAVE_STEP_MS = 994_000;
/** Real time after which a skip counts as stalled. */
const STALL_MS = 120_000;
const log = (m: string) => process.stderr.write(`bench simulation: ${m}\n`);

export async function benchSimulation(): Promise<Record<string, unknown>> {
  const { database, tenantId } = await openBenchTenant('Bench simulation', 10);
  try {
    const code = await bundleRevloopWorkflows();
    const context: Context = { db: database.db, tenantId, code };
    const scaling = [];
    for (const customers of SCALING) {
      const run = await timed(() => Promise.all([simulate(context, `s${customers}`, cast(customers, 1), 365)]));
      log(`scaling: ${customers} customers × 1 year in ${run.seconds} s`);
      scaling.push({ customers, seconds: run.seconds, testServerCpuS: run.testServerCpuS, workerCpuS: run.workerCpuS });
    }
    const days = Math.round(YEARS * 365);
    const shards = split(cast(CUSTOMERS, YEARS), SERVERS);
    const run = await timed(() => Promise.all(shards.map((shard, i) => simulate(context, `m${i}`, shard, days))));
    const failures = run.result.reduce((sum, r) => sum + r.updateFailures, 0);
    return {
      bench: 'simulation',
      customers: CUSTOMERS,
      years: YEARS,
      servers: SERVERS,
      seconds: run.seconds,
      customerYearsPerSecond: round((CUSTOMERS * YEARS) / run.seconds, 2),
      events: run.result.reduce((sum, r) => sum + r.events, 0),
      updateFailures: failures,
      cpuS: { testServers: run.testServerCpuS, worker: run.workerCpuS },
      goal: { seconds: 300 },
      withinGoal: run.seconds < 300 && failures === 0,
      ...(scaling.length ? { scaling } : {}),
    };
  } finally {
    await database.close();
  }
}

export interface Context {
  db: Database;
  tenantId: string;
  code: string;
}

/**
 * A tenant's worth of real records: the seeded cast of `customers` lived for `years` on one
 * time-skipping server, written to the tenant's tables as production would (the what-if bench
 * replays them).
 */
export function recordCast(context: Context, customers: number, years: number): Promise<ShardResult> {
  return simulate(context, 'cast', cast(customers, years), Math.round(years * 365));
}

// --- The cast: who does what on which simulated day -------------------------------------------

/** One customer's events, by simulated day (0 is the first wave), each day's in order. */
interface CastMember {
  customerId: string;
  days: Map<number, EventPlan[]>;
}

/** An event to send; `scheduledDay` becomes the booking's time once the shard knows its clock. */
type EventPlan = { input: CustomerEventInput; scheduledDay?: number };

type Rng = () => number;

/** mulberry32: small, fast and the same on every machine, so a seed always casts the same customers. */
function rngOf(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const between = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

const SERVICES = [
  { service: 'AC tune-up', price: 12_900 },
  { service: 'furnace check', price: 11_900 },
  { service: 'AC repair', price: 45_000 },
  { service: 'furnace repair', price: 52_000 },
] as const;

function cast(customers: number, years: number): CastMember[] {
  const days = Math.round(years * 365);
  return Array.from({ length: customers }, (_, i) => castMember(`c${i}`, rngOf(SEED * 1_000_003 + i), days));
}

/** A regular (a job every four to six months, one in seven stops coming), or a lead who never books. */
function castMember(customerId: string, rng: Rng, days: number): CastMember {
  const member: CastMember = { customerId, days: new Map() };
  const add = (day: number, plan: EventPlan) => {
    if (day < days) member.days.set(day, [...(member.days.get(day) ?? []), plan]);
  };
  if (rng() < 0.15) {
    // A lead that never books: follow-ups, then lost; some ask once more a year or so later.
    const first = between(rng, 0, days - 1);
    add(first, { input: { type: 'inquiry.received', channel: pick(rng, ['call', 'web', 'sms'] as const) } });
    if (rng() < 0.3) add(first + between(rng, 200, 400), { input: { type: 'inquiry.received', channel: 'web' } });
    return member;
  }
  const lastJob = rng() < 0.15 ? between(rng, 0, 3) : Number.POSITIVE_INFINITY;
  for (let job = 0, day = between(rng, 0, 150); day < days && job <= lastJob; job++, day += between(rng, 120, 180)) {
    jobCycle(rng, `${customerId}-j${job}`, day, add);
  }
  if (rng() < 0.03) add(between(rng, 0, days - 1), { input: { type: 'contact.opted_out', channel: 'sms' } });
  return member;
}

/**
 * One job from first contact to paid: booked the same day or the next, visited two to six days
 * later (one in ten rescheduled, one in twenty cancelled), paid within days (one in seven late
 * enough for collections to remind), reviewed two times in five.
 */
function jobCycle(rng: Rng, jobId: string, day: number, add: (day: number, plan: EventPlan) => void): void {
  if (rng() < 0.1) add(day, { input: { type: 'call.missed', from: '+15550100200' } });
  add(day, { input: { type: 'inquiry.received', channel: pick(rng, ['call', 'web', 'sms', 'email'] as const) } });
  const booked = day + (rng() < 0.6 ? 0 : 1);
  const { service, price } = pick(rng, SERVICES);
  let visit = booked + between(rng, 2, 6);
  add(booked, { input: { type: 'booking.requested', jobId, service, scheduledAt: '' }, scheduledDay: visit });
  const change = rng();
  if (change < 0.05) {
    add(booked + 1, { input: { type: 'booking.cancelled', jobId, reason: 'found someone sooner' } });
    return;
  }
  if (change < 0.15) {
    visit += between(rng, 1, 4);
    add(booked + 1, { input: { type: 'booking.rescheduled', jobId, scheduledAt: '' }, scheduledDay: visit });
  }
  const lineItems: LineItem[] = [{ description: service, quantity: 1, unitPrice: usd(price) }];
  if (rng() < 0.3) lineItems.push({ description: 'parts', quantity: between(rng, 1, 3), unitPrice: usd(between(rng, 20, 200) * 100) });
  add(visit, { input: { type: 'job.started', jobId } });
  add(visit, { input: { type: 'job.completed', jobId, lineItems } });
  const total = lineItems.reduce((sum, l) => sum + l.quantity * l.unitPrice.amount, 0);
  // Never the day of the visit: by the next wave the invoice workflow has written its row.
  const paid = visit + (rng() < 0.15 ? between(rng, 8, 20) : between(rng, 1, 3));
  add(paid, { input: { type: 'payment.received', invoiceId: `inv-${jobId}`, amount: usd(total), method: 'card' } });
  if (rng() < 0.4) {
    const rating = rng() < 0.08 ? between(rng, 1, 3) : between(rng, 4, 5);
    add(visit + between(rng, 1, 3), { input: { type: 'review.submitted', rating, jobId, ...(rng() < 0.6 ? { platform: 'google' } : {}) } });
  }
}

const usd = (amount: number) => ({ amount, currency: 'USD' });

/** Deals the cast out to `servers` shards, round robin, so each gets the same mix. */
function split(members: CastMember[], servers: number): CastMember[][] {
  return Array.from({ length: servers }, (_, s) => members.filter((_, i) => i % servers === s));
}

// --- One server: its clock, its worker, its customers' waves ------------------------------------

export interface ShardResult {
  events: number;
  updateFailures: number;
  testServerCpuS: number;
}

/** One customer's events of one day. */
interface Visit {
  member: CastMember;
  plans: EventPlan[];
  day: number;
  /** The customer's first day: the workflow starts with it. */
  first: boolean;
}

async function simulate(context: Context, name: string, members: CastMember[], days: number): Promise<ShardResult> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: resolveTemporalTool('testServer').executable } });
  const testServerPid = serverPid(env);
  try {
    await registerSearchAttributes(env.connection, 'default');
    const taskQueue = `bench-sim-${name}`;
    const worker = await withoutWorkflowStackTraces(() =>
      createRevloopWorker({
        connection: env.nativeConnection,
        namespace: 'default',
        taskQueue,
        db: context.db,
        secretKeys: { current: randomBytes(32).toString('base64url') },
        workflowBundle: { code: context.code },
      }),
    );
    return await worker.runUntil(async () => {
      const clock = await waveClock(env);
      const shard: Shard = { env, context, taskQueue, clock, events: 0, updateFailures: 0 };
      const waves = wavesOf(members);
      let done = 0;
      for (const [day, visits] of waves) {
        await sleepUntil(env, clock(day));
        await invoicesIssued(context, visits);
        await runPool(visits, WAVE_CONCURRENCY, (v) => sendVisit(shard, v));
        if (++done % 50 === 0) log(`${name}: day ${day} of ${days} (${shard.events} events)`);
      }
      // The timers after the last event (reminders, collections, outreach) run to the end too.
      await sleepUntil(env, clock(days));
      return { events: shard.events, updateFailures: shard.updateFailures, testServerCpuS: cpuSeconds(testServerPid) };
    });
  } finally {
    await env.teardown();
  }
}

interface Shard {
  env: TestWorkflowEnvironment;
  context: Context;
  taskQueue: string;
  /** The server time of a simulated day's wave. */
  clock: (day: number) => number;
  events: number;
  updateFailures: number;
}

/**
 * When each simulated day's wave goes out, by the server's clock: within business hours in
 * Chicago (15:00–23:00 UTC), so what it sets off is not held back by quiet hours, and a little
 * later each day. Why later: the time-skipping server strands a workflow whose task cancels a
 * timer that fired while the task was with the worker (it refuses the completion, "invalid
 * history builder state for action", and never retries it; temporalio/sdk-java#3088), and with
 * it time skipping. The workflows' timers are whole days, hours or minutes after an event, so
 * waves at one time of day would meet them: a booking the day after an inquiry lands on the
 * P1D follow-up, a payment a week after a visit on the P7D reminder. Stepping 994 s a day
 * (modulo the 8 hours) keeps every wave up to 1,100 days after another at least 26 s off the
 * whole days since it, longer than a wave takes to send.
 */
async function waveClock(env: TestWorkflowEnvironment): Promise<(day: number) => number> {
  const now = await serverNow(env);
  const start = new Date(now);
  start.setUTCHours(15, 0, 0, 0);
  const first = start.getTime() > now ? start.getTime() : start.getTime() + DAY;
  return (day) => first + day * DAY + ((day * WAVE_STEP_MS) % (8 * HOUR));
}

async function serverNow(env: TestWorkflowEnvironment): Promise<number> {
  return Number(await env.currentTimeMs());
}

/**
 * Skips the server's clock to `at`. A skip that takes minutes of real time has stalled: the
 * server is waiting in real time on a workflow task it will never finish (see `waveClock`).
 */
async function sleepUntil(env: TestWorkflowEnvironment, at: number): Promise<void> {
  const wait = at - (await serverNow(env));
  if (wait <= 0) return;
  await within(env.sleep(wait), STALL_MS, () => new Error(`time skipping stalled before ${new Date(at).toISOString()}: a workflow task the test server refused?`));
}

/** The days with any event, in order, each with the visits of that day. */
function wavesOf(members: CastMember[]): Array<[number, Visit[]]> {
  const waves = new Map<number, Visit[]>();
  for (const member of members) {
    const first = Math.min(...member.days.keys());
    for (const [day, plans] of member.days) waves.set(day, [...(waves.get(day) ?? []), { member, plans, day, first: day === first }]);
  }
  return [...waves].sort(([a], [b]) => a - b);
}

/** Payments name invoices; each was issued on an earlier day, but its row is checked before paying. */
async function invoicesIssued(context: Context, visits: Visit[]): Promise<void> {
  const ids = visits.flatMap((v) => v.plans.flatMap((p) => (p.input.type === 'payment.received' ? [p.input.invoiceId] : [])));
  if (!ids.length) return;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [found] = await rows<{ n: number }>(context.db, sql`select count(*)::int as n from invoices where tenant_id = ${context.tenantId} and id in ${ids}`);
    if (found!.n === ids.length) return;
    if (Date.now() > deadline) throw new Error(`invoices ${ids.join(', ')}: only ${found!.n} issued after a minute`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sendVisit(shard: Shard, visit: Visit): Promise<void> {
  const { customerId } = visit.member;
  const workflowId = customerWorkflowId(shard.context.tenantId, customerId);
  const handle = visit.first
    ? await shard.env.client.workflow.start<typeof customer>('customer', {
        taskQueue: shard.taskQueue,
        workflowId,
        args: [{ tenantId: shard.context.tenantId, customerId, profile: { name: `Customer ${customerId}`, phone: '+15550100200', email: `${customerId}@example.com`, timezone: 'America/Chicago' }, playbook: findBuiltinPlaybook('hvac')! }],
      })
    : shard.env.client.workflow.getHandle<typeof customer>(workflowId);
  const receivedAt = new Date(shard.clock(visit.day)).toISOString();
  for (const [i, plan] of visit.plans.entries()) {
    const scheduled = plan.scheduledDay === undefined ? {} : { scheduledAt: new Date(shard.clock(plan.scheduledDay)).toISOString() };
    const event = { ...plan.input, ...scheduled, eventId: `${customerId}-d${visit.day}-${i}`, receivedAt } as CustomerEvent;
    shard.events += 1;
    if (!referencesJobOrInvoice(event.type)) {
      await handle.signal(customerEventSignal, event);
      continue;
    }
    try {
      await handle.executeUpdate(customerEventUpdate, { args: [event], updateId: event.eventId });
    } catch (error) {
      // A refusal means the cast and the workflow disagree about an open job or invoice: counted, and the first told.
      if (shard.updateFailures++ === 0) log(`update ${event.type} for ${customerId} failed: ${(error as Error).message}`);
    }
  }
}

// --- Measuring ------------------------------------------------------------------------------------

/** Wall time of `run`, with the CPU its test servers and this process (worker and driver) used. */
async function timed(run: () => Promise<ShardResult[]>): Promise<{ seconds: number; testServerCpuS: number; workerCpuS: number; result: ShardResult[] }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await run();
  const used = process.cpuUsage(cpu);
  return {
    seconds: round((performance.now() - started) / 1000, 1),
    testServerCpuS: round(result.reduce((sum, r) => sum + r.testServerCpuS, 0), 1),
    workerCpuS: round((used.user + used.system) / 1e6, 1),
    result,
  };
}

/** The time-skipping server's process: the SDK's core starts it as a child of this process, on the port it connects to. */
function serverPid(env: TestWorkflowEnvironment): number {
  const port = (env as unknown as { address: string }).address.split(':').pop()!;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args[0]?.includes('temporal-test-server') && args.includes(port)) return Number(entry);
    } catch {
      // gone since listed
    }
  }
  throw new Error(`no test server process on port ${port}`);
}


