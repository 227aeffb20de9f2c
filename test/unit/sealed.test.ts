import { describe, expect, it } from 'vitest';
import { SecretBox, isSealed, sealedIn } from '../../db/sealed';

const OLD = 'an-old-server-key-of-at-least-32-characters';
const NEW = 'the-new-server-key-of-at-least-32-characters';

describe('SecretBox: secrets sealed with the server key', () => {
  const context = sealedIn.messagingWebhookSecret('acme');

  it('opens what it sealed, and nothing copied to another row', () => {
    const box = new SecretBox({ current: NEW });
    const sealed = box.seal('whsec_abc', context);
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('whsec_abc');
    expect(box.open(sealed, context)).toBe('whsec_abc');
    expect(() => box.open(sealed, sealedIn.messagingWebhookSecret('globex'))).toThrow();
  });

  it('seals twice to two different strings', () => {
    const box = new SecretBox({ current: NEW });
    expect(box.seal('same', context)).not.toBe(box.seal('same', context));
  });

  it('after a rotation opens old values while the old key is listed as previous, and seals with the new one', () => {
    const sealedBefore = new SecretBox({ current: OLD }).seal('whsec_abc', context);
    const rotated = new SecretBox({ current: NEW, previous: [OLD] });
    expect(rotated.open(sealedBefore, context)).toBe('whsec_abc');
    expect(new SecretBox({ current: NEW }).open(rotated.seal('whsec_abc', context), context)).toBe('whsec_abc');
    expect(() => new SecretBox({ current: NEW }).open(sealedBefore, context)).toThrow(/REVLOOP_SECRET_KEYS_PREVIOUS/);
  });

  it('reads a value stored before sealing existed as it is', () => {
    expect(new SecretBox({ current: NEW }).open('whsec_plain', context)).toBe('whsec_plain');
  });

  it('refuses a short key', () => {
    expect(() => new SecretBox({ current: 'short' })).toThrow(/32 characters/);
  });
});
