import { createDecipheriv, createHash } from 'node:crypto';
import { eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeys, messagingSettings, webhookSecrets } from '../../db/schema';
import { startStack, type Stack, type TenantClient } from '../support/stack';

/**
 * Someone who reads the database, or a backup of it, learns no secret: webhook secrets in and out
 * and stored idempotent responses are sealed with the server's key, which PostgreSQL never sees.
 */
describe('secrets at rest (dev server, worker, API, PostgreSQL)', () => {
  let stack: Stack;
  let acme: TenantClient;

  beforeAll(async () => {
    stack = await startStack({ api: { webhookTargets: 'any' } });
    acme = await stack.tenant('Sealed Co');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps the outbound webhook secret sealed, and shows it only once', async () => {
    const secret = 'whsec_chosen_by_the_tenant_0123456789';
    const put = await acme.request('PUT', '/v1/messaging', { transport: 'webhook', webhookUrl: 'http://127.0.0.1:9/hooks', webhookSecret: secret });
    expect(put.status).toBe(200);
    const [row] = await stack.database.db.select().from(messagingSettings).where(eq(messagingSettings.tenantId, acme.tenantId));
    expect(row!.webhookSecret).toMatch(/^sealed:v1:/);
    expect(row!.webhookSecret).not.toContain(secret);
    expect((await acme.request('GET', '/v1/messaging')).body).toEqual({ transport: 'webhook', webhookUrl: 'http://127.0.0.1:9/hooks', webhookSecretSet: true });
  });

  it('keeps inbound webhook secrets sealed', async () => {
    const rotated = await acme.request('POST', '/v1/webhook-secrets', { source: 'payments' });
    expect(rotated.status).toBe(201);
    const [row] = await stack.database.db.select().from(webhookSecrets).where(eq(webhookSecrets.id, rotated.body.id));
    expect(row!.secret).toMatch(/^sealed:v1:/);
    expect(row!.secret).not.toContain(rotated.body.secret);
  });

  it('stores a reply that carries a new API key so that guessing the Idempotency-Key does not open it', async () => {
    const created = await acme.request('POST', '/v1/api-keys', { name: 'reporting', scopes: ['read'] }, { 'Idempotency-Key': '1' });
    expect(created.status).toBe(201);
    const newKey = created.body.key as string;
    // The retry still gets the same key back: the server can open what it sealed.
    const again = await acme.request('POST', '/v1/api-keys', { name: 'reporting', scopes: ['read'] }, { 'Idempotency-Key': '1' });
    expect(again.body.key).toBe(newKey);

    const rows = await stack.database.db.select({ scope: idempotencyKeys.scope, response: idempotencyKeys.response }).from(idempotencyKeys).where(isNotNull(idempotencyKeys.response));
    const stored = rows.filter((r) => r.scope.includes(acme.tenantId)) as Array<{ scope: string; response: string }>;
    expect(stored).toHaveLength(1);
    const { scope, response } = stored[0]!;
    expect(response).toMatch(/^sealed:v1:/);
    expect(response).not.toContain(newKey);
    // What a reader of the database could try with the old scheme (a key derived from the guess): it fails.
    expect(() => openAsBefore(response.slice('sealed:v1:'.length).split(':').slice(1).join('.'), '1', scope)).toThrow();
  });
});

/** The earlier scheme: AES-GCM under sha256(purpose, scope, Idempotency-Key). */
function openAsBefore(stored: string, guess: string, scope: string): string {
  const [iv, tag, data] = stored.split('.').map((part) => Buffer.from(part, 'base64')) as [Buffer, Buffer, Buffer];
  const key = createHash('sha256').update(`revloop-idempotency-response\0${scope}\0${guess}`).digest();
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
}
