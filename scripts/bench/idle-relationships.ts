import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { sql } from 'drizzle-orm';
import { rows } from '../../api/reports/query';
import { customerWorkflowId } from '../../domain/ids';
import { findBuiltinPlaybook } from '../../playbooks';
import type { customer } from '../../workflows/customer';
import { customerEventSignal } from '../../workflows/definitions';
import { DEFAULT_WORKER_CAPACITY } from '../runtime/config';
import { zoneInDaytime } from '../runtime/daytime';
import { spawnNodeScript, type NodeProcess } from '../runtime/processes';
import { freePort } from '../runtime/temporal-dev-server';
import { round, runPool } from './pool';
import { startBenchStack } from './stack';
import { rssMb, stickyCacheSize, stopProcess } from './worker-probe';

/**
 * `npm run bench` (BENCH_SCENARIO=idle-relationships): what one worker with its default capacity
 * does with BENCH_IDLE_CUSTOMERS (10,000) relationships that mostly wait. Each customer starts
 * with an inquiry; the bench's playbook is the home-service one with a single follow-up
 * BENCH_IDLE_WAVE_MINUTES (10) after it, so every relationship's timer fires within the spread
 * of the load: one timer wave across all of them, each a workflow task and a message. It reads
 * GET /v1/customers/{id} (answered by a workflow query) for a sample of customers:
 *   warm     after the load, every relationship in the worker's cache (goal p99 < 100 ms);
 *   wave     while the timers fire;
 *   cold     after the worker restarts with an empty cache, so each query replays its history.
 * and then reads every history for workflow tasks that timed out or failed (goal: none).
 * One `npm run worker` and one `npm run api` process, the dev server and real PostgreSQL.
 *
 *   BENCH_IDLE_CUSTOMERS (10000)  BENCH_IDLE_SAMPLE (customers read per phase, 500)
 *   BENCH_IDLE_WAVE_MINUTES (10: longer than the load, so the wave comes after it)
 */
const CUSTOMERS = Number(process.env.BENCH_IDLE_CUSTOMERS ?? 10_000);
const SAMPLE = Math.min(CUSTOMERS, Number(process.env.BENCH_IDLE_SAMPLE ?? 500));
const WAVE_MINUTES = Number(process.env.BENCH_IDLE_WAVE_MINUTES ?? 10);
const READ_CONCURRENCY = 4;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const log = (m: string) => process.stderr.write(`bench idle: ${m}\n`);

export async function benchIdleRelationships(): Promise<Record<string, unknown>> {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  try {
    const stack = await startBenchStack('Bench idle');
    cleanups.push(() => stack.close());
    const { server, database, databaseUrl, tenantId, apiKey } = stack;
    const taskQueue = `bench-idle-${randomBytes(3).toString('hex')}`;
    const apiPort = await freePort();
    const metricsPort = await freePort();
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PORT: String(apiPort),
      LOG_LEVEL: 'warn',
      REVLOOP_RATE_LIMIT_PER_SECOND: '0',
      REVLOOP_SECRET_KEY: randomBytes(32).toString('base64url'),
    };
    // The worker runs with its defaults (README › Configuration): what is measured is what ships.
    let worker: NodeProcess = spawnNodeScript('worker', 'scripts/worker.ts', { ...env, REVLOOP_SDK_METRICS_PORT: String(metricsPort) }, /polling task queue/);
    cleanups.push(() => void worker.kill('SIGTERM'));
    const api = spawnNodeScript('api', 'scripts/api.ts', { ...env, REVLOOP_SDK_METRICS_PORT: '0' }, /listening on/);
    cleanups.push(() => void api.kill('SIGTERM'));
    await Promise.all([worker.ready, api.ready]);
    const baselineRssMb = rssMb(worker.pid!);

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    const builtin = findBuiltinPlaybook('home-service')!;
    const playbook = { ...builtin, definition: { ...builtin.definition, inquiry: { followUps: [`PT${WAVE_MINUTES}M`], lostAfter: 'P4D' } } };
    const timezone = zoneInDaytime(Date.now() + WAVE_MINUTES * 60_000);
    const ids = Array.from({ length: CUSTOMERS }, (_, i) => `idle-${i}`);

    const count = async (what: 'inquiries' | 'followUps') => {
      const query =
        what === 'inquiries'
          ? sql`select count(*)::int as n from timeline_entries where tenant_id = ${tenantId} and kind = 'event'`
          : sql`select count(*)::int as n from messages where tenant_id = ${tenantId} and kind = 'inquiry.follow_up'`;
      const [row] = await rows<{ n: number }>(database.db, query);
      return row?.n ?? 0;
    };
    const until = async (what: 'inquiries' | 'followUps', n: number, minutes: number, meanwhile?: () => Promise<void>) => {
      const deadline = Date.now() + minutes * 60_000;
      for (;;) {
        const have = await count(what);
        if (have >= n) return;
        if (Date.now() > deadline) throw new Error(`only ${have} of ${n} ${what} in ${minutes} minutes`);
        await (meanwhile ? meanwhile() : new Promise((r) => setTimeout(r, 500)));
      }
    };

    log(`starting ${CUSTOMERS} customers, each with an inquiry (follow-up ${WAVE_MINUTES} min later)`);
    const loadStarted = Date.now();
    await runPool(ids, 64, async (id) => {
      await client.workflow.signalWithStart<typeof customer, [unknown]>('customer', {
        taskQueue,
        workflowId: customerWorkflowId(tenantId, id),
        args: [{ tenantId, customerId: id, profile: { name: `Customer ${id}`, phone: '+15550100200', timezone }, playbook }],
        signal: customerEventSignal,
        signalArgs: [{ type: 'inquiry.received', channel: 'web', eventId: `inq-${id}`, receivedAt: new Date().toISOString() }],
      });
    });
    await until('inquiries', CUSTOMERS, 30);
    const loadSeconds = round((Date.now() - loadStarted) / 1000, 1);
    const loadedRssMb = round(rssMb(worker.pid!), 0);
    log(`${CUSTOMERS} relationships applied in ${loadSeconds} s; worker RSS ${loadedRssMb} MB`);

    const sample = sampleOf(ids, SAMPLE);
    const get = (id: string) => getState(apiPort, apiKey, id);
    const warm = await readAll(sample, get);
    log(`warm GET p50 ${warm.p50Ms} ms, p99 ${warm.p99Ms} ms`);

    // The wave: every follow-up timer fires within the spread of the load. Reads go on meanwhile.
    const during: Reading[] = [];
    let probe = 0;
    const waveStarted = Date.now();
    await until('followUps', CUSTOMERS, WAVE_MINUTES + 15, async () => {
      const slice = Array.from({ length: READ_CONCURRENCY }, () => sample[probe++ % sample.length]!);
      during.push(...(await Promise.all(slice.map(get))));
      // Paced, so the reads sample the wave rather than add a load of their own.
      await new Promise((r) => setTimeout(r, 250));
    });
    const waveSeconds = round((Date.now() - waveStarted) / 1000, 1);
    const wave = summarise(during);
    log(`all ${CUSTOMERS} follow-ups sent ${waveSeconds} s after the warm reads; GET during the wave p99 ${wave.p99Ms} ms`);
    const waveCache = await stickyCacheSize(metricsPort);
    const waveRssMb = round(rssMb(worker.pid!), 0);

    log('restarting the worker: every relationship is cold');
    await stopProcess(worker);
    worker = spawnNodeScript('worker', 'scripts/worker.ts', { ...env, REVLOOP_SDK_METRICS_PORT: '0' }, /polling task queue/);
    await worker.ready;
    const cold = await readAll(sample, get);
    const warmAgain = await readAll(sample, get);
    log(`cold GET p50 ${cold.p50Ms} ms, p99 ${cold.p99Ms} ms; warm again p99 ${warmAgain.p99Ms} ms`);

    log('reading every history for workflow-task timeouts and failures');
    const tasks = await workflowTaskProblems(client, ids.map((id) => customerWorkflowId(tenantId, id)));
    return {
      bench: 'idle-relationships',
      customers: CUSTOMERS,
      worker: { ...DEFAULT_WORKER_CAPACITY },
      loadSeconds,
      rssMb: { loaded: loadedRssMb, afterWave: waveRssMb, baseline: round(baselineRssMb, 0), perRelationship: round((loadedRssMb - baselineRssMb) / CUSTOMERS, 3) },
      cachedAfterWave: waveCache,
      getStateMs: { warm, duringWave: wave, cold, warmAgain },
      // False when the load outlasted the follow-up delay: the wave then overlapped the load.
      wave: { followUps: CUSTOMERS, seconds: waveSeconds, afterLoad: loadSeconds < WAVE_MINUTES * 60 },
      workflowTasks: tasks,
      goal: { warmP99Ms: 100, workflowTaskTimeouts: 0 },
      withinGoal: warm.p99Ms < 100 && warmAgain.p99Ms < 100 && tasks.timedOut === 0 && tasks.failed === 0 && warm.errors + wave.errors + cold.errors === 0,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  }
}

interface Reading {
  ms: number;
  ok: boolean;
}

/** Every id of `sample` read once, a few at a time. */
async function readAll(sample: string[], get: (id: string) => Promise<Reading>) {
  const readings: Reading[] = [];
  await runPool(sample, READ_CONCURRENCY, async (id) => void readings.push(await get(id)));
  return summarise(readings);
}

function summarise(readings: Reading[]) {
  const ok = readings.filter((r) => r.ok).map((r) => r.ms).sort((a, b) => a - b);
  const at = (q: number) => (ok.length ? round(ok[Math.min(ok.length - 1, Math.floor(q * ok.length))]!, 1) : null);
  return { reads: readings.length, p50Ms: at(0.5) ?? 0, p99Ms: at(0.99) ?? 0, maxMs: ok.length ? round(ok.at(-1)!, 1) : 0, errors: readings.length - ok.length };
}

/** Evenly spaced ids, so the sample spans the whole load (early and late customers alike). */
function sampleOf(ids: string[], n: number): string[] {
  return Array.from({ length: n }, (_, i) => ids[Math.floor((i * ids.length) / n)]!);
}

function getState(port: number, apiKey: string, id: string): Promise<Reading> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: `/v1/customers/${id}`, agent, headers: { authorization: `Bearer ${apiKey}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - started, ok: res.statusCode === 200 }));
    });
    req.on('error', () => resolve({ ms: performance.now() - started, ok: false }));
    req.end();
  });
}

/** Workflow tasks that timed out (a worker too slow to take or finish them) or failed, over every history. */
async function workflowTaskProblems(client: Client, workflowIds: string[]): Promise<{ timedOut: number; failed: number }> {
  const { EventType } = proto.temporal.api.enums.v1;
  let timedOut = 0;
  let failed = 0;
  await runPool(workflowIds, 16, async (workflowId) => {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    for (const event of history.events ?? []) {
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) timedOut++;
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) failed++;
    }
  });
  return { timedOut, failed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchIdleRelationships()));
  process.exit(0);
}
