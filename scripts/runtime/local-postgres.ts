import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Starts this machine's Debian PostgreSQL cluster (installed but stopped on a fresh machine) and
 * makes the role and database Revloop needs. Used by CI, `npm test` without DATABASE_URL and
 * `npm run db:local`. Idempotent: a running cluster and existing role/database are left as they are.
 */

export const LOCAL_ROLE = 'revloop';
const LOCAL_PASSWORD = 'revloop';

function log(message: string): void {
  process.stderr.write(`revloop: ${message}\n`);
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

interface Cluster {
  version: string;
  name: string;
  port: number;
  running: boolean;
}

function clusters(): Cluster[] {
  const out = execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [version, name, port, status] = line.trim().split(/\s+/);
      return { version: version!, name: name!, port: Number(port), running: status === 'online' };
    });
}

/** Runs SQL as the postgres superuser over the local socket. */
function psqlAsSuperuser(port: number, sql: string, database = 'postgres'): string {
  const args = ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-p', String(port), '-d', database, '-c', sql];
  const asPostgres = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', 'psql', ...args]] : ['sudo', ['-n', '-u', 'postgres', 'psql', ...args]];
  return execFileSync(asPostgres[0] as string, asPostgres[1] as string[], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * Returns a URL for `database` on the local cluster, starting the cluster and creating the role
 * and database first when needed. Throws with advice when there is no local cluster to use.
 */
export function ensureLocalPostgres(database: string): string {
  if (!has('pg_lsclusters') || !has('pg_ctlcluster')) {
    throw new Error('No DATABASE_URL and no Debian PostgreSQL cluster here (pg_lsclusters not found). Set DATABASE_URL to a PostgreSQL 15+ database.');
  }
  const cluster = clusters()[0];
  if (!cluster) throw new Error('pg_lsclusters lists no cluster; create one with pg_createcluster or set DATABASE_URL.');
  if (!cluster.running) {
    log(`starting PostgreSQL ${cluster.version}/${cluster.name} on port ${cluster.port} (pg_ctlcluster)`);
    // pg_ctlcluster talks on stdout ("Removed stale pid file." after an unclean stop); our stdout is
    // the URL callers capture with $(npm run -s db:local), so its chatter goes to stderr.
    execFileSync('pg_ctlcluster', [cluster.version, cluster.name, 'start'], { stdio: ['ignore', process.stderr, 'inherit'] });
  }
  const roleExists = psqlAsSuperuser(cluster.port, `select 1 from pg_roles where rolname = '${LOCAL_ROLE}'`) === '1';
  if (!roleExists) {
    log(`creating role ${LOCAL_ROLE}`);
    psqlAsSuperuser(cluster.port, `create role ${LOCAL_ROLE} login createdb password '${LOCAL_PASSWORD}'`);
  }
  ensureDatabase(cluster.port, database);
  return localUrl(cluster.port, database);
}

function ensureDatabase(port: number, database: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`unsafe database name ${database}`);
  const exists = psqlAsSuperuser(port, `select 1 from pg_database where datname = '${database}'`) === '1';
  if (!exists) {
    log(`creating database ${database}`);
    psqlAsSuperuser(port, `create database ${database} owner ${LOCAL_ROLE}`);
  }
}

function localUrl(port: number, database: string): string {
  return `postgres://${LOCAL_ROLE}:${LOCAL_PASSWORD}@127.0.0.1:${port}/${database}`;
}
