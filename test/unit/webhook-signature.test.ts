import { describe, expect, it } from 'vitest';
import { signedContentDigest, signPayload, verifySignature } from '../../domain/webhook-signature';

describe('Revloop-Signature', () => {
  const body = '{"id":"CA1","type":"call.missed","from":"+15550001111"}';
  const t = 1_790_000_000;

  it('accepts a signature by any live secret, including one of several v1 values', () => {
    const header = signPayload('old', body, t);
    expect(verifySignature(['new', 'old'], body, header, t + 10)).toBe('valid');
    const both = `${signPayload('new', body, t)},v1=${header.split('v1=')[1]}`;
    expect(verifySignature(['old'], body, both, t)).toBe('valid');
    expect(verifySignature(['other'], body, both, t)).toBe('mismatch');
  });

  it('refuses a changed body, a stale or future timestamp and a malformed header', () => {
    const header = signPayload('s', body, t);
    expect(verifySignature('s', body.replace('CA1', 'CA2'), header, t)).toBe('mismatch');
    expect(verifySignature('s', body, header, t + 301)).toBe('expired');
    expect(verifySignature('s', body, header, t - 301)).toBe('expired');
    for (const bad of ['', 'v1=abc', `t=${t}`, `t=x,v1=${'0'.repeat(64)}`, `t=${t},v1=${'g'.repeat(64)}`]) expect(verifySignature('s', body, bad, t)).toBe('malformed');
  });

  it('names a delivery by what was signed, so the same content signed by another secret is still a replay', () => {
    expect(signedContentDigest(signPayload('a', body, t), body)).toBe(signedContentDigest(signPayload('b', body, t), body));
    expect(signedContentDigest(signPayload('a', body, t), body)).not.toBe(signedContentDigest(signPayload('a', body, t + 1), body));
  });
});
