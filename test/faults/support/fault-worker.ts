import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { installQuietTemporalRuntime } from '../../../scripts/runtime/temporal-runtime';
import { createActivities } from '../../../activities';
import { openDatabase } from '../../../db/client';
import { SecretBox } from '../../../db/sealed';
import { workflowBundlerOptions, workflowsPath } from '../../../scripts/runtime/worker';

/**
 * A worker process that freezes itself (SIGSTOP, as an operator's `kill -STOP` or a stalled VM
 * would) at a chosen moment, for the fault tests:
 *
 *   FAULT_FREEZE=activity:<text>  right after an activity (local or not) whose input mentions
 *                                 <text> has done its work, before it reports back;
 *   FAULT_FREEZE=before-activity:<text>  just before such an activity does its work: resumed,
 *                                 it does it late, long after Temporal gave its attempt up
 *                                 (it prints `fault-worker: late activity done` then);
 *   FAULT_FREEZE=workflow:<text>  right after a workflow activation that handled event <text>,
 *                                 before the workflow task's completion reaches the server.
 *
 * It freezes once; the test resumes it (SIGCONT) or kills it.
 */
installQuietTemporalRuntime();

const [mode, match] = (process.env.FAULT_FREEZE ?? ':').split(/:(.*)/s) as [string, string];
let frozen = false;
function freeze(): void {
  if (frozen) return;
  frozen = true;
  process.stdout.write('fault-worker: freezing\n');
  process.kill(process.pid, 'SIGSTOP');
}

const database = await openDatabase({ url: process.env.DATABASE_URL! });
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const { code } = await bundleWorkflowCode({
  workflowsPath,
  ...workflowBundlerOptions,
  workflowInterceptorModules: [fileURLToPath(new URL('./freeze-interceptor.ts', import.meta.url))],
  logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
});
const worker = await Worker.create({
  connection,
  taskQueue: process.env.TASK_QUEUE!,
  workflowBundle: { code },
  // Each poll a frozen worker has open takes a task it will never run, at the price of a timeout:
  // as few as the SDK allows, so a test waits for as few of them as possible.
  maxConcurrentWorkflowTaskPolls: 2,
  maxConcurrentActivityTaskPolls: 1,
  // No cache, so no sticky queue: a frozen worker would otherwise hold every workflow it ran.
  maxCachedWorkflows: 0,
  activities: createActivities({ db: database.db, secrets: new SecretBox({ current: process.env.REVLOOP_SECRET_KEY ?? 'fault-worker-key-that-seals-nothing-here' }) }),
  interceptors: {
    activity: [
      () => ({
        inbound: {
          async execute(input, next) {
            const matches = JSON.stringify(input.args).includes(match);
            if (mode === 'before-activity' && matches && !frozen) {
              freeze();
              const result = await next(input);
              process.stdout.write('fault-worker: late activity done\n');
              return result;
            }
            const result = await next(input);
            if (mode === 'activity' && matches) freeze();
            return result;
          },
        },
      }),
    ],
  },
  sinks: {
    faults: {
      handled: {
        fn: (_info, eventId: string) => {
          if (mode === 'workflow' && eventId === match) freeze();
        },
        callDuringReplay: false,
      },
    },
  },
});
process.stdout.write('fault-worker: polling\n');
await worker.run();
