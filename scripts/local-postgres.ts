import { ensureLocalPostgres } from './runtime/local-postgres';

/**
 * `npm run db:local [database]`: starts the machine's PostgreSQL, creates the revloop role and the
 * database, and prints its URL (for `export DATABASE_URL=$(npm run -s db:local)`).
 */
console.log(ensureLocalPostgres(process.argv[2] ?? 'revloop'));
