import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ApiKeyStore } from '../api/http/api-keys';
import { createLogger } from '../api/observability/logger';
import { temporalSdkMetricsFrom } from '../api/observability/sdk-metrics';
import { join } from 'node:path';
import { openDatabase } from '../db/client';
import { startApiServer } from './runtime/api-server';
import { apiTemporalConnection } from './runtime/api-temporal-connection';
import { apiConfigOf, loadConfig } from './runtime/config';
import { ensureDevSecretKey } from './runtime/dev-secret-key';
import { ensureDevTenant } from './runtime/dev-tenant';
import { onShutdown } from './runtime/shutdown';
import { startTemporalDevServer } from './runtime/temporal-dev-server';
import { installTemporalRuntime } from './runtime/temporal-runtime';
import { createRevloopWorker } from './runtime/worker';
import { whatIfRunnerFor } from './runtime/what-if-runner';

/**
 * `npm run dev`: everything on one machine with embedded defaults. The Temporal dev server runs as
 * a child process (its SQLite file under .data/); the worker and the API run in this process, which
 * also lets them share PGlite, an in-process database, when DATABASE_URL is unset.
 */
const loaded = loadConfig();
// Without REVLOOP_SECRET_KEY, dev seals secrets with a key it keeps beside its data.
const config = { ...loaded, secretKeys: loaded.secretKeys ?? { current: ensureDevSecretKey(join(loaded.dataDir, 'secret-key')), previous: [] } };
const say = (m: string) => process.stdout.write(`${m}\n`);
const steps: Array<() => Promise<void>> = [];
const stop = onShutdown(steps);

try {
  installTemporalRuntime({ metricsAddress: config.devSdkMetricsAddress });
  say('revloop dev: starting the Temporal dev server…');
  const temporalServer = await startTemporalDevServer({
    port: config.temporalPort,
    uiPort: config.temporalUiPort,
    dbFile: join(config.dataDir, 'temporal.db'),
    namespace: config.namespace,
    log: (line) => {
      // A Ctrl-C reaches the dev server too; what it logs while everything stops is not news.
      if (/level=(ERROR|FATAL)/.test(line) && !stop.isStopping()) process.stderr.write(`[temporal] ${line}\n`);
    },
  });
  steps.unshift(() => temporalServer.stop());
  void temporalServer.exited.then((code) => stop(`the Temporal dev server exited (code ${code})`, 1));

  const pgliteDir = join(config.dataDir, 'pglite');
  const database = await openDatabase({ url: config.databaseUrl, pgliteDataDir: pgliteDir });
  steps.unshift(() => database.close());
  await database.migrate();
  say(`revloop dev: database ready (${database.kind === 'pglite' ? `PGlite in ${pgliteDir}` : 'PostgreSQL from DATABASE_URL'})`);

  const keys = new ApiKeyStore(database.db);
  const devKey = await ensureDevTenant(database.db, keys, { keyFile: join(config.dataDir, 'dev-api-key'), key: config.devApiKey });

  const nativeConnection = await NativeConnection.connect({ address: temporalServer.address });
  steps.unshift(() => nativeConnection.close());
  const worker = await createRevloopWorker({ connection: nativeConnection, namespace: config.namespace, taskQueue: config.taskQueue, db: database.db, secretKeys: config.secretKeys, webhookTargets: config.webhookTargets, publicUrl: config.publicUrl, capacity: config.worker });
  const workerRun = worker.run();
  steps.unshift(async () => {
    // The SDK also reacts to SIGINT/SIGTERM by itself; ask only if it has not begun already.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
  });
  void workerRun.catch((error) => {
    console.error('revloop dev: worker failed:', error);
    void stop('the worker failed', 1);
  });

  const connection = apiTemporalConnection(temporalServer.address);
  steps.unshift(() => connection.close());
  const api = await startApiServer({
    db: database.db,
    temporal: new Client({ connection, namespace: config.namespace }),
    port: config.port,
    host: config.host,
    config: apiConfigOf(config, temporalServer.uiUrl ?? config.temporalUiUrl),
    logger: createLogger(config.logLevel),
    whatIf: await whatIfRunnerFor(database.db, config.workflowBundlePath),
    // The worker runs in this process, so its SDK metrics join the API's on one /metrics.
    temporalSdkMetrics: config.devSdkMetricsAddress ? temporalSdkMetricsFrom(config.devSdkMetricsAddress) : undefined,
  });
  steps.unshift(() => api.close());

  say('');
  say(`  API          ${api.url}      (GET /healthz)`);
  say(`  API docs     ${api.url}/docs`);
  say(`  Dashboard    ${api.url}/dashboard   (sign in with the key below)`);
  say(`  Temporal UI  ${temporalServer.uiUrl}`);
  say(`  Dev tenant   dev`);
  say(`  API key      ${devKey}`);
  say('');
  say(`  curl -s -X POST ${api.url}/v1/customers -H "Authorization: Bearer ${devKey}" \\`);
  say(`       -H 'Content-Type: application/json' -d '{"id":"jane","name":"Jane Doe","phone":"+15551230000","playbook":"hvac"}'`);
  say('');
  say('revloop dev: ready — Ctrl-C stops everything');
} catch (error) {
  console.error(`revloop dev: could not start: ${(error as Error).message}`);
  await stop('start-up failed', 1);
}
