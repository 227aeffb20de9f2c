import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets kept in PostgreSQL (webhook signing secrets, stored idempotent responses) are sealed
 * with the server's key (REVLOOP_SECRET_KEY): AES-256-GCM, bound to the row they belong to, so
 * someone who can read the database, or a backup of it, cannot read them, nor move one to
 * another row. A value sealed under a key that has since been rotated out still opens while that
 * key is listed in REVLOOP_SECRET_KEYS_PREVIOUS; values written before sealing existed are read
 * as they are and sealed when next written.
 */
const PREFIX = 'sealed:v1:';

export interface SecretKeys {
  current: string;
  previous?: readonly string[];
}

interface Key {
  id: string;
  bytes: Buffer;
}

function derive(secret: string): Key {
  const bytes = createHash('sha256').update(`revloop-secret-key\0${secret}`).digest();
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 8), bytes };
}

export class SecretBox {
  private readonly current: Key;
  private readonly byId: Map<string, Key>;

  constructor(keys: SecretKeys) {
    if (keys.current.length < 32) throw new Error('the secret key must be at least 32 characters');
    this.current = derive(keys.current);
    this.byId = new Map([this.current, ...(keys.previous ?? []).map(derive)].map((k) => [k.id, k]));
  }

  /** `context` names the row the value belongs to; opening it elsewhere fails. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.bytes, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.current.id}:${[iv, cipher.getAuthTag(), data].map((b) => b.toString('base64')).join(':')}`;
  }

  /**
   * A tag that proves this server made `text` (an unsubscribe link): HMAC-SHA256 under the
   * current key, prefixed with its id so a tag made before a rotation still verifies.
   */
  sign(text: string): string {
    return `${this.current.id}.${createHmac('sha256', this.current.bytes).update(text).digest('base64url')}`;
  }

  verify(text: string, tag: string): boolean {
    const [keyId, mac] = tag.split('.');
    const key = keyId ? this.byId.get(keyId) : undefined;
    if (!key || !mac) return false;
    const expected = Buffer.from(createHmac('sha256', key.bytes).update(text).digest('base64url'));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  open(stored: string, context: string): string {
    if (!isSealed(stored)) return stored;
    const [keyId, iv, tag, data] = stored.slice(PREFIX.length).split(':') as [string, string, string, string];
    const key = this.byId.get(keyId);
    if (!key) throw new Error(`sealed under key ${keyId}, which this server does not have (REVLOOP_SECRET_KEYS_PREVIOUS)`);
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  }
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** What each sealed value is bound to: its own row, so a copied value opens nowhere else. */
export const sealedIn = {
  webhookSecret: (tenantId: string, id: string) => `webhook-secret:${tenantId}:${id}`,
  messagingWebhookSecret: (tenantId: string) => `messaging-webhook-secret:${tenantId}`,
  smtpPassword: (tenantId: string) => `smtp-password:${tenantId}`,
  idempotentReply: (scope: string, keyHash: string) => `idempotent-response:${scope}:${keyHash}`,
} as const;
