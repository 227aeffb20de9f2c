import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Revloop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.<raw body>">`, the same scheme
 * for webhooks Revloop sends and webhooks it receives. Not for workflow code (it uses node:crypto).
 */
export function signPayload(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export function verifySignature(secret: string, body: string, header: string, nowSeconds: number, toleranceSeconds = 300): 'valid' | 'malformed' | 'expired' | 'mismatch' {
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!parts.t || !Number.isInteger(t) || !parts.v1 || !/^[0-9a-f]{64}$/.test(parts.v1)) return 'malformed';
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return 'expired';
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'mismatch';
}
