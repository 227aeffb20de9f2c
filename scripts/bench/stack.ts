import { randomBytes } from 'node:crypto';
import { ApiKeyStore } from '../../api/http/api-keys';
import { createTenant } from '../../api/tenants';
import { openDatabase, type DatabaseHandle } from '../../db/client';
import { ensureLocalPostgres } from '../runtime/local-postgres';
import { freePort, startTemporalDevServer, type RunningDevServer } from '../runtime/temporal-dev-server';

/** What a bench scenario stands on: its own Temporal dev server, the bench database migrated, a fresh tenant. */
export interface BenchStack {
  server: RunningDevServer;
  database: DatabaseHandle;
  databaseUrl: string;
  tenantId: string;
  apiKey: string;
  /** Stops the server and closes the database. */
  close(): Promise<void>;
}

export async function startBenchStack(name: string): Promise<BenchStack> {
  const databaseUrl = process.env.DATABASE_URL || ensureLocalPostgres('revloop_bench');
  const server = await startTemporalDevServer({ port: await freePort(), uiPort: null });
  const database = await openDatabase({ url: databaseUrl, maxConnections: 2 }).catch(async (error) => {
    await server.stop();
    throw error;
  });
  const close = async () => {
    await database.close().catch(() => {});
    await server.stop().catch(() => {});
  };
  try {
    await database.migrate();
    const tenantId = `bench-${randomBytes(4).toString('hex')}`;
    const created = await createTenant(database.db, new ApiKeyStore(database.db), { id: tenantId, name });
    if (!created.created) throw new Error('bench tenant exists');
    return { server, database, databaseUrl, tenantId, apiKey: created.apiKey.key, close };
  } catch (error) {
    await close();
    throw error;
  }
}
