import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { fromRoot } from './paths';

export interface NodeProcess extends ChildProcess {
  /** Resolves when the process prints its ready line; rejects if it exits first. */
  ready: Promise<void>;
  /** Everything it printed, for a failure message. */
  output(): string;
}

/**
 * Runs one of the project's TypeScript entry points as a process of its own (through tsx), the way
 * production runs a worker or an API: the bench, the chaos suite and the fault tests start, freeze
 * and kill these.
 */
export function spawnNodeScript(name: string, script: string, env: NodeJS.ProcessEnv, readyLine: RegExp, nodeArgs: string[] = [], logFile?: string): NodeProcess {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', fromRoot(script)], { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: fromRoot('.') });
  const lines: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      // Everything it printed, across restarts of the same role, for a post-mortem.
      if (logFile) appendFileSync(logFile, text);
      lines.push(text);
      if (lines.length > 200) lines.shift();
      if (readyLine.test(text)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${lines.join('')}`)));
  });
  ready.catch(() => {});
  return Object.assign(child, { ready, output: () => lines.join('') });
}

/** True while the process is stopped by a signal (SIGSTOP): its state in /proc is `T`. */
export function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces; the state follows it.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'T';
  } catch {
    return false;
  }
}
