import type { SecretBox } from '../db/sealed';

/**
 * The unsubscribe link in every email: a token naming the tenant, the customer or contract and
 * the channel, signed by the server key, so following it needs no sign-in and cannot be forged
 * for somebody else. `GET /v1/unsubscribe?token=…` records `contact.opted_out` for that channel.
 */
export interface UnsubscribeRef {
  tenantId: string;
  subjectType: 'customer' | 'contract';
  subjectId: string;
  channel: string;
}

export function unsubscribeToken(secrets: SecretBox, ref: UnsubscribeRef): string {
  const payload = Buffer.from(JSON.stringify([ref.tenantId, ref.subjectType, ref.subjectId, ref.channel])).toString('base64url');
  return `${payload}.${secrets.sign(`unsubscribe:${payload}`)}`;
}

/** The reference a token names, or undefined when this server did not sign it. */
export function readUnsubscribeToken(secrets: SecretBox, token: string): UnsubscribeRef | undefined {
  const [payload, keyId, mac] = token.split('.');
  if (!payload || !keyId || !mac || !secrets.verify(`unsubscribe:${payload}`, `${keyId}.${mac}`)) return undefined;
  try {
    const [tenantId, subjectType, subjectId, channel] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as string[];
    if (!tenantId || (subjectType !== 'customer' && subjectType !== 'contract') || !subjectId || !channel) return undefined;
    return { tenantId, subjectType, subjectId, channel };
  } catch {
    return undefined;
  }
}
