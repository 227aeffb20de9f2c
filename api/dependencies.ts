import type { Client } from '@temporalio/client';
import type { Database } from '../db/client';
import type { ApiKeyStore } from './api-keys';

export interface ApiConfig {
  namespace: string;
  taskQueue: string;
  /** Base of deep links into the Temporal UI, e.g. http://localhost:8233. */
  temporalUiUrl: string;
  /** Operator token for `POST /v1/tenants`; without one, tenant creation is disabled. */
  adminToken?: string | undefined;
}

export interface ApiDependencies {
  db: Database;
  temporal: Client;
  keys: ApiKeyStore;
  config: ApiConfig;
}
