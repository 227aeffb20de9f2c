import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { WebhookTargets } from '../../activities/outbound-address';
import type { Database } from '../../db/client';
import { SecretBox, type SecretKeys } from '../../db/sealed';

export const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface RevloopWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Database;
  /** The server key the API seals secrets with (REVLOOP_SECRET_KEY); the worker opens the outbound webhook secret. */
  secretKeys: SecretKeys;
  /** Which addresses tenants' webhooks may reach (public ones by default). */
  webhookTargets?: WebhookTargets;
  /** A pre-built bundle (tests build one per run); otherwise the worker bundles workflows/ at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The one worker definition used by `npm run worker`, `npm run dev`, the tests and the bench. */
export async function createRevloopWorker(options: RevloopWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities({ db: options.db, secrets: new SecretBox(options.secretKeys), ...(options.webhookTargets ? { webhookTargets: options.webhookTargets } : {}) }),
  });
}
