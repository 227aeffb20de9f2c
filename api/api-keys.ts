import { createHash, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/client';
import { newId, newSecret } from './ids';
import { apiKeys } from '../db/schema';
import type { Scope, TenantAuth } from './route';

/**
 * API keys: shown once, stored as SHA-256 hashes. The keys are 256-bit random strings, so a plain
 * hash is enough (no password stretching needed) and lookups go through the unique hash index.
 * Verified keys are cached briefly so a busy webhook does not cost a query per request.
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
