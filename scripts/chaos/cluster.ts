import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type DatabaseHandle } from '../../db/client';
import { isStopped, spawnNodeScript, type NodeProcess } from '../runtime/processes';
import { createPrivatePostgres, type PrivatePostgres } from '../runtime/private-postgres';
import { freePort, startTemporalDevServer } from '../runtime/temporal-dev-server';
import type { RunningTemporal } from '../runtime/temporal-process';
import { buildTemporalServer, serverPorts, setupTemporalSchema, startTemporalServer, TEMPORAL_SERVER_VERSION, type PostgresTarget } from '../runtime/temporal-server';
import { bundleRevloopWorkflows } from '../runtime/worker';

/**
 * Everything Revloop runs on, as separate processes the fault suite can break: a PostgreSQL server
 * of its own, a Temporal server (the dev server on a file, or the real server on that
 * PostgreSQL; a restart keeps every workflow either way), workers and API processes. Each can be
 * killed, frozen or stopped and brought back.
 */
export interface ClusterOptions {
  workers: number;
  apis: number;
  /**
   * `dev`: the CLI's dev server on a SQLite file. `server`: the real Temporal server built from
   * its Go module (`npm run tools:server`), persisting to this cluster's PostgreSQL with SQL
   * visibility, configured as docker-compose.yml configures it.
   */
  temporal: 'dev' | 'server';
  /** Where the Temporal server's own log lines go (CHAOS_TEMPORAL_LOG); dropped when absent. */
  temporalLog?: (line: string) => void;
  /** Where each worker's and API's output is kept, one file a role (`worker-1.log`…); dropped when absent. */
  logDir?: string;
  log: (message: string) => void;
}

/** A Revloop process (worker or API) that can be killed and started again as the same role. */
export class Role {
  private child: NodeProcess | undefined;

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly env: () => NodeJS.ProcessEnv,
    private readonly readyLine: RegExp,
    private readonly logFile?: string,
  ) {}

  async start(): Promise<void> {
    this.child = spawnNodeScript(this.name, this.script, this.env(), this.readyLine, [], this.logFile);
    await this.child.ready;
  }

  /** kill -9: no shutdown, no goodbye; whatever it was doing is cut off mid-way. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (isStopped(child.pid!)) child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }

  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }
}

export class Cluster {
  readonly workers: Role[] = [];
  readonly apis: Array<Role & { url: string }> = [];
  postgres!: PrivatePostgres;
  /** The suite's own connection: it creates the tenant and reads what the lifecycles wrote. */
  database!: DatabaseHandle;
  temporal!: RunningTemporal;
  temporalAddress = '';
  readonly taskQueue = 'revloop-chaos';
  private temporalPort = 0;
  private serverPorts: Record<string, string> = {};
  private readonly dir = mkdtempSync(join(tmpdir(), 'revloop-chaos-'));
  private bundlePath = '';

  /** The workflow bundle every worker of the cluster runs (built once at start). */
  get workflowBundlePath(): string {
    return this.bundlePath;
  }

  constructor(private readonly options: ClusterOptions) {}

  async start(): Promise<void> {
    const log = this.options.log;
    this.postgres = createPrivatePostgres(await freePort());
    this.database = await openDatabase({ url: this.postgres.url, maxConnections: 4 });
    await this.database.migrate();
    log(`PostgreSQL on ${this.postgres.port}, migrated`);
    this.temporalPort = await freePort();
    if (this.options.temporal === 'server') {
      buildTemporalServer(log);
      setupTemporalSchema(this.postgresTarget());
      this.serverPorts = await serverPorts(this.temporalPort);
      log(`Temporal ${TEMPORAL_SERVER_VERSION} schema set up in PostgreSQL`);
    }
    await this.startTemporal();
    log(`${this.options.temporal === 'server' ? `Temporal server ${TEMPORAL_SERVER_VERSION} (PostgreSQL persistence and visibility)` : 'Temporal dev server'} on ${this.temporalAddress}`);
    // Bundled once: every worker (re)start loads the same code in a second instead of bundling again.
    const code = await bundleRevloopWorkflows();
    this.bundlePath = join(this.dir, 'workflows.js');
    writeFileSync(this.bundlePath, code);
    // One server key for every worker and API of the run, as a deployment shares one.
    const secretKey = randomBytes(32).toString('base64url');
    const env = (extra: Record<string, string>) => () => ({
      ...process.env,
      REVLOOP_SECRET_KEY: secretKey,
      DATABASE_URL: this.postgres.url,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      REVLOOP_SDK_METRICS_PORT: '0',
      REVLOOP_RATE_LIMIT_PER_SECOND: '0',
      LOG_LEVEL: 'warn',
      ...extra,
    });
    for (let i = 0; i < this.options.workers; i++) {
      this.workers.push(new Role(`worker ${i + 1}`, 'scripts/worker.ts', env({ REVLOOP_WORKFLOW_BUNDLE: this.bundlePath }), /polling task queue/, this.logFileOf(`worker-${i + 1}`)));
    }
    for (let i = 0; i < this.options.apis; i++) {
      const port = await freePort();
      this.apis.push(Object.assign(new Role(`api ${i + 1}`, 'scripts/api.ts', env({ PORT: String(port) }), /listening on/, this.logFileOf(`api-${i + 1}`)), { url: `http://127.0.0.1:${port}` }));
    }
    // One at a time: each start registers search attributes and loads the bundle, and the machine has two cores.
    for (const role of [...this.workers, ...this.apis]) await role.start();
    log(`${this.workers.length} worker(s) and ${this.apis.length} API process(es) up`);
  }

  private async startTemporal(): Promise<void> {
    this.temporal =
      this.options.temporal === 'server'
        ? await startTemporalServer({ postgres: this.postgresTarget(), ports: this.serverPorts, log: this.options.temporalLog })
        : await startTemporalDevServer({ port: this.temporalPort, uiPort: null, dbFile: join(this.dir, 'temporal.db'), log: this.options.temporalLog });
    this.temporalAddress = this.temporal.address;
  }

  private logFileOf(role: string): string | undefined {
    return this.options.logDir ? join(this.options.logDir, `${role}.log`) : undefined;
  }

  private postgresTarget(): PostgresTarget {
    // The private server trusts local connections; the tools insist on a password all the same.
    return { host: '127.0.0.1', port: this.postgres.port, user: 'postgres', password: 'postgres' };
  }

  /** kill -9 the Temporal server and start it again on the same storage: every workflow survives. */
  async restartTemporal(): Promise<void> {
    const exited = this.temporal.exited;
    this.temporal.process.kill('SIGKILL');
    await exited;
    await this.startTemporal();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.apis, ...this.workers].map((r) => r.stop().catch(() => {})));
    await this.temporal?.stop().catch(() => {});
    await this.database?.close().catch(() => {});
    this.postgres?.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
