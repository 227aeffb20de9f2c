import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import { ApiKeyStore } from '../../api/http/api-keys';
import { IdempotencyStore } from '../../api/http/idempotency';
import { RateLimiter } from '../../api/http/rate-limit';
import { WebhookSecretStore } from '../../api/webhooks/secrets';
import type { ApiConfig, ApiDependencies } from '../../api/dependencies';
import type { Client } from '@temporalio/client';
import type { Database } from '../../db/client';
import { SecretBox } from '../../db/sealed';

/** Failed authentications a client address may make: 30 at once, then one a second. */
export const AUTH_FAILURES = { perSecond: 1, burst: 30 };

export interface RunningApi {
  url: string;
  port: number;
  /** Stops accepting connections and waits for requests in flight to finish. */
  close(): Promise<void>;
  /** Requests being answered right now (what shutdown drains). */
  activeRequests(): number;
}

export interface ApiServerOptions extends Pick<ApiDependencies, 'logger' | 'temporalSdkMetrics' | 'now' | 'whatIf'> {
  db: Database;
  temporal: Client;
  config: ApiConfig;
  port: number;
  host?: string;
}

export async function startApiServer(options: ApiServerOptions): Promise<RunningApi> {
  const secrets = new SecretBox(options.config.secretKeys);
  const idempotency = new IdempotencyStore(options.db, secrets);
  const webhookSecrets = new WebhookSecretStore(options.db, secrets);
  const app = createApp({
    db: options.db,
    secrets,
    temporal: options.temporal,
    keys: new ApiKeyStore(options.db),
    webhookSecrets,
    idempotency,
    rateLimiter: options.config.rateLimit ? new RateLimiter(options.config.rateLimit) : undefined,
    authFailures: new RateLimiter(AUTH_FAILURES),
    config: options.config,
    logger: options.logger,
    temporalSdkMetrics: options.temporalSdkMetrics,
    ...(options.now ? { now: options.now } : {}),
    ...(options.whatIf ? { whatIf: options.whatIf } : {}),
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port, options.host ?? '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(s)));
    s.once('error', reject);
  });
  let active = 0;
  server.on('request', (_req, res) => {
    active += 1;
    res.once('close', () => (active -= 1));
  });
  server.keepAliveTimeout = 5_000;
  // Slow-loris protection: a client gets this long to send its headers and its whole request.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // Expired idempotency keys and webhook receipts past the replay window are swept hourly, off
  // the request path (a failed sweep waits for the next).
  const sweeper = setInterval(() => {
    void idempotency.prune().catch(() => {});
    void webhookSecrets.pruneReceipts().catch(() => {});
  }, 3_600_000);
  sweeper.unref();
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    port,
    activeRequests: () => active,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweeper);
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running after 10 s are cut off rather than holding shutdown forever.
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      }),
  };
}
