import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { problems } from './problem';

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
  throw problems.validation([{ path: 'query.cursor', message: 'not a cursor this API issued' }]);
}

/** Takes `limit + 1` rows and turns the extra one into a `next` cursor. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => unknown[]): { data: T[]; next: string | null } {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, next: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}

/** Keyset pagination: rows strictly after the cursor's `(time, id)` key, in the same order as listed. */
export function afterKey(columns: [SQLWrapper, SQLWrapper], after: unknown[] | undefined, kinds: ['time', 'text' | 'number']): SQL | undefined {
  if (!after) return undefined;
  const first = new Date(String(after[0]));
  if (Number.isNaN(first.getTime())) throw problems.validation([{ path: 'query.cursor', message: 'not a cursor this API issued' }]);
  const second = kinds[1] === 'number' ? Number(after[1]) : String(after[1]);
  return sql`(${columns[0]}, ${columns[1]}) > (${first.toISOString()}::timestamptz, ${second})`;
}
