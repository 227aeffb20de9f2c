import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/client';
import { customers, tenants, timelineEntries } from '../../db/schema';

const expectedTables = ['api_keys', 'customers', 'invoice_lines', 'invoices', 'jobs', 'messages', 'messaging_settings', 'payments', 'playbooks', 'tasks', 'tenants', 'timeline_entries'];

async function tablesOf(handle: DatabaseHandle): Promise<string[]> {
  const rows = await handle.db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
  );
  const list = Array.isArray(rows) ? rows : (rows as unknown as { rows: { table_name: string }[] }).rows;
  return list.map((r) => r.table_name);
}

/** The same committed migrations build the same schema on PostgreSQL and on PGlite, and re-running them is a no-op. */
async function checkMigrations(handle: DatabaseHandle) {
  await handle.migrate();
  await handle.migrate();
  expect(await tablesOf(handle)).toEqual(expect.arrayContaining(expectedTables));

  await handle.db.insert(tenants).values({ id: 'acme', name: 'Acme' });
  await handle.db.insert(customers).values({ tenantId: 'acme', id: 'c1', name: 'C', timezone: 'UTC', playbookId: 'hvac', playbookVersion: 1, stage: 'inquiry', currency: 'USD' });
  const entry = { tenantId: 'acme', subjectType: 'customer' as const, subjectId: 'c1', id: 'evt-1', kind: 'event' as const, type: 'inquiry.received', summary: 's', occurredAt: new Date(), seq: 1 };
  await handle.db.insert(timelineEntries).values(entry);
  // The timeline's key is what makes a redelivered event land once.
  await expect(handle.db.insert(timelineEntries).values(entry)).rejects.toThrow();
  const again = await handle.db.insert(timelineEntries).values(entry).onConflictDoNothing().returning();
  expect(again).toEqual([]);
}

describe('database migrations', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** A new, empty PostgreSQL database next to the test database, dropped after the file. */
  async function throwawayDatabase(): Promise<string> {
    const url = new URL(inject('databaseUrl'));
    const name = `revloop_migrate_${randomBytes(4).toString('hex')}`;
    const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    cleanups.push(async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    });
    url.pathname = `/${name}`;
    return url.toString();
  }

  it('apply to a fresh PostgreSQL database', async () => {
    const handle = await openDatabase({ url: await throwawayDatabase(), maxConnections: 2 });
    cleanups.push(() => handle.close());
    expect(handle.kind).toBe('postgres');
    await checkMigrations(handle);
  });

  it('apply to an embedded PGlite database', async () => {
    const handle = await openDatabase({ pgliteDataDir: 'memory://' });
    cleanups.push(() => handle.close());
    expect(handle.kind).toBe('pglite');
    await checkMigrations(handle);
  });

  it('serialise concurrent migrators on PostgreSQL', async () => {
    const url = await throwawayDatabase();
    const handles = await Promise.all([1, 2, 3].map(() => openDatabase({ url, maxConnections: 1 })));
    cleanups.push(async () => void (await Promise.all(handles.map((h) => h.close()))));
    await Promise.all(handles.map((h) => h.migrate()));
    expect(await tablesOf(handles[0]!)).toEqual(expect.arrayContaining(expectedTables));
  });
});
