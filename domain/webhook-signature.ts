import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Revloop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.<raw body>">`, the same scheme
 * for webhooks Revloop sends and webhooks it receives. A header may carry several `v1` values (a
 * sender signing with an old and a new secret during rotation). Not for workflow code (node:crypto).
 */
export function signPayload(secret: string, body: string | Buffer, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${mac(secret, unixSeconds, body)}`;
}

export type SignatureCheck = 'valid' | 'malformed' | 'expired' | 'mismatch';

export function verifySignature(
  secrets: string | readonly string[],
  body: string | Buffer,
  header: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): SignatureCheck {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return 'malformed';
  if (Math.abs(nowSeconds - parsed.t) > toleranceSeconds) return 'expired';
  const given = parsed.v1.map((hex) => Buffer.from(hex, 'hex'));
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    const expected = Buffer.from(mac(secret, parsed.t, body), 'hex');
    // Check every candidate without stopping early, so timing says nothing about which one matched.
    let matched = false;
    for (const candidate of given) matched = timingSafeEqual(candidate, expected) || matched;
    if (matched) return 'valid';
  }
  return 'mismatch';
}

/**
 * What a replay repeats: the signed content (timestamp and body), whichever secret signed it.
 * Two deliveries with the same `t` and body are the same delivery.
 */
export function signedContentDigest(header: string, body: string | Buffer): string | undefined {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return undefined;
  return createHash('sha256').update(`${parsed.t}.`).update(body).digest('hex');
}

function parseSignatureHeader(header: string): { t: number; v1: string[] } | undefined {
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const [name, value = ''] = part.trim().split('=', 2) as [string, string?];
    if (name === 't' && /^[0-9]{1,12}$/.test(value)) t = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) v1.push(value);
  }
  return t === undefined || v1.length === 0 || v1.length > 8 ? undefined : { t, v1 };
}

function mac(secret: string, unixSeconds: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.`).update(body).digest('hex');
}
