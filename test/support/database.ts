import { randomBytes } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { inject } from 'vitest';
import { openDatabase, type Database, type DatabaseHandle } from '../../db/client';
import { messages, tenants, timelineEntries } from '../../db/schema';

/** The migrated test database (real PostgreSQL) that global setup prepared. */
export function openTestDatabase(): Promise<DatabaseHandle> {
  return openDatabase({ url: inject('databaseUrl'), maxConnections: 4 });
}

/** A tenant of its own for each test, so tests never see each other's rows. */
export async function createTestTenant(db: Database, prefix = 't'): Promise<string> {
  const id = `${prefix}-${randomBytes(6).toString('hex')}`;
  await db.insert(tenants).values({ id, name: `test tenant ${id}` });
  return id;
}

export async function messagesOf(db: Database, tenantId: string, customerId: string) {
  return messagesOfSubject(db, tenantId, 'customer', customerId);
}

export async function messagesOfSubject(db: Database, tenantId: string, subjectType: 'customer' | 'contract', subjectId: string) {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.subjectType, subjectType), eq(messages.subjectId, subjectId)))
    .orderBy(asc(messages.sentAt), asc(messages.createdAt));
}

export async function timelineOf(db: Database, tenantId: string, subjectId: string, subjectType: 'customer' | 'contract' = 'customer') {
  return db
    .select()
    .from(timelineEntries)
    .where(and(eq(timelineEntries.tenantId, tenantId), eq(timelineEntries.subjectType, subjectType), eq(timelineEntries.subjectId, subjectId)))
    .orderBy(asc(timelineEntries.occurredAt), asc(timelineEntries.position));
}
