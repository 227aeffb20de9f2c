import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities, type ActivityDependencies } from '../../activities';
import type { Database } from '../../db/client';
import { SecretBox } from '../../db/sealed';
import { registerSearchAttributes } from '../../scripts/runtime/search-attributes';
import { revloopSearchAttributes } from '../../workflows/search-attributes';

/** The time-skipping test server, from the local binary global setup resolved. */
export async function startTimeSkippingServer(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: inject('temporalTestServer'), extraArgs } });
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** A real Temporal dev server (the CLI), headless unless given a UI port, with Revloop's search attributes registered. */
export function startDevServer(extraArgs: string[] = [], uiPort?: number): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: { executable: inject('temporalCli'), searchAttributes: [...revloopSearchAttributes], extraArgs: ['--log-level', 'error', ...extraArgs], ...(uiPort ? { ui: true, uiPort } : {}) },
  });
}

/** The server key the tests' API processes and workers seal secrets with. */
export const TEST_SECRET_KEYS = { current: `test-secret-key-${randomBytes(16).toString('hex')}` };

export interface RunningWorker {
  taskQueue: string;
  worker: Worker;
  stop(): Promise<void>;
}

/** A worker on its own task queue, running the once-per-run workflow bundle and the real activities. */
export async function startWorker(env: TestWorkflowEnvironment, db: Database, taskQueue = `test-${randomBytes(4).toString('hex')}`, activities: Partial<Omit<ActivityDependencies, 'db'>> = {}): Promise<RunningWorker> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: createActivities({ db, secrets: new SecretBox(TEST_SECRET_KEYS), ...activities }),
  });
  const running = worker.run();
  return {
    taskQueue,
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}

/**
 * A query that gives up after `ms` instead of waiting forever. The time-skipping test server now
 * and then drops a query that arrives while a workflow task is in flight (about one run in six of
 * the playbook-adoption test) and, with it, leaves time skipping locked: the next attempt is
 * answered at once, but every later `env.sleep` waits in real time. Seen with a probe: after a
 * lost query the workflow sat on a timer with nothing pending and one `unlockTimeSkipping` let
 * the sleep finish at once. So a query past its deadline gives that lock back before it fails
 * (and the polling helper asks again).
 */
export async function queryWithin<T>(handle: { client: { connection: unknown } }, ms: number, ask: () => Promise<T>): Promise<T> {
  const connection = handle.client.connection as { withDeadline<R>(deadline: number, fn: () => Promise<R>): Promise<R>; testService?: { unlockTimeSkipping(request: object): Promise<unknown> } };
  const deadline = Date.now() + ms;
  try {
    return await connection.withDeadline(deadline, ask);
  } catch (error) {
    // Failed at its deadline: the query was lost, not refused.
    if (Date.now() >= deadline) await connection.testService?.unlockTimeSkipping({}).catch(() => undefined);
    throw error;
  }
}
