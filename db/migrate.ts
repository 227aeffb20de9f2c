import { openDatabase } from './client';

/** `npm run db:migrate`: applies committed migrations to DATABASE_URL, or to the dev PGlite database. */
const handle = await openDatabase({ url: process.env.DATABASE_URL });
try {
  await handle.migrate();
  console.log(`revloop: migrations applied (${handle.kind})`);
} finally {
  await handle.close();
}
