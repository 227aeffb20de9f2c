import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';

/**
 * Runs a report's SQL and answers its rows, on postgres.js (an array) and PGlite (`{ rows }`)
 * alike. Reports write their aggregates in SQL and cast them to what they mean (`::int` counts,
 * `::text` sums of minor units), so no driver decides how a bigint or numeric comes back.
 */
export async function rows<T>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

export async function one<T>(db: Database, query: SQL): Promise<T> {
  const [row] = await rows<T>(db, query);
  if (!row) throw new Error('a report query answered no row');
  return row;
}

/** `column` falls in the period: from included, to excluded. `column` is this module's own SQL, never input. */
export function within(column: string, period: { from: Date; to: Date }): SQL {
  return sql`${sql.raw(column)} >= ${period.from.toISOString()}::timestamptz and ${sql.raw(column)} < ${period.to.toISOString()}::timestamptz`;
}
