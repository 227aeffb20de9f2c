import { tenants } from '../db/schema';
import type { Database } from '../db/client';
import { allScopes, type ApiKeyStore, type IssuedKey } from './api-keys';
import { newId } from './ids';

/**
 * Creates a tenant and its first key (all scopes). Returns `created: false` when the id is taken,
 * without issuing a key: keys are shown once, to whoever created the tenant.
 */
export async function createTenant(
  db: Database,
  keys: ApiKeyStore,
  input: { id?: string | undefined; name: string; defaultPlaybook?: string | undefined; key?: string | undefined },
): Promise<{ created: true; tenant: { id: string; name: string; defaultPlaybook: string }; apiKey: IssuedKey } | { created: false }> {
  const id = input.id ?? newId('ten');
  return db.transaction(async (tx) => {
    const defaultPlaybook = input.defaultPlaybook ?? 'home-service';
    const inserted = await tx.insert(tenants).values({ id, name: input.name, defaultPlaybookId: defaultPlaybook }).onConflictDoNothing().returning({ id: tenants.id });
    if (inserted.length === 0) return { created: false as const };
    const apiKey = await keys.create({ tenantId: id, name: 'initial key', scopes: allScopes, ...(input.key ? { key: input.key } : {}) }, tx);
    return { created: true as const, tenant: { id, name: input.name, defaultPlaybook }, apiKey };
  });
}
