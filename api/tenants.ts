import { eq } from 'drizzle-orm';
import { tenants } from '../db/schema';
import type { Database } from '../db/client';
import { allScopes, type ApiKeyStore, type IssuedKey } from './http/api-keys';
import { newId } from './ids';

/**
 * Creates a tenant and its first key (all scopes). Returns `created: false` when the id is taken,
 * without issuing a key: keys are shown once, to whoever created the tenant.
 */
export async function createTenant(
  db: Database,
  keys: ApiKeyStore,
  input: { id?: string | undefined; name: string; defaultPlaybook?: string | undefined; timezone?: string | undefined; key?: string | undefined },
): Promise<{ created: true; tenant: { id: string; name: string; defaultPlaybook: string; timezone: string | null }; apiKey: IssuedKey } | { created: false }> {
  const id = input.id ?? newId('ten');
  return db.transaction(async (tx) => {
    const defaultPlaybook = input.defaultPlaybook ?? 'home-service';
    const timezone = input.timezone ?? null;
    const inserted = await tx.insert(tenants).values({ id, name: input.name, defaultPlaybookId: defaultPlaybook, timezone }).onConflictDoNothing().returning({ id: tenants.id });
    if (inserted.length === 0) return { created: false as const };
    const apiKey = await keys.create({ tenantId: id, name: 'initial key', scopes: allScopes, ...(input.key ? { key: input.key } : {}) }, tx);
    return { created: true as const, tenant: { id, name: input.name, defaultPlaybook, timezone }, apiKey };
  });
}

/** What a tenant lends the customers and contracts created under it when they name nothing else. */
export interface TenantDefaults {
  defaultPlaybookId: string;
  timezone: string | null;
}

export async function tenantDefaults(db: Database, tenantId: string): Promise<TenantDefaults> {
  const [row] = await db.select({ defaultPlaybookId: tenants.defaultPlaybookId, timezone: tenants.timezone }).from(tenants).where(eq(tenants.id, tenantId));
  return row ?? { defaultPlaybookId: 'home-service', timezone: null };
}

/** A recipient's zone: their own, else the business's, else the playbook's default. */
export async function timezoneFor(db: Database, tenantId: string, own: string | undefined, playbookDefault: string): Promise<string> {
  if (own) return own;
  return (await tenantDefaults(db, tenantId)).timezone ?? playbookDefault;
}
