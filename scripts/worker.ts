import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { openDatabase } from '../db/client';
import { loadConfig, requireSecretKeys } from './runtime/config';
import { registerSearchAttributes } from './runtime/search-attributes';
import { onShutdown } from './runtime/shutdown';
import { installTemporalRuntime } from './runtime/temporal-runtime';
import { createRevloopWorker } from './runtime/worker';

/** `npm run worker`: runs workflows and activities on the `revloop` task queue. */
const config = loadConfig();
const secretKeys = requireSecretKeys(config);
installTemporalRuntime({ metricsAddress: config.sdkMetricsAddress });
const database = await openDatabase({ url: config.databaseUrl });
const registered = await withClientConnection(config.temporalAddress, (c) => registerSearchAttributes(c, config.namespace));
if (registered.length) console.log(`revloop worker: registered search attributes ${registered.join(', ')}`);
const connection = await NativeConnection.connect({ address: config.temporalAddress });
const worker = await createRevloopWorker({
  connection,
  namespace: config.namespace,
  taskQueue: config.taskQueue,
  db: database.db,
  secretKeys,
  webhookTargets: config.webhookTargets,
  publicUrl: config.publicUrl,
  capacity: config.worker,
  ...(config.workflowBundlePath ? { workflowBundle: { codePath: config.workflowBundlePath } } : {}),
});
const stop = onShutdown([
  async () => {
    // The SDK also reacts to SIGINT/SIGTERM by itself; ask only if it has not begun already.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  },
  () => connection.close(),
  () => database.close(),
]);
const running = worker.run();
console.log(`revloop worker: polling task queue "${config.taskQueue}" on ${config.temporalAddress} (${database.kind})`);
if (config.sdkMetricsAddress) console.log(`revloop worker: Temporal SDK metrics on http://${config.sdkMetricsAddress}/metrics`);
running.catch((error) => {
  console.error('revloop worker failed:', error);
  void stop('worker failed', 1);
});

async function withClientConnection<T>(address: string, use: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}
