import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import { ApiKeyStore } from '../../api/api-keys';
import type { ApiConfig } from '../../api/dependencies';
import type { Client } from '@temporalio/client';
import type { Database } from '../../db/client';

export interface RunningApi {
  url: string;
  port: number;
  /** Stops accepting connections and waits for requests in flight to finish. */
  close(): Promise<void>;
}

export async function startApiServer(options: { db: Database; temporal: Client; config: ApiConfig; port: number; host?: string }): Promise<RunningApi> {
  const app = createApp({ db: options.db, temporal: options.temporal, keys: new ApiKeyStore(options.db), config: options.config });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port, options.host ?? '0.0.0.0', (error?: Error) => (error ? reject(error) : resolve(s)));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 5_000;
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running after 10 s are cut off rather than holding shutdown forever.
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      }),
  };
}
