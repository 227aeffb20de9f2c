import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { WebhookTargets } from '../../activities/outbound-address';
import type { Database } from '../../db/client';
import { SecretBox, type SecretKeys } from '../../db/sealed';
import { DEFAULT_WORKER_CAPACITY, type WorkerCapacity } from './config';

export const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

/**
 * Workflow code is loaded once per worker and shared by every workflow it runs (the SDK's
 * `preloadModules`), not evaluated again for each: a cached relationship then costs its own state,
 * not another copy of ~80 modules. That is safe because nothing at module level in workflows/ or
 * domain/ changes after load (test/unit/workflow-bundle.test.ts keeps it so). Every bundle —
 * worker start, tests, chaos — is built with these options.
 */
export const workflowBundlerOptions = { preloadModules: [workflowsPath] };

/**
 * The workflow bundle's code, built in this process with those options: for the scripts that run
 * workers of their own (bench, chaos, what-if). Webpack's progress stays quiet; its warnings and
 * errors do not.
 */
export async function bundleRevloopWorkflows(): Promise<string> {
  const noop = () => {};
  const logger = { trace: noop, debug: noop, info: noop, log: noop, warn: console.warn, error: console.error };
  return (await bundleWorkflowCode({ workflowsPath, ...workflowBundlerOptions, logger })).code;
}

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
  /** The API's public address, for unsubscribe links in emails. */
  publicUrl?: string;
  /** Cache size and task slots; DEFAULT_WORKER_CAPACITY when not given. */
  capacity?: WorkerCapacity;
}

/** The one worker definition used by `npm run worker`, `npm run dev`, the tests and the bench. */
export async function createRevloopWorker(options: RevloopWorkerOptions): Promise<Worker> {
  const capacity = options.capacity ?? DEFAULT_WORKER_CAPACITY;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath, bundlerOptions: workflowBundlerOptions }),
    maxCachedWorkflows: capacity.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: capacity.workflowTaskSlots,
    maxConcurrentActivityTaskExecutions: capacity.activityTaskSlots,
    activities: createActivities({
      db: options.db,
      secrets: new SecretBox(options.secretKeys),
      ...(options.webhookTargets ? { webhookTargets: options.webhookTargets } : {}),
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    }),
  });
}
