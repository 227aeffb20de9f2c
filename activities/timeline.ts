import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client';
import { timelineEntries } from '../db/schema';

export type SubjectType = 'customer' | 'contract';

export interface Subject {
  tenantId: string;
  subjectType: SubjectType;
  subjectId: string;
}

export interface TimelineEntryInput {
  /** The event id for events; an id the workflow generated for actions. */
  id: string;
  kind: 'event' | 'action';
  type: string;
  summary: string;
  data?: Record<string, unknown>;
  /** Workflow time, UTC ISO-8601. */
  occurredAt: string;
  /** The writing workflow's running sequence number. */
  seq: number;
}

export function timelineRow(subject: Subject, entry: TimelineEntryInput): typeof timelineEntries.$inferInsert {
  return {
    tenantId: subject.tenantId,
    subjectType: subject.subjectType,
    subjectId: subject.subjectId,
    id: entry.id,
    kind: entry.kind,
    type: entry.type,
    summary: entry.summary,
    data: entry.data ?? {},
    occurredAt: new Date(entry.occurredAt),
    seq: entry.seq,
  };
}

export function createTimelineActivities(db: Database) {
  return {
    /**
     * Records incoming events and says which ones the workflow should apply. The event id is a
     * primary key, so an event delivered again (even years later, after the workflow's own memory
     * of recent ids has moved on) is recorded once and applied once. A retry of this same call
     * finds its own rows (same sequence numbers) and still answers `applied` for them.
     */
    async recordEvents(input: Subject & { entries: TimelineEntryInput[] }): Promise<{ applied: string[] }> {
      if (input.entries.length === 0) return { applied: [] };
      const inserted = await db
        .insert(timelineEntries)
        .values(input.entries.map((e) => timelineRow(input, e)))
        .onConflictDoNothing()
        .returning({ id: timelineEntries.id });
      if (inserted.length === input.entries.length) return { applied: input.entries.map((e) => e.id) };
      const stored = await db
        .select({ id: timelineEntries.id, seq: timelineEntries.seq })
        .from(timelineEntries)
        .where(
          and(
            eq(timelineEntries.tenantId, input.tenantId),
            eq(timelineEntries.subjectType, input.subjectType),
            eq(timelineEntries.subjectId, input.subjectId),
            inArray(
              timelineEntries.id,
              input.entries.map((e) => e.id),
            ),
          ),
        );
      const seqById = new Map(stored.map((r) => [r.id, r.seq]));
      return { applied: input.entries.filter((e) => seqById.get(e.id) === e.seq).map((e) => e.id) };
    },
  };
}
