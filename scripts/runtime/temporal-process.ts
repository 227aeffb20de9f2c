import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';

/** A Temporal server process Revloop started: the dev server or a real server. */
export interface RunningTemporal {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  /** Resolves when the server process exits for any reason. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface TemporalProcessOptions {
  /** What to call it in errors: "temporal server start-dev", "temporal-server". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The frontend's gRPC address, host:port. */
  address: string;
  uiUrl?: string | null;
  startupMs: number;
  /** Beyond answering gRPC: what must hold before it is ready (a namespace registered, say). */
  ready?: (connection: Connection) => Promise<void>;
  /** Where the server's own log lines go; silent by default. */
  log?: (line: string) => void;
}

/**
 * Spawns a Temporal server and resolves once its frontend answers (and `ready` holds), keeping
 * its last log lines for the error when it exits or never answers.
 */
export async function runTemporalProcess(options: TemporalProcessOptions): Promise<RunningTemporal> {
  const child = spawn(options.command, options.args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  const output: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      if (output.length > 50) output.shift();
      options.log?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const deadline = Date.now() + options.startupMs;
  for (;;) {
    if (hasExited) throw new Error(`${options.name} exited during start-up:\n${output.join('\n')}`);
    try {
      const connection = await Connection.connect({ address: options.address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        await options.ready?.(connection);
      } finally {
        await connection.close();
      }
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${options.name} was not ready on ${options.address} within ${options.startupMs / 1000} s: ${(error as Error).message}\n${output.join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  return {
    address: options.address,
    uiUrl: options.uiUrl ?? null,
    process: child,
    exited,
    async stop() {
      if (hasExited) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
