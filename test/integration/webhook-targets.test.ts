import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack, type TenantClient } from '../support/stack';

/** A tenant's webhook URL cannot make the worker a probe of the network it runs in. */
describe('webhook targets (dev server, worker, API, PostgreSQL)', () => {
  let stack: Stack;
  let acme: TenantClient;

  beforeAll(async () => {
    stack = await startStack();
    acme = await stack.tenant('Reach Co');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each(['http://127.0.0.1:8233/', 'http://localhost:3000/metrics', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.5/', 'http://[::1]:7233/', 'http://[::ffff:127.0.0.1]/'])(
    'refuses %s with 422 and keeps the outbox',
    async (webhookUrl) => {
      const answer = await acme.request('PUT', '/v1/messaging', { transport: 'webhook', webhookUrl });
      expect(answer.status).toBe(422);
      expect(answer.body.errors[0].path).toBe('body.webhookUrl');
      expect((await acme.request('GET', '/v1/messaging')).body.transport).toBe('outbox');
    },
  );

  it('takes a public address', async () => {
    const answer = await acme.request('PUT', '/v1/messaging', { transport: 'webhook', webhookUrl: 'https://93.184.216.34/revloop' });
    expect(answer.status).toBe(200);
    expect(answer.body.webhookSecret).toMatch(/^whsec_/);
  });
});
