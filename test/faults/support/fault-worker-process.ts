import { inject } from 'vitest';
import { isStopped, spawnNodeScript, type NodeProcess } from '../../../scripts/runtime/processes';
import { eventually } from '../../support/eventually';

export interface FaultWorker {
  process: NodeProcess;
  /** Resolves once the worker has frozen itself at its fault. */
  frozen(): Promise<void>;
  /** Lets a frozen worker go on, as a stalled machine would; its stale work reaches the server late. */
  resume(): void;
  /** Resolves once the worker printed `line` (see fault-worker.ts). */
  printed(line: string): Promise<void>;
  kill(): Promise<void>;
}

/** Starts test/faults/support/fault-worker.ts on `taskQueue`, set to freeze at `freeze` (see there). */
export async function startFaultWorker(options: { address: string; taskQueue: string; freeze: string }): Promise<FaultWorker> {
  const child = spawnNodeScript(
    'fault worker',
    'test/faults/support/fault-worker.ts',
    { ...process.env, DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: options.address, TASK_QUEUE: options.taskQueue, FAULT_FREEZE: options.freeze },
    /fault-worker: polling/,
  );
  await child.ready;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    frozen: () => eventually(() => isStopped(child.pid!), { until: (stopped) => stopped, timeoutMs: 30_000 }).then(() => undefined),
    resume: () => void child.kill('SIGCONT'),
    printed: (line) => eventually(() => child.output().includes(line), { until: (seen) => seen, timeoutMs: 30_000 }).then(() => undefined),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
