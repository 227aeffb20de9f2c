import { describe, expect, it } from 'vitest';
import { isPublicAddress, webhookTargetIssue } from '../../activities/outbound-address';

describe('where a tenant webhook may point', () => {
  it.each([
    ['8.8.8.8', true],
    ['93.184.216.34', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['127.255.0.9', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.31.255.255', false],
    ['172.32.0.1', true],
    ['192.168.1.1', false],
    ['169.254.169.254', false], // cloud metadata
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['not-an-address', false],
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it('judges URLs by the addresses their hosts resolve to, unless the operator allows any', async () => {
    expect(await webhookTargetIssue('http://127.0.0.1:8233/', 'public')).toContain('non-public');
    expect(await webhookTargetIssue('http://localhost:3000/metrics', 'public')).toContain('non-public');
    expect(await webhookTargetIssue('http://[::1]/', 'public')).toContain('non-public');
    expect(await webhookTargetIssue('https://93.184.216.34/hooks', 'public')).toBeNull();
    expect(await webhookTargetIssue('http://127.0.0.1:8233/', 'any')).toBeNull();
  });
});
