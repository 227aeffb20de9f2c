import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { rows } from '../../api/reports/query';
import { customerWorkflowId } from '../../domain/ids';
import { findBuiltinPlaybook } from '../../playbooks';
import type { customer } from '../../workflows/customer';
import { customerEventSignal } from '../../workflows/definitions';
import { spawnNodeScript } from '../runtime/processes';
import { freePort } from '../runtime/temporal-dev-server';
import { round, runPool } from './pool';
import { startBenchStack } from './stack';
import { rssMb, stickyCacheSize } from './worker-probe';

/**
 * What a relationship costs a worker to keep in memory: one `npm run worker` process (its own
 * process, as in production) takes relationships in until it holds each level of
 * BENCH_CACHED (default "1000,3000"), each with an inquiry applied and its follow-ups waiting on
 * a timer, and its resident memory is read from /proc at every level. Goal: ≤ 0.3 MB each.
 * Prints one JSON line.
 */
const LEVELS = (process.env.BENCH_CACHED ?? '1000,3000').split(',').map(Number);
const WARM = 20;
const log = (m: string) => process.stderr.write(`bench cached: ${m}\n`);

export async function benchCachedRelationships(): Promise<Record<string, unknown>> {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  try {
    const stack = await startBenchStack('Bench cached');
    cleanups.push(() => stack.close());
    const { server, database, databaseUrl, tenantId } = stack;

    const taskQueue = `bench-cache-${randomBytes(3).toString('hex')}`;
    const metricsPort = await freePort();
    const worker = spawnNodeScript(
      'worker',
      'scripts/worker.ts',
      {
        ...process.env,
        DATABASE_URL: databaseUrl,
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        REVLOOP_SECRET_KEY: randomBytes(32).toString('base64url'),
        REVLOOP_SDK_METRICS_PORT: String(metricsPort),
        // Room for every level: the measure is of workflows held, not evicted.
        REVLOOP_MAX_CACHED_WORKFLOWS: String(Math.max(...LEVELS) + WARM + 100),
      },
      /polling task queue/,
    );
    cleanups.push(() => void worker.kill('SIGTERM'));
    await worker.ready;

    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    const playbook = findBuiltinPlaybook('home-service')!;
    let started = 0;
    const grow = async (to: number) => {
      const ids = Array.from({ length: to - started }, (_, i) => `cached-${started + i}`);
      await runPool(ids, 32, async (id) => {
        const handle = await client.workflow.start<typeof customer>('customer', {
          taskQueue,
          workflowId: customerWorkflowId(tenantId, id),
          args: [{ tenantId, customerId: id, profile: { name: `Customer ${id}`, timezone: 'America/Chicago' }, playbook }],
        });
        await handle.signal(customerEventSignal, { type: 'inquiry.received', channel: 'web', eventId: `inq-${id}`, receivedAt: new Date().toISOString() });
      });
      started = to;
      await untilApplied(to);
    };
    const untilApplied = async (count: number) => {
      const deadline = Date.now() + 15 * 60_000;
      for (;;) {
        const [row] = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from timeline_entries where tenant_id = ${tenantId} and kind = 'event'`);
        if ((row?.n ?? 0) >= count) return;
        if (Date.now() > deadline) throw new Error(`only ${row?.n} of ${count} inquiries applied in 15 minutes`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    // A settled figure: the lowest of a few readings a second apart (V8 returns memory lazily).
    const settledRss = async () => {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        samples.push(rssMb(worker.pid!));
      }
      return Math.min(...samples);
    };

    log(`warming the worker with ${WARM} relationships`);
    await grow(WARM);
    const baselineMb = await settledRss();
    const levels = [];
    for (const level of LEVELS) {
      log(`growing to ${level} cached relationships`);
      const t = Date.now();
      await grow(level + WARM);
      const mb = await settledRss();
      levels.push({
        cached: level,
        cacheSize: await stickyCacheSize(metricsPort),
        rssMb: round(mb, 1),
        perRelationshipMb: round((mb - baselineMb) / level, 3),
        secondsToLoad: round((Date.now() - t) / 1000, 1),
      });
    }
    return { bench: 'cached-relationships', baselineRssMb: round(baselineMb, 1), levels, targetMbEach: 0.3, withinTarget: levels.every((l) => l.perRelationshipMb <= 0.3) };
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchCachedRelationships()));
  process.exit(0);
}
