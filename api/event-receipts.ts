import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { timelineEntries } from '../db/schema';
import { problems } from './http/problem';

/**
 * Has this subject applied an event with this id? Its timeline row is written by the step that
 * applied it, after that step committed, so a row means "applied"; the workflow itself remembers
 * every event still waiting, being applied or recently applied (workflows/lifecycle/intake.ts).
 * Between the two, a redelivery months or runs later is recognised without the workflow having to
 * remember every id it ever saw.
 */
export async function appliedEventType(db: Database, tenantId: string, subject: { type: 'customer' | 'contract'; id: string }, eventId: string): Promise<string | undefined> {
  const [row] = await appliedEventQuery(db).execute({ tenantId, subjectType: subject.type, subjectId: subject.id, eventId });
  return row?.type;
}

/**
 * Asked before every event the API takes, so built once per database and prepared: the query
 * is not rebuilt for each request, and PostgreSQL plans it once per connection.
 */
const prepared = new WeakMap<Database, ReturnType<typeof prepare>>();
const appliedEventQuery = (db: Database) => {
  let query = prepared.get(db);
  if (!query) prepared.set(db, (query = prepare(db)));
  return query;
};
function prepare(db: Database) {
  return db
    .select({ type: timelineEntries.type })
    .from(timelineEntries)
    .where(
      and(
        eq(timelineEntries.tenantId, sql.placeholder('tenantId')),
        eq(timelineEntries.subjectType, sql.placeholder('subjectType')),
        eq(timelineEntries.subjectId, sql.placeholder('subjectId')),
        eq(timelineEntries.id, sql.placeholder('eventId')),
        eq(timelineEntries.kind, 'event'),
      ),
    )
    .limit(1)
    .prepare('applied_event_type');
}

/**
 * The answer to a redelivery of an applied event: a duplicate, or 409 when the id was used for an
 * event of another type (a sender's bug that would otherwise silently drop the new event).
 */
export function duplicateOf(eventId: string, type: string, appliedType: string) {
  if (appliedType !== type) {
    throw problems.conflict(`eventId "${eventId}" was already used for a ${appliedType} event; give this ${type} event an id of its own.`);
  }
  return { eventId, type, duplicate: true as const };
}

/**
 * Each delivery is its own Update, so the workflow itself answers whether it had the event
 * already; retries of one delivery inside the client reuse the id.
 */
export function deliveryUpdateId(eventId: string): string {
  return `${eventId}/${randomUUID()}`;
}
