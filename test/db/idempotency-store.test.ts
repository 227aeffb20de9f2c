import { SecretBox } from '../../db/sealed';
import { TEST_SECRET_KEYS } from '../support/stack';
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../../api/http/idempotency';
import type { DatabaseHandle } from '../../db/client';
import { idempotencyKeys } from '../../db/schema';
import { openTestDatabase } from '../support/database';

describe('Idempotency-Key records in PostgreSQL', () => {
  let database: DatabaseHandle;
  let store: IdempotencyStore;
  beforeAll(async () => {
    database = await openTestDatabase();
    store = new IdempotencyStore(database.db, new SecretBox(TEST_SECRET_KEYS), 60);
  });
  afterAll(async () => {
    await database?.close();
  });

  const scope = () => `scope-${randomUUID()}`;
  const age = (s: string, column: 'expires_at' | 'locked_until') =>
    database.db.execute(sql`update idempotency_keys set ${sql.raw(column)} = now() - interval '1 second' where scope = ${s}`);

  it('gives a key to one request, replays its answer, and tells apart another request', async () => {
    const s = scope();
    const first = await store.claim(s, 'k1', 'fp-a');
    expect(first.kind).toBe('owner');
    expect((await store.claim(s, 'k1', 'fp-a')).kind).toBe('in_flight');
    await store.complete(s, 'k1', (first as { leaseId: string }).leaseId, { status: 201, body: { id: 'cus_1' }, headers: { Location: '/v1/customers/cus_1' } });
    expect(await store.claim(s, 'k1', 'fp-a')).toEqual({ kind: 'replay', reply: { status: 201, body: { id: 'cus_1' }, headers: { Location: '/v1/customers/cus_1' } } });
    expect((await store.claim(s, 'k1', 'fp-b')).kind).toBe('mismatch');
    // Keys belong to their scope (tenant).
    expect((await store.claim(scope(), 'k1', 'fp-b')).kind).toBe('owner');
  });

  it('lets the same request take over a key whose holder crashed, but not a different request', async () => {
    const s = scope();
    expect((await store.claim(s, 'k2', 'fp-a')).kind).toBe('owner');
    await age(s, 'locked_until');
    expect((await store.claim(s, 'k2', 'fp-b')).kind).toBe('mismatch');
    const retaken = await store.claim(s, 'k2', 'fp-a');
    expect(retaken.kind).toBe('owner');
  });

  it('frees a key after 24 hours and sweeps expired ones', async () => {
    const s = scope();
    const claim = (await store.claim(s, 'k3', 'fp-a')) as { leaseId: string };
    await store.complete(s, 'k3', claim.leaseId, { status: 202, body: { ok: true } });
    await age(s, 'expires_at');
    expect((await store.claim(s, 'k3', 'fp-other')).kind).toBe('owner');
    await age(s, 'expires_at');
    expect(await store.prune()).toBeGreaterThanOrEqual(1);
    expect(await database.db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.scope, s)))).toEqual([]);
  });

  it('releases only with its own lease', async () => {
    const s = scope();
    const first = (await store.claim(s, 'k4', 'fp-a')) as { leaseId: string };
    await store.release(s, 'k4', 'someone-else');
    expect((await store.claim(s, 'k4', 'fp-a')).kind).toBe('in_flight');
    await store.release(s, 'k4', first.leaseId);
    expect((await store.claim(s, 'k4', 'fp-a')).kind).toBe('owner');
  });
});
