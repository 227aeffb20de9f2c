import { and, asc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { sealedIn, type SecretBox } from '../../db/sealed';
import { webhookReceipts, webhookSecrets } from '../../db/schema';
import type { WebhookSource } from '../../domain/webhook-payloads';
import { signedContentDigest, verifySignature } from '../../domain/webhook-signature';
import { newId, newSecret } from '../ids';

/**
 * Per-tenant, per-source signing secrets for webhooks in, and the check every delivery passes:
 * a fresh timestamp, a signature by a live secret, and a signed content not seen before.
 */

export const SIGNATURE_TOLERANCE_SECONDS = 300;
export const DEFAULT_GRACE_SECONDS = 24 * 3600;

export type WebhookCheck = { ok: true; receipt: string } | { ok: false; reason: 'malformed' | 'expired' | 'mismatch' | 'replayed' | 'no_secret' };

/** A secret with no end, or whose grace period has not run out. */
const isLive = () => or(isNull(webhookSecrets.expiresAt), gt(webhookSecrets.expiresAt, sql`now()`));

export class WebhookSecretStore {
  constructor(
    private readonly db: Database,
    /** Seals secrets at rest; a verifying HMAC needs them, so they cannot be hashed. */
    private readonly box: SecretBox,
  ) {}

  /**
   * Issues a new current secret for the source. Secrets it replaces stay valid for `graceSeconds`
   * (senders switch over in their own time); a shorter grace never extends an earlier deadline.
   */
  async rotate(tenantId: string, source: WebhookSource, graceSeconds: number) {
    const id = newId('whk');
    const secret = newSecret('whsec');
    return this.db.transaction(async (tx) => {
      const replaced = await tx
        .update(webhookSecrets)
        .set({ expiresAt: sql`least(coalesce(${webhookSecrets.expiresAt}, 'infinity'::timestamptz), now() + make_interval(secs => ${graceSeconds}))` })
        .where(and(eq(webhookSecrets.tenantId, tenantId), eq(webhookSecrets.source, source), isLive()))
        .returning({ id: webhookSecrets.id, expiresAt: webhookSecrets.expiresAt });
      const [created] = await tx.insert(webhookSecrets).values({ tenantId, id, source, secret: this.box.seal(secret, sealedIn.webhookSecret(tenantId, id)) }).returning();
      return {
        id,
        source,
        secret,
        createdAt: created!.createdAt.toISOString(),
        replaced: replaced.map((r) => ({ id: r.id, validUntil: r.expiresAt!.toISOString() })),
      };
    });
  }

  async list(tenantId: string) {
    const rows = await this.db
      .select({ id: webhookSecrets.id, source: webhookSecrets.source, createdAt: webhookSecrets.createdAt, expiresAt: webhookSecrets.expiresAt })
      .from(webhookSecrets)
      .where(and(eq(webhookSecrets.tenantId, tenantId), isLive()))
      .orderBy(asc(webhookSecrets.source), asc(webhookSecrets.createdAt));
    return rows.map((r) => ({ id: r.id, source: r.source, createdAt: r.createdAt.toISOString(), validUntil: r.expiresAt?.toISOString() ?? null }));
  }

  /** Ends a secret now (a leaked one). False when the tenant has no such live secret. */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .update(webhookSecrets)
      .set({ expiresAt: sql`now()` })
      .where(and(eq(webhookSecrets.tenantId, tenantId), eq(webhookSecrets.id, id), isLive()))
      .returning({ id: webhookSecrets.id });
    return rows.length > 0;
  }

  /**
   * Checks a delivery and records its receipt, so the same signed content is refused next time.
   * The caller forgets the receipt (`forget`) when the delivery then fails, so the sender's retry
   * of a request that changed nothing is not mistaken for a replay.
   */
  async check(tenantId: string, source: WebhookSource, rawBody: Buffer, header: string, nowSeconds: number): Promise<WebhookCheck> {
    const secrets = await this.db
      .select({ id: webhookSecrets.id, secret: webhookSecrets.secret })
      .from(webhookSecrets)
      .where(and(eq(webhookSecrets.tenantId, tenantId), eq(webhookSecrets.source, source), isLive()));
    if (secrets.length === 0) return { ok: false, reason: 'no_secret' };
    const verdict = verifySignature(
      secrets.map((s) => this.box.open(s.secret, sealedIn.webhookSecret(tenantId, s.id))),
      rawBody,
      header,
      nowSeconds,
      SIGNATURE_TOLERANCE_SECONDS,
    );
    if (verdict !== 'valid') return { ok: false, reason: verdict };
    const receipt = signedContentDigest(header, rawBody)!;
    const inserted = await this.db.insert(webhookReceipts).values({ tenantId, source, signature: receipt }).onConflictDoNothing().returning({ signature: webhookReceipts.signature });
    if (inserted.length === 0) return { ok: false, reason: 'replayed' };
    return { ok: true, receipt };
  }

  /**
   * Deletes receipts older than the tolerance window (twice over): past it the timestamp refuses a
   * replay by itself. Run now and then, off the request path (the API server does it hourly).
   */
  async pruneReceipts(): Promise<number> {
    const deleted = await this.db
      .delete(webhookReceipts)
      .where(lt(webhookReceipts.receivedAt, sql`now() - make_interval(secs => ${2 * SIGNATURE_TOLERANCE_SECONDS})`))
      .returning({ tenantId: webhookReceipts.tenantId });
    return deleted.length;
  }

  async forget(tenantId: string, source: WebhookSource, receipt: string): Promise<void> {
    await this.db.delete(webhookReceipts).where(and(eq(webhookReceipts.tenantId, tenantId), eq(webhookReceipts.source, source), eq(webhookReceipts.signature, receipt)));
  }
}
