import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '../db/client';
import { startApiServer } from './runtime/api-server';
import { loadConfig } from './runtime/config';
import { onShutdown } from './runtime/shutdown';

/** `npm run api`: the HTTP API on PORT. */
const config = loadConfig();
const database = await openDatabase({ url: config.databaseUrl });
const connection = await Connection.connect({ address: config.temporalAddress });
const temporal = new Client({ connection, namespace: config.namespace });
const api = await startApiServer({
  db: database.db,
  temporal,
  port: config.port,
  config: { namespace: config.namespace, taskQueue: config.taskQueue, temporalUiUrl: config.temporalUiUrl, adminToken: config.adminToken },
});
onShutdown([() => api.close(), () => connection.close(), () => database.close()]);
console.log(`revloop api: listening on ${api.url} (docs ${api.url}/docs)`);
