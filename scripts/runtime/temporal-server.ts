import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Long from 'long';
import { projectRoot } from './paths';
import { toolsDir } from './temporal-tools';
import { runTemporalProcess, type RunningTemporal } from './temporal-process';

/**
 * A real Temporal server (not the CLI's dev server) on PostgreSQL, persistence and SQL visibility,
 * the production shape docker-compose.yml describes. No registry ships the server binary, so
 * `npm run tools:server` builds it and `temporal-sql-tool` from the pinned Go module into
 * .tools/ (through the Go module proxy). Started with no config file, the server renders the
 * configuration template built into it from environment variables, which is what the
 * `temporalio/server` image does: running it here with compose's variables and compose's
 * dynamic config file (deploy/temporal/) is running what compose runs.
 */
export const TEMPORAL_SERVER_VERSION = '1.32.1';
const MODULE = 'go.temporal.io/server';
export const serverToolsDir = join(toolsDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
const serverBinary = join(serverToolsDir, 'temporal-server');
const sqlToolBinary = join(serverToolsDir, 'temporal-sql-tool');
const dynamicConfigFile = join(projectRoot, 'deploy', 'temporal', 'dynamicconfig.yaml');

/** The two databases and their embedded schemas, in the order compose creates them. */
export const TEMPORAL_DATABASES = [
  { database: 'temporal', schema: 'postgresql/v12/temporal' },
  { database: 'temporal_visibility', schema: 'postgresql/v12/visibility' },
] as const;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function goCommand(): string {
  for (const candidate of [process.env.REVLOOP_GO ?? 'go', '/usr/local/go/bin/go']) {
    if (spawnSync(candidate, ['version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error('Go is needed to build the Temporal server (apt install golang, or set REVLOOP_GO)');
}

export function temporalServerBuilt(): boolean {
  return isExecutable(serverBinary) && isExecutable(sqlToolBinary);
}

/** Builds the pinned server and its SQL tool into .tools/ unless they are there already. */
export function buildTemporalServer(log: (m: string) => void = () => {}): void {
  if (temporalServerBuilt()) return;
  const go = goCommand();
  const staging = mkdtempSync(join(toolsDir, 'temporal-server-build-'));
  try {
    for (const [pkg, name] of [
      ['cmd/server', 'temporal-server'],
      ['cmd/tools/sql', 'temporal-sql-tool'],
    ] as const) {
      log(`go install ${MODULE}/${pkg}@v${TEMPORAL_SERVER_VERSION} (several minutes the first time)`);
      execFileSync(go, ['install', `${MODULE}/${pkg}@v${TEMPORAL_SERVER_VERSION}`], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0' } });
      renameSync(join(staging, pkg.split('/').pop()!), join(staging, name));
    }
    rmSync(serverToolsDir, { recursive: true, force: true });
    renameSync(staging, serverToolsDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** Creates Temporal's two databases and brings their schemas to this version, as compose's setup step does. Idempotent. */
export function setupTemporalSchema(pg: PostgresTarget): void {
  const common = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--pw', pg.password];
  for (const { database, schema } of TEMPORAL_DATABASES) {
    const run = (args: string[], okIf?: RegExp) => {
      const result = spawnSync(sqlToolBinary, [...common, '--db', database, ...args], { encoding: 'utf8' });
      if (result.status !== 0 && !(okIf && okIf.test(result.stderr + result.stdout))) throw new Error(`temporal-sql-tool ${args.join(' ')} (${database}) failed:\n${result.stderr || result.stdout}`);
    };
    run(['create-database'], /already exists/);
    run(['setup-schema', '-v', '0.0'], /already exists/);
    run(['update-schema', '--schema-name', schema]);
  }
}

/** What configures the server's persistence and visibility: docker-compose.yml sets the same (a test keeps them equal). */
export function temporalServerEnvironment(pg: PostgresTarget): Record<string, string> {
  return {
    DB: 'postgres12',
    DB_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: pg.password,
    POSTGRES_SEEDS: pg.host,
    DBNAME: TEMPORAL_DATABASES[0].database,
    VISIBILITY_DBNAME: TEMPORAL_DATABASES[1].database,
  };
}

export interface TemporalServerOptions {
  postgres: PostgresTarget;
  /** The frontend's gRPC port and the others (`serverPorts`); keep them across a restart so the ring finds itself. */
  ports: Record<string, string>;
  namespace?: string;
  log?: (line: string) => void;
}

/**
 * Starts the built server with compose's environment, registers the
 * namespace if it is new, and resolves once the namespace answers.
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<RunningTemporal> {
  if (!temporalServerBuilt()) throw new Error('the Temporal server is not built: run `npm run tools:server`');
  const namespace = options.namespace ?? 'default';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...temporalServerEnvironment(options.postgres),
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfigFile,
    // One machine: every service on loopback, on ports of its own.
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...options.ports,
  };
  return runTemporalProcess({
    name: 'temporal-server',
    command: serverBinary,
    args: ['start'],
    env,
    address: `127.0.0.1:${options.ports.FRONTEND_GRPC_PORT}`,
    startupMs: 90_000,
    log: options.log,
    ready: async (connection) => {
      try {
        await connection.workflowService.describeNamespace({ namespace });
      } catch {
        await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(3 * 86_400) } }).catch((error: Error) => {
          if (!/already/i.test(error.message)) throw error;
        });
        throw new Error(`namespace ${namespace} registered; waiting for it to load`);
      }
    },
  });
}

/**
 * Every port the configuration template lets the environment set, free ones beside the frontend's. Below 32768:
 * the server keeps membership ports in a smallint column, and the kernel's ephemeral ports
 * (what port 0 hands out) are above it.
 */
export async function serverPorts(frontend: number): Promise<Record<string, string>> {
  const names = ['FRONTEND_HTTP_PORT', 'FRONTEND_MEMBERSHIP_PORT', 'HISTORY_GRPC_PORT', 'HISTORY_MEMBERSHIP_PORT', 'MATCHING_GRPC_PORT', 'MATCHING_MEMBERSHIP_PORT', 'WORKER_GRPC_PORT', 'WORKER_MEMBERSHIP_PORT'];
  const ports: Record<string, string> = { FRONTEND_GRPC_PORT: String(frontend) };
  const taken = new Set<number>();
  for (const name of names) {
    for (;;) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      if (taken.has(port) || !(await isFree(port))) continue;
      taken.add(port);
      ports[name] = String(port);
      break;
    }
  }
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
