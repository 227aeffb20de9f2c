import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { allScopes, hashKey, type ApiKeyStore } from '../../api/http/api-keys';
import { createTenant } from '../../api/tenants';
import type { Database } from '../../db/client';
import { apiKeys } from '../../db/schema';

export const DEV_TENANT = 'dev';

/**
 * The dev tenant and a key for it: REVLOOP_DEV_API_KEY when set, else the key generated on the
 * first run and kept in .data/dev-api-key (gitignored), so restarts print the same key.
 */
export async function ensureDevTenant(db: Database, keys: ApiKeyStore, options: { keyFile: string; key?: string | undefined }): Promise<string> {
  const remembered = existsSync(options.keyFile) ? readFileSync(options.keyFile, 'utf8').trim() : undefined;
  const wanted = options.key ?? remembered;
  const created = await createTenant(db, keys, { id: DEV_TENANT, name: 'Development', ...(wanted ? { key: wanted } : {}) });
  let key: string;
  if (created.created) {
    key = created.apiKey.key;
  } else if (wanted) {
    const [row] = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.keyHash, hashKey(wanted)));
    if (!row) await keys.create({ tenantId: DEV_TENANT, name: 'dev key', scopes: allScopes, key: wanted });
    key = wanted;
  } else {
    key = (await keys.create({ tenantId: DEV_TENANT, name: 'dev key', scopes: allScopes })).key;
  }
  if (!options.key) writeFileSync(options.keyFile, `${key}\n`, { mode: 0o600 });
  return key;
}
