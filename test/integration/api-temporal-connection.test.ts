import { Client } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { isTemporalUnavailable } from '../../api/http/temporal-errors';
import { apiTemporalConnection } from '../../scripts/runtime/api-temporal-connection';
import { freePort, startTemporalDevServer, type RunningDevServer } from '../../scripts/runtime/temporal-dev-server';
import '../support/quiet-runtime';

describe("the API's Temporal connection (native client, connected on demand)", () => {
  const servers: RunningDevServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  it('answers UNAVAILABLE at once while Temporal is not up, connects once it is, and refuses again once closed', async () => {
    const port = await freePort();
    const connection = apiTemporalConnection(`127.0.0.1:${port}`);
    const client = new Client({ connection });
    const handle = client.workflow.getHandle('no-such-customer');

    // Not up yet: the API can start, and answers 503 (nothing changed) instead of hanging.
    const early = await client.workflow.start('customer', { taskQueue: 'nobody-polls', workflowId: 'first' }).catch((e: unknown) => e);
    expect(isTemporalUnavailable(early)).toBe(true);
    expect(isTemporalUnavailable(await handle.signal('event').catch((e: unknown) => e))).toBe(true);

    servers.push(await startTemporalDevServer({ port, uiPort: null }));
    // The next call connects: a start is recorded, and an unknown workflow is not found (404), not unavailable.
    const started = await client.workflow.start('customer', { taskQueue: 'nobody-polls', workflowId: 'first' });
    expect((await started.describe()).status.name).toBe('RUNNING');
    const missing = await handle.signal('event').catch((e: unknown) => e);
    expect(isTemporalUnavailable(missing)).toBe(false);
    expect((missing as Error).name).toBe('WorkflowNotFoundError');

    await connection.close();
    expect(isTemporalUnavailable(await started.describe().catch((e: unknown) => e))).toBe(true);
  });
});
