import type { Database } from '../../db/client';
import type { WhatIfRunner } from '../../simulation/runner-types';
import { resolveTemporalTool } from './temporal-tools';

/**
 * The runner behind `POST /v1/playbooks/{id}/simulate`, where this machine has the time-skipping
 * test server (`npm run tools:install`, or TEMPORAL_TEST_SERVER_PATH); undefined otherwise, and
 * the route answers 503. Loaded only then: the API needs no Temporal worker code without it.
 */
export async function whatIfRunnerFor(db: Database, workflowBundlePath?: string): Promise<WhatIfRunner | undefined> {
  const testServer = resolveTemporalTool('testServer', { install: false });
  if (testServer.source === 'download') return undefined;
  const { createWhatIfRunner } = await import('../../simulation/runner');
  return createWhatIfRunner({ db, testServer: testServer.executable, workflowBundlePath });
}
