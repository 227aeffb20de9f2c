import { Client } from '@temporalio/client';
import { createLogger } from '../api/observability/logger';
import { openDatabase } from '../db/client';
import { startApiServer } from './runtime/api-server';
import { apiTemporalConnection } from './runtime/api-temporal-connection';
import { apiConfigOf, loadConfig } from './runtime/config';
import { onShutdown } from './runtime/shutdown';
import { installTemporalRuntime } from './runtime/temporal-runtime';
import { whatIfRunnerFor } from './runtime/what-if-runner';

/** `npm run api`: the HTTP API on PORT. */
const config = loadConfig();
// Refuses to start without REVLOOP_SECRET_KEY, before it connects to anything.
const apiConfig = apiConfigOf(config);
const database = await openDatabase({ url: config.databaseUrl });
// Before the first native connection: Core's logs at WARN (a call it retries while Temporal restarts).
installTemporalRuntime({ metricsAddress: undefined });
const connection = apiTemporalConnection(config.temporalAddress);
const temporal = new Client({ connection, namespace: config.namespace });
const api = await startApiServer({
  db: database.db,
  temporal,
  port: config.port,
  host: config.host,
  config: apiConfig,
  logger: createLogger(config.logLevel),
  whatIf: await whatIfRunnerFor(database.db, config.workflowBundlePath),
  // No temporalSdkMetrics: no worker runs in this process; `npm run worker` serves the SDK's own.
});
onShutdown([() => api.close(), () => connection.close(), () => database.close()]);
console.log(`revloop api: listening on ${api.url} (docs ${api.url}/docs)`);
