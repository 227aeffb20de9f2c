import { and, asc, gt, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../../db/client';
import { problems } from './problem';

const badCursor = () => problems.validation([{ path: 'query.cursor', message: 'not a cursor this API issued' }]);

/** Opaque cursors: base64url JSON of the last row's sort key. Clients must not build them. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, arity: number): unknown[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity) return key;
  } catch {
    // fall through
  }
  throw badCursor();
}

/** Takes `limit + 1` rows and turns the extra one into a `next` cursor. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => unknown[]): { data: T[]; next: string | null } {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, next: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}

/**
 * Keyset pagination over a list ordered by a time column, ties broken by a second column: the
 * condition for "after the cursor", the order, the row limit, and the page with its `next`
 * cursor, from one description of the sort key.
 */
export function timeOrdered<Row>(query: { cursor?: string | undefined; limit: number }, time: AnyPgColumn, tie: AnyPgColumn, keyOf: (row: Row) => [Date, string | number]) {
  const after = decodeCursor(query.cursor, 2);
  let condition: SQL | undefined;
  if (after) {
    const at = new Date(String(after[0]));
    // Only what this API could have issued: a time PostgreSQL can hold, and a tie of the column's own type.
    const year = at.getUTCFullYear();
    if (Number.isNaN(at.getTime()) || year < 1 || year > 9999) throw badCursor();
    const integerTie = (tie as { dataType?: string }).dataType === 'number';
    const tieOk = integerTie ? Number.isSafeInteger(after[1]) : typeof after[1] === 'string' && after[1].length <= 200 && !after[1].includes('\u0000');
    if (!tieOk) throw badCursor();
    condition = sql`(${time}, ${tie}) > (${at.toISOString()}::timestamptz, ${after[1]})`;
  }
  return {
    after: condition,
    orderBy: [asc(time), asc(tie)] as const,
    limit: query.limit + 1,
    page: (rows: Row[]) =>
      page(rows, query.limit, (row) => {
        const [at, id] = keyOf(row);
        return [at.toISOString(), id];
      }),
  };
}

/**
 * Keyset pagination over a list ordered by id (customers, contracts): the condition for "after the
 * cursor", the order, the row limit and the page with its `next` cursor.
 */
export function idOrdered<Row extends { id: string }>(query: { cursor?: string | undefined; limit: number }, id: AnyPgColumn) {
  const after = decodeCursor(query.cursor, 1);
  if (after && (typeof after[0] !== 'string' || after[0].length > 200 || after[0].includes('\u0000'))) throw badCursor();
  return {
    after: after ? gt(id, String(after[0])) : undefined,
    orderBy: [asc(id)] as const,
    limit: query.limit + 1,
    page: (rows: Row[]) => page(rows, query.limit, (row) => [row.id]),
  };
}

/** Rows whose name or id starts with `q`, any case; LIKE's own wildcards in `q` are taken literally. */
export function startsWith(q: string | undefined, ...columns: AnyPgColumn[]): SQL | undefined {
  if (q === undefined) return undefined;
  const pattern = `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`(${sql.join(
    columns.map((c) => sql`${c} ilike ${pattern}`),
    sql` or `,
  )})`;
}

/** A keyset order as `timeOrdered` and `idOrdered` describe it. */
export interface Ordering<Row> {
  after: SQL | undefined;
  orderBy: readonly SQL[];
  limit: number;
  page(rows: Row[]): { data: Row[]; next: string | null };
}

/**
 * Every list in the API: one page of `table`'s rows matching all of `where`, in `order`, each
 * row shown by `show`, with the cursor of the next page.
 */
export async function listPage<T extends PgTable, Out>(
  db: Database,
  table: T,
  where: ReadonlyArray<SQL | undefined>,
  order: Ordering<T['$inferSelect']>,
  show: (row: T['$inferSelect']) => Out,
): Promise<{ data: Out[]; next: string | null }> {
  const rows = (await db
    .select()
    .from(table as PgTable)
    .where(and(...where, order.after))
    .orderBy(...order.orderBy)
    .limit(order.limit)) as T['$inferSelect'][];
  const { data, next } = order.page(rows);
  return { data: data.map(show), next };
}
