import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/runtime/temporal-dev-server';
import { fromRoot } from '../../scripts/runtime/paths';
import { eventually } from '../support/eventually';

interface DevStack {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  dataDir: string;
}

/** `npm run dev` as a terminal runs it: its own process group, npm at the top, PGlite in a data directory of its own. */
async function startDev(): Promise<DevStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'revloop-dev-'));
  const [port, temporalPort, temporalUiPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), TEMPORAL_PORT: String(temporalPort), TEMPORAL_UI_PORT: String(temporalUiPort), REVLOOP_DATA_DIR: dataDir };
  // The stack's own settings, not the test run's.
  for (const name of ['DATABASE_URL', 'REVLOOP_SDK_METRICS_PORT', 'REVLOOP_SECRET_KEY', 'TEMPORAL_ADDRESS']) delete env[name];
  const child = spawn('npm', ['run', '--silent', 'dev'], { cwd: fromRoot('.'), env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (c) => (text += c));
  child.stderr!.on('data', (c) => (text += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => text, exited, dataDir };
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run dev as a terminal runs it', () => {
  const started: DevStack[] = [];
  afterAll(() => {
    for (const dev of started) {
      if (groupAlive(dev.child.pid!)) process.kill(-dev.child.pid!, 'SIGKILL');
      rmSync(dev.dataDir, { recursive: true, force: true });
    }
  });

  it('runs twice side by side on other ports, and Ctrl-C (SIGINT to the process group) stops each in order', async () => {
    const devs = [await startDev(), await startDev()];
    started.push(...devs);
    for (const dev of devs) {
      await eventually(() => dev.output(), { timeoutMs: 100_000, intervalMs: 200, until: (o) => o.includes('revloop dev: ready') || o.includes('could not start') });
      expect(dev.output()).toContain('revloop dev: ready');
    }
    // Each keeps its state, and the server key it made, in its own data directory.
    for (const dev of devs) {
      expect(dev.output()).toContain(`PGlite in ${join(dev.dataDir, 'pglite')}`);
      expect(readFileSync(join(dev.dataDir, 'secret-key'), 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    }

    for (const dev of devs) process.kill(-dev.child.pid!, 'SIGINT');
    for (const dev of devs) {
      await dev.exited;
      await eventually(() => groupAlive(dev.child.pid!), { timeoutMs: 30_000, until: (alive) => !alive });
      const output = dev.output();
      expect(output).toContain('revloop: SIGINT received, shutting down…');
      expect(output).toContain('revloop: stopped');
      expect(output).not.toContain('shutdown step failed');
      expect(output).not.toContain('exiting without finishing');
    }
  }, 180_000);
});
