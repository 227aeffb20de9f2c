import type { Client } from '@temporalio/client';
import type { Database } from '../db/client';
import type { SecretBox, SecretKeys } from '../db/sealed';
import type { ApiKeyStore } from './http/api-keys';
import type { Logger } from './observability/logger';
import type { IdempotencyStore } from './http/idempotency';
import type { RateLimiter, RateLimitSettings } from './http/rate-limit';
import type { WebhookSecretStore } from './webhooks/secrets';
import type { WhatIfRunner } from '../simulation/runner-types';

export interface ApiConfig {
  namespace: string;
  taskQueue: string;
  /** Base of deep links into the Temporal UI, e.g. http://localhost:8233. */
  temporalUiUrl: string;
  /** Operator token for `POST /v1/tenants`; without one, tenant creation is disabled. */
  adminToken?: string | undefined;
  /** Per-key request budget; undefined turns rate limiting off (the bench does). */
  rateLimit?: RateLimitSettings | undefined;
  /** A request still running after this long is answered 503 (it may still finish; see Idempotency-Key). */
  requestTimeoutMs?: number | undefined;
  /** The server's key (REVLOOP_SECRET_KEY) and the ones it replaced, for secrets sealed at rest. */
  secretKeys: SecretKeys;
  /** Which addresses a tenant's webhook URL may reach: public ones unless the operator allows `any`. */
  webhookTargets?: 'public' | 'any' | undefined;
  /** Where the API answers the public (REVLOOP_PUBLIC_URL): an email sent from here (a stand-in for a bounced text) links back to it to unsubscribe. */
  publicUrl?: string | undefined;
}

export interface ApiDependencies {
  db: Database;
  temporal: Client;
  keys: ApiKeyStore;
  webhookSecrets: WebhookSecretStore;
  idempotency: IdempotencyStore;
  /** Seals and opens secrets kept in PostgreSQL. */
  secrets: SecretBox;
  rateLimiter?: RateLimiter | undefined;
  /**
   * Failed authentications per client address (bad keys, operator tokens, webhook signatures).
   * Once an address has used its budget it is answered 429 before any lookup, but for keys this
   * process verified moments ago.
   */
  authFailures?: RateLimiter | undefined;
  config: ApiConfig;
  /**
   * The lifecycle's "now", ms since epoch: the wall clock, except in tests on Temporal's
   * time-skipping server, where the API must judge dates (usage "in the future") by workflow time.
   */
  now?: () => Promise<number>;
  /** Request logs; without one the app logs nothing (tests). */
  logger?: Logger | undefined;
  /**
   * The Temporal SDK's own Prometheus text, appended to `GET /metrics`. Only `npm run dev` sets it,
   * where the worker runs in the API's process; a separate worker serves it on its own port.
   */
  temporalSdkMetrics?: (() => Promise<string>) | undefined;
  /** Runs `POST /v1/playbooks/{id}/simulate`; absent where no time-skipping test server is installed (answered 503). */
  whatIf?: WhatIfRunner | undefined;
}

/** The lifecycle's "now": Temporal's clock where the deps say so (tests on the time-skipping server), else the wall's. */
export async function nowOf(deps: Pick<ApiDependencies, 'now'>): Promise<number> {
  return deps.now ? deps.now() : Date.now();
}
