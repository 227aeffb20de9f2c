import { randomBytes } from 'node:crypto';
import { ApiKeyStore } from '../../api/http/api-keys';
import { createTenant } from '../../api/tenants';
import { openDatabase, type DatabaseHandle } from '../../db/client';
import { ensureLocalPostgres } from '../runtime/local-postgres';
import { freePort, startTemporalDevServer, type RunningDevServer } from '../runtime/temporal-dev-server';

/** The bench database (DATABASE_URL, or the local cluster's `revloop_bench`), migrated, with a fresh tenant. */
export interface BenchTenant {
  database: DatabaseHandle;
  databaseUrl: string;
  tenantId: string;
  apiKey: string;
}

export async function openBenchTenant(name: string, maxConnections = 2): Promise<BenchTenant> {
  const databaseUrl = process.env.DATABASE_URL || ensureLocalPostgres('revloop_bench');
  const database = await openDatabase({ url: databaseUrl, maxConnections });
  try {
    await database.migrate();
    const tenantId = `bench-${randomBytes(4).toString('hex')}`;
    const created = await createTenant(database.db, new ApiKeyStore(database.db), { id: tenantId, name });
    if (!created.created) throw new Error('bench tenant exists');
    return { database, databaseUrl, tenantId, apiKey: created.apiKey.key };
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
}

/** What a bench scenario on the dev server stands on: its own Temporal dev server and a bench tenant. */
export interface BenchStack extends BenchTenant {
  server: RunningDevServer;
  /** Stops the server and closes the database. */
  close(): Promise<void>;
}

export async function startBenchStack(name: string): Promise<BenchStack> {
  const server = await startTemporalDevServer({ port: await freePort(), uiPort: null });
  const tenant = await openBenchTenant(name).catch(async (error) => {
    await server.stop();
    throw error;
  });
  return {
    ...tenant,
    server,
    async close() {
      await tenant.database.close().catch(() => {});
      await server.stop().catch(() => {});
    },
  };
}
