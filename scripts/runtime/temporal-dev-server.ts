import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { searchAttributeCliArgs } from './search-attributes';
import { runTemporalProcess, type RunningTemporal } from './temporal-process';
import { temporalCliPath } from './temporal-tools';

export interface DevServerOptions {
  port: number;
  /** The Temporal UI's port, or null for a headless server. */
  uiPort: number | null;
  /** SQLite file that keeps workflows across restarts; in memory when absent. */
  dbFile?: string;
  namespace?: string;
  /** Extra `--dynamic-config-value` settings, e.g. a lower continue-as-new threshold. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Where the server's own log lines go; silent by default. */
  log?: (line: string) => void;
}

export type RunningDevServer = RunningTemporal;

/**
 * Runs `temporal server start-dev` with Revloop's search attributes registered, and resolves once
 * it accepts gRPC connections.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<RunningDevServer> {
  const cli = temporalCliPath();
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'warn',
    ...searchAttributeCliArgs(),
  ];
  if (options.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort), '--ui-ip', '127.0.0.1');
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  return runTemporalProcess({
    name: 'temporal server start-dev',
    command: cli,
    args,
    address: `127.0.0.1:${options.port}`,
    uiUrl: options.uiPort === null ? null : `http://localhost:${options.uiPort}`,
    startupMs: 30_000,
    log: options.log,
  });
}

/** A TCP port nobody is listening on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
