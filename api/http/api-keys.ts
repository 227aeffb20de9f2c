import { createHash, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { newId, newSecret } from '../ids';
import { apiKeys } from '../../db/schema';
import type { Scope, TenantAuth } from './types';

/**
 * API keys: shown once, stored as SHA-256 hashes. The keys are 256-bit random strings, so a plain
 * hash is enough (no password stretching needed) and lookups go through the unique hash index.
 * Verified keys are cached briefly so a busy client does not cost a query per request; revoking a
 * key drops it from this process's cache at once, and other API processes forget it within
 * `CACHE_MS`.
 */

export const allScopes: Scope[] = ['read', 'write', 'admin'];

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export interface KeyRequest {
  tenantId: string;
  name: string;
  scopes: Scope[];
  /** A key chosen by the operator (the dev tenant's REVLOOP_DEV_API_KEY); otherwise generated. */
  key?: string;
}

export interface IssuedKey {
  id: string;
  /** Shown once. */
  key: string;
  scopes: Scope[];
}

interface CachedKey {
  auth: TenantAuth;
  hash: string;
  expiresAt: number;
}

const CACHE_MS = 10_000;
const LAST_USED_EVERY_MS = 60_000;

export class ApiKeyStore {
  private cache = new Map<string, CachedKey>();
  private lastUsedWritten = new Map<string, number>();

  constructor(private readonly db: Database) {}

  async create(input: KeyRequest, db: Pick<Database, 'insert'> = this.db): Promise<IssuedKey> {
    const key = input.key ?? newSecret('rvl');
    const id = newId('key');
    await db.insert(apiKeys).values({ id, tenantId: input.tenantId, name: input.name, keyHash: hashKey(key), scopes: input.scopes });
    return { id, key, scopes: input.scopes };
  }

  /** A key this process verified in the last few seconds, without asking the database. */
  cached(key: string): TenantAuth | undefined {
    const hash = hashKey(key);
    const cached = this.cache.get(hash);
    return cached && cached.expiresAt > Date.now() && secretsEqual(cached.hash, hash) ? cached.auth : undefined;
  }

  /** The tenant and scopes of a live key, or undefined for an unknown or revoked one. */
  async verify(key: string): Promise<TenantAuth | undefined> {
    const hash = hashKey(key);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > now && secretsEqual(cached.hash, hash)) {
      this.touch(cached.auth.keyId, now);
      return cached.auth;
    }
    const [row] = await this.db
      .select({ id: apiKeys.id, tenantId: apiKeys.tenantId, scopes: apiKeys.scopes, keyHash: apiKeys.keyHash })
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)));
    if (!row || !secretsEqual(row.keyHash, hash)) return undefined;
    const auth: TenantAuth = { tenantId: row.tenantId, keyId: row.id, scopes: row.scopes as Scope[] };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { auth, hash, expiresAt: now + CACHE_MS });
    this.touch(row.id, now);
    return auth;
  }

  async list(tenantId: string) {
    const rows = await this.db
      .select({ id: apiKeys.id, name: apiKeys.name, scopes: apiKeys.scopes, createdAt: apiKeys.createdAt, lastUsedAt: apiKeys.lastUsedAt, revokedAt: apiKeys.revokedAt })
      .from(apiKeys)
      .where(eq(apiKeys.tenantId, tenantId))
      .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
    return rows.map((r) => ({ ...r, scopes: r.scopes as Scope[] }));
  }

  /**
   * Revokes a key of this tenant. Idempotent: revoking a revoked key is a no-op. Refuses to revoke
   * the tenant's last live admin key, which would lock the tenant out of its own key management.
   */
  async revoke(tenantId: string, keyId: string): Promise<'revoked' | 'already_revoked' | 'not_found' | 'last_admin_key'> {
    const outcome = await this.db.transaction(async (tx) => {
      // Serialises revocations within a tenant, so two concurrent ones cannot each leave "the other" admin key.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`api-keys:${tenantId}`}))`);
      const [key] = await tx.select().from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId)));
      if (!key) return 'not_found' as const;
      if (key.revokedAt) return 'already_revoked' as const;
      if (key.scopes.includes('admin')) {
        const otherAdmins = await tx
          .select({ id: apiKeys.id })
          .from(apiKeys)
          .where(and(eq(apiKeys.tenantId, tenantId), ne(apiKeys.id, keyId), isNull(apiKeys.revokedAt), sql`'admin' = any(${apiKeys.scopes})`))
          .limit(1);
        if (otherAdmins.length === 0) return 'last_admin_key' as const;
      }
      await tx.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId)));
      return 'revoked' as const;
    });
    if (outcome === 'revoked') this.forget(keyId);
    return outcome;
  }

  private forget(keyId: string): void {
    for (const [hash, cached] of this.cache) if (cached.auth.keyId === keyId) this.cache.delete(hash);
  }

  /** Records last use at most once a minute per key, off the request path. */
  private touch(keyId: string, now: number): void {
    const last = this.lastUsedWritten.get(keyId) ?? 0;
    if (now - last < LAST_USED_EVERY_MS) return;
    this.lastUsedWritten.set(keyId, now);
    this.db
      .update(apiKeys)
      .set({ lastUsedAt: new Date(now) })
      .where(eq(apiKeys.id, keyId))
      .catch(() => this.lastUsedWritten.delete(keyId));
  }
}
