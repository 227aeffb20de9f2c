import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * The system of record. Every tenant-owned row carries `tenant_id` in its primary key, and every
 * row a workflow writes is keyed by an id the workflow chose, so a retried activity lands on the
 * same row instead of a second one.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    /** SHA-256 of the whole key, hex. The key itself is shown once and never stored. */
    keyHash: text('key_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('api_keys_key_hash').on(t.keyHash), index('api_keys_tenant').on(t.tenantId)],
);

export const customers = pgTable(
  'customers',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    name: text('name').notNull(),
    phone: text('phone'),
    email: text('email'),
    timezone: text('timezone').notNull(),
    playbookId: text('playbook_id').notNull(),
    playbookVersion: integer('playbook_version').notNull(),
    /** Read model of the workflow's state, for lists and reports; the workflow query is the live truth. */
    stage: text('stage').notNull(),
    balanceDue: bigint('balance_due', { mode: 'number' }).notNull().default(0),
    currency: text('currency').notNull(),
    nextActionAt: timestamp('next_action_at', { withTimezone: true, mode: 'date' }),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('customers_stage').on(t.tenantId, t.stage, t.id)],
);

/**
 * The audit timeline of a customer or contract: every accepted event and every action taken.
 * `id` is the event id (for events) or an id the workflow generated (for actions), so replays and
 * retries of the same step never add a second row.
 */
export const timelineEntries = pgTable(
  'timeline_entries',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    subjectType: text('subject_type', { enum: ['customer', 'contract'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind', { enum: ['event', 'action'] }).notNull(),
    type: text('type').notNull(),
    summary: text('summary').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    /** Workflow time of the entry: when the lifecycle saw or did it. */
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Per-subject sequence assigned by the workflow; orders entries that share an instant. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.subjectType, t.subjectId, t.id] }),
    index('timeline_by_subject').on(t.tenantId, t.subjectType, t.subjectId, t.seq),
  ],
);

/**
 * The message outbox: every message a lifecycle sends, suppresses or schedules. Channels deliver
 * from here; `status` records what became of it.
 */
export const messages = pgTable(
  'messages',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    subjectType: text('subject_type', { enum: ['customer', 'contract'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    kind: text('kind').notNull(),
    purpose: text('purpose', { enum: ['transactional', 'marketing'] }).notNull(),
    channel: text('channel').notNull(),
    recipient: text('recipient'),
    template: text('template').notNull(),
    body: text('body').notNull(),
    status: text('status', { enum: ['recorded', 'sent', 'delivered', 'failed', 'suppressed'] }).notNull(),
    statusReason: text('status_reason'),
    transport: text('transport').notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** Workflow time at which the lifecycle sent it (after quiet hours). */
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }).notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('messages_by_subject').on(t.tenantId, t.subjectType, t.subjectId, t.sentAt)],
);
