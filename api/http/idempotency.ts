import { createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { isSealed, sealedIn, type SecretBox } from '../../db/sealed';
import { idempotencyKeys } from '../../db/schema';
import type { Reply } from './types';

/**
 * `Idempotency-Key` for writes, after Stripe's semantics: the first request with a key runs and its
 * response is kept for 24 hours; a retry with the same key and the same request gets that response
 * again; the same key with a different request is refused (422); a retry while the first is still
 * running is told to wait (409). Only successes are kept: a 4xx or 5xx changed nothing, so its
 * key is freed and a retry runs for real (unlike Stripe, which also keeps 4xx answers; keeping
 * them would write a row for a request that was refused).
 *
 * A request that crashes the process mid-way leaves its key locked until the lease runs out; the
 * same request may then take the key over and run again, which is safe because every write below
 * is idempotent by its own ids (and those ids are derived from the key, see `requestSeed`).
 */

export const IDEMPOTENCY_TTL_HOURS = 24;

export type Claim =
  | { kind: 'owner'; leaseId: string }
  | { kind: 'replay'; reply: Reply }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' };

/** Printable ASCII without spaces, as the IETF Idempotency-Key draft suggests UUIDs or similar. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export class IdempotencyStore {
  constructor(
    private readonly db: Database,
    /**
     * Seals stored responses with the server's key: a response may carry a secret (a new API key),
     * and the database alone must not reveal it, whatever Idempotency-Key a reader guesses.
     */
    private readonly box: SecretBox,
    private readonly leaseSeconds = 60,
  ) {}

  async claim(scope: string, key: string, fingerprint: string): Promise<Claim> {
    const keyHash = keyHashOf(scope, key);
    const leaseId = randomBytes(12).toString('base64url');
    const taken = await this.db
      .insert(idempotencyKeys)
      .values({
        scope,
        keyHash,
        fingerprint,
        state: 'in_flight',
        leaseId,
        lockedUntil: sql`now() + make_interval(secs => ${this.leaseSeconds})`,
        expiresAt: sql`now() + make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`,
      })
      .onConflictDoUpdate({
        target: [idempotencyKeys.scope, idempotencyKeys.keyHash],
        set: {
          fingerprint: sql`excluded.fingerprint`,
          state: 'in_flight',
          leaseId: sql`excluded.lease_id`,
          lockedUntil: sql`excluded.locked_until`,
          responseStatus: null,
          response: null,
          createdAt: sql`now()`,
          expiresAt: sql`excluded.expires_at`,
        },
        // An expired key is free for anything; an abandoned one only for the same request.
        setWhere: sql`${idempotencyKeys.expiresAt} < now() or (${idempotencyKeys.state} = 'in_flight' and ${idempotencyKeys.lockedUntil} < now() and ${idempotencyKeys.fingerprint} = excluded.fingerprint)`,
      })
      .returning({ leaseId: idempotencyKeys.leaseId });
    if (taken[0]?.leaseId === leaseId) return { kind: 'owner', leaseId };

    const [row] = await this.db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.keyHash, keyHash)));
    // Gone between the two statements (released after a failure): the client may simply retry.
    if (!row) return { kind: 'in_flight' };
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.state === 'in_flight' || row.response === null) return { kind: 'in_flight' };
    return { kind: 'replay', reply: this.openReply(key, scope, keyHash, row.response) };
  }

  async complete(scope: string, key: string, leaseId: string, reply: Reply): Promise<void> {
    const keyHash = keyHashOf(scope, key);
    await this.db
      .update(idempotencyKeys)
      .set({ state: 'completed', responseStatus: reply.status, response: this.box.seal(JSON.stringify(reply), sealedIn.idempotentReply(scope, keyHash)) })
      .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.keyHash, keyHash), eq(idempotencyKeys.leaseId, leaseId)));
  }

  private openReply(key: string, scope: string, keyHash: string, stored: string): Reply {
    return isSealed(stored) ? (JSON.parse(this.box.open(stored, sealedIn.idempotentReply(scope, keyHash))) as Reply) : decryptLegacy(key, scope, stored);
  }

  /** Frees the key after a failure that changed nothing, so a retry runs again. */
  async release(scope: string, key: string, leaseId: string): Promise<void> {
    await this.db
      .delete(idempotencyKeys)
      .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.keyHash, keyHashOf(scope, key)), eq(idempotencyKeys.leaseId, leaseId)));
  }

  /** Deletes expired keys; run now and then (the API server does it hourly). */
  async prune(): Promise<number> {
    const deleted = await this.db.delete(idempotencyKeys).where(sql`${idempotencyKeys.expiresAt} < now()`).returning({ scope: idempotencyKeys.scope });
    return deleted.length;
  }
}

/** What makes two requests "the same": route, path parameters and the exact body bytes. */
export function requestFingerprint(method: string, routePath: string, params: unknown, rawBody: Buffer | undefined): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${routePath} ${JSON.stringify(params ?? {})}\n`)
    .update(rawBody ?? Buffer.alloc(0))
    .digest('hex');
}

/**
 * A stable seed for ids the server would otherwise choose at random (a customer id, an event id),
 * so a retried request that runs again after a crash names the same things and is deduplicated.
 */
export function requestSeed(scope: string, key: string): string {
  return digest('revloop-idempotency-seed', scope, key).slice(0, 24);
}

/** How a key is stored: hashed, so the database does not hold the client's Idempotency-Key. */
function keyHashOf(scope: string, key: string): string {
  return digest('revloop-idempotency-key', scope, key);
}

function digest(purpose: string, scope: string, key: string): string {
  return createHash('sha256').update(`${purpose}\0${scope}\0${key}`).digest('hex');
}

function cipherKey(key: string, scope: string): Buffer {
  return createHash('sha256').update(`revloop-idempotency-response\0${scope}\0${key}`).digest();
}

/** Responses stored before they were sealed with the server key (kept 24 hours at most). */
function decryptLegacy(key: string, scope: string, stored: string): Reply {
  const [iv, tag, data] = stored.split('.').map((part) => Buffer.from(part, 'base64')) as [Buffer, Buffer, Buffer];
  const decipher = createDecipheriv('aes-256-gcm', cipherKey(key, scope), iv);
  decipher.setAuthTag(tag);
  return JSON.parse(Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')) as Reply;
}
