import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { createWhatIfRunner } from '../../simulation/runner';
import type { Logger } from '../../api/observability/logger';
import type { ApiConfig } from '../../api/dependencies';
import type { DatabaseHandle } from '../../db/client';
import { startApiServer, type RunningApi } from '../../scripts/runtime/api-server';
import { apiTemporalConnection } from '../../scripts/runtime/api-temporal-connection';
import { openTestDatabase } from './database';
import { TEST_SECRET_KEYS, startDevServer, startTimeSkippingServer, startWorker, type RunningWorker } from './temporal';

export { TEST_SECRET_KEYS };

export const ADMIN_TOKEN = `admin-${randomBytes(16).toString('hex')}`;

export interface Stack {
  env: TestWorkflowEnvironment;
  database: DatabaseHandle;
  worker: RunningWorker;
  api: RunningApi;
  /** Creates a tenant through the API and returns a fetch bound to its key. */
  tenant(name?: string, options?: { timezone?: string }): Promise<TenantClient>;
  stop(): Promise<void>;
}

export interface TenantClient {
  tenantId: string;
  key: string;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
}

/**
 * What a frontend talks to: the Temporal dev server (or, for stories that span years, the
 * time-skipping server), a worker, the HTTP API and PostgreSQL, all real.
 */
export async function startStack(options: { timeSkipping?: boolean; logger?: Logger; api?: Partial<ApiConfig>; activities?: Parameters<typeof startWorker>[3]; serverArgs?: string[]; uiPort?: number } = {}): Promise<Stack> {
  const env = options.timeSkipping ? await startTimeSkippingServer(options.serverArgs) : await startDevServer(options.serverArgs, options.uiPort);
  const database = await openTestDatabase();
  const worker = await startWorker(env, database.db, undefined, options.activities);
  // The API's own connection, as production has it; on the time-skipping server the environment's
  // client, which lets the server skip time while the API waits on a workflow.
  const apiConnection = options.timeSkipping ? undefined : apiTemporalConnection(env.address);
  const api = await startApiServer({
    db: database.db,
    temporal: apiConnection ? new Client({ connection: apiConnection }) : env.client,
    port: 0,
    host: '127.0.0.1',
    config: { namespace: 'default', taskQueue: worker.taskQueue, temporalUiUrl: 'http://localhost:8233', adminToken: ADMIN_TOKEN, secretKeys: TEST_SECRET_KEYS, ...options.api },
    logger: options.logger,
    // On the time-skipping server the lifecycle's clock is Temporal's, not the wall's.
    ...(options.timeSkipping ? { now: () => env.currentTimeMs() } : {}),
    whatIf: createWhatIfRunner({ db: database.db, testServer: inject('temporalTestServer'), workflowBundlePath: inject('workflowBundlePath') }),
  });
  const stack: Stack = {
    env,
    database,
    worker,
    api,
    async tenant(name = 'Test HVAC Co', options = {}) {
      const created = await call(api.url, ADMIN_TOKEN, 'POST', '/v1/tenants', { name, ...options });
      if (created.status !== 201) throw new Error(`tenant creation failed: ${created.status} ${JSON.stringify(created.body)}`);
      const key = created.body.apiKey.key as string;
      return { tenantId: created.body.tenant.id, key, request: (method, path, body, headers) => call(api.url, key, method, path, body, headers) };
    },
    async stop() {
      await api.close();
      await apiConnection?.close();
      await worker.stop();
      await env.teardown();
      await database.close();
    },
  };
  return stack;
}

export async function call(baseUrl: string, key: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(key ? { Authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined && typeof body !== 'string' ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed as any, headers: response.headers };
}
