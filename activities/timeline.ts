import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { customers, timelineEntries } from '../db/schema';

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
  /** The workflow's running sequence number for this subject. */
  seq: number;
}

export interface CustomerSnapshot {
  stage: string;
  balanceDue: number;
  nextActionAt: string | null;
  lastActivityAt: string | null;
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
     * Records an incoming event and says whether the workflow should apply it. The event id is a
     * primary key, so an event delivered again (even years later, after the workflow's own memory
     * of recent ids has moved on) is recorded once and applied once. A retry of this same call
     * finds its own row (same sequence number) and still answers `applied`.
     */
    async recordEvent(input: Subject & { entry: TimelineEntryInput }): Promise<{ applied: boolean }> {
      const inserted = await db
        .insert(timelineEntries)
        .values(timelineRow(input, input.entry))
        .onConflictDoNothing()
        .returning({ seq: timelineEntries.seq });
      if (inserted.length > 0) return { applied: true };
      const [existing] = await db
        .select({ seq: timelineEntries.seq })
        .from(timelineEntries)
        .where(
          and(
            eq(timelineEntries.tenantId, input.tenantId),
            eq(timelineEntries.subjectType, input.subjectType),
            eq(timelineEntries.subjectId, input.subjectId),
            eq(timelineEntries.id, input.entry.id),
          ),
        );
      return { applied: existing?.seq === input.entry.seq };
    },

    /** Records the actions of one workflow step and refreshes the customer read model, atomically. */
    async recordProgress(input: Subject & { entries: TimelineEntryInput[]; snapshot?: CustomerSnapshot }): Promise<void> {
      await db.transaction(async (tx) => {
        if (input.entries.length > 0) {
          await tx
            .insert(timelineEntries)
            .values(input.entries.map((e) => timelineRow(input, e)))
            .onConflictDoNothing();
        }
        if (input.snapshot && input.subjectType === 'customer') {
          const s = input.snapshot;
          await tx
            .update(customers)
            .set({
              stage: s.stage,
              balanceDue: s.balanceDue,
              nextActionAt: s.nextActionAt ? new Date(s.nextActionAt) : null,
              lastActivityAt: s.lastActivityAt ? new Date(s.lastActivityAt) : null,
              updatedAt: new Date(),
            })
            .where(and(eq(customers.tenantId, input.tenantId), eq(customers.id, input.subjectId)));
        }
      });
    },
  };
}
