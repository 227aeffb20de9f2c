import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment, type EphemeralServerExecutable } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Database } from '../db/client';
import { SecretBox } from '../db/sealed';
import { registerSearchAttributes } from '../scripts/runtime/search-attributes';
import { withoutWorkflowStackTraces } from '../scripts/runtime/workflow-stack-traces';
import { SentLog } from './sent-log';

export interface ScratchServerOptions {
  db: Database;
  /** The time-skipping test server to run on (`resolveTemporalTool('testServer').executable`). */
  testServer: EphemeralServerExecutable;
  workflowBundle: { code: string } | { codePath: string };
  /** Seals nothing here, but the activities need one. */
  secretKey?: string;
}

/** What a replay runs with: the server, the task queue its worker polls, and where its clock began. */
export interface ScratchServer {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  serverStart: number;
  /** What its runs have sent so far, from the worker's committed step writes. */
  sent: SentLog;
}

/**
 * A time-skipping server of its own and a worker with the real workflows and activities, for as
 * long as `replay` runs; torn down after. Answers where the server's clock began.
 */
export async function onScratchServer(options: ScratchServerOptions, replay: (server: ScratchServer) => Promise<void>): Promise<number> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: options.testServer } });
  try {
    await registerSearchAttributes(env.connection, 'default');
    const taskQueue = `whatif-${randomBytes(4).toString('hex')}`;
    const sent = new SentLog();
    const activities = createActivities({ db: options.db, secrets: new SecretBox({ current: options.secretKey ?? randomBytes(32).toString('base64url') }) });
    const worker = await withoutWorkflowStackTraces(() =>
      Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: options.workflowBundle,
        activities: {
          ...activities,
          // The same write; once it has committed, its messages are in the log the replies model reads.
          recordProgress: async (input: Parameters<typeof activities.recordProgress>[0]) => {
            const result = await activities.recordProgress(input);
            sent.record(input);
            return result;
          },
        },
      }),
    );
    const serverStart = Number(await env.currentTimeMs());
    await worker.runUntil(replay({ env, taskQueue, serverStart, sent }));
    return serverStart;
  } finally {
    await env.teardown().catch(() => undefined);
  }
}
