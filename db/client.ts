import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  /** `postgres` over postgres.js, or `pglite` embedded in this process. */
  kind: 'postgres' | 'pglite';
  /** Applies every committed migration not yet applied; safe to call from several processes at once. */
  migrate(): Promise<void>;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL URL. Without one, PGlite stores its data under `pgliteDataDir`. */
  url?: string | undefined;
  /** PGlite's data directory, or `memory://` for a throwaway database. */
  pgliteDataDir?: string;
  /** Connections in the postgres.js pool. */
  maxConnections?: number;
  /**
   * Seconds to wait for a new connection (postgres.js waits 30 by default). Short, so that a
   * database that is down fails a request or a step write quickly, to be answered 503 or retried.
   */
  connectTimeoutSeconds?: number;
}

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

// Any constant works; it only has to be the same in every process that migrates.
const MIGRATION_LOCK = 7_262_000_001;

export async function openDatabase(options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  if (options.url) return openPostgres(options.url, options.maxConnections ?? 10, options.connectTimeoutSeconds ?? 5);
  return openPglite(options.pgliteDataDir ?? defaultPgliteDir());
}

export function defaultPgliteDir(): string {
  return fileURLToPath(new URL('../.data/pglite', import.meta.url));
}

function openPostgres(url: string, max: number, connectTimeout: number): DatabaseHandle {
  // JIT off: Revloop's statements are short, and PostgreSQL would spend longer compiling a report's
  // aggregate than running it.
  const client = postgres(url, { max, connect_timeout: connectTimeout, onnotice: () => {}, connection: { application_name: 'revloop', jit: 'off' } });
  const db = drizzlePostgres(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    async migrate() {
      // One connection holds an advisory lock for the whole run, so a worker and an API starting
      // together do not race to apply the same migration.
      const single = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migratePostgres(drizzlePostgres(single), { migrationsFolder });
        await single`select pg_advisory_unlock(${MIGRATION_LOCK})`;
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    async migrate() {
      await migratePglite(drizzlePglite(client), { migrationsFolder });
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await client.close();
    },
  };
}
