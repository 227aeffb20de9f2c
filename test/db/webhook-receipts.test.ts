import { SecretBox } from '../../db/sealed';
import { TEST_SECRET_KEYS } from '../support/stack';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookSecretStore } from '../../api/webhooks/secrets';
import type { DatabaseHandle } from '../../db/client';
import { webhookReceipts } from '../../db/schema';
import { createTestTenant, openTestDatabase } from '../support/database';

describe('webhook receipts in PostgreSQL', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('sweeps receipts past twice the replay window and keeps the recent ones', async () => {
    const tenantId = await createTestTenant(database.db);
    await database.db.insert(webhookReceipts).values([
      { tenantId, source: 'payments', signature: 'old', receivedAt: new Date(Date.now() - 11 * 60_000) },
      { tenantId, source: 'payments', signature: 'recent', receivedAt: new Date(Date.now() - 60_000) },
    ]);
    expect(await new WebhookSecretStore(database.db, new SecretBox(TEST_SECRET_KEYS)).pruneReceipts()).toBeGreaterThanOrEqual(1);
    const left = await database.db.select({ signature: webhookReceipts.signature }).from(webhookReceipts).where(eq(webhookReceipts.tenantId, tenantId));
    expect(left).toEqual([{ signature: 'recent' }]);
  });
});
