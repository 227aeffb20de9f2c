import { join } from 'node:path';
import { openDatabase } from '../db/client';
import { backfillLeakage } from './backfill/leakage';
import { loadConfig } from './runtime/config';

/** `npm run backfill:leakage [-- --tenant <id>]`: see scripts/backfill/leakage.ts. Prints one JSON line. */
const config = loadConfig();
const at = process.argv.indexOf('--tenant');
// The same database as `npm run dev` (its PGlite) unless DATABASE_URL names another; stop dev first when it is PGlite.
const database = await openDatabase({ url: config.databaseUrl, pgliteDataDir: join(config.dataDir, 'pglite') });
try {
  await database.migrate();
  console.log(JSON.stringify(await backfillLeakage(database.db, at > 0 && process.argv[at + 1] ? { tenantId: process.argv[at + 1]! } : {})));
} finally {
  await database.close();
}
