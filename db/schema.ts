import { sql } from 'drizzle-orm';
import { invoiceRecordStatuses, jobStatuses, messageStatuses } from '../domain/statuses';
import { bigint, bigserial, boolean, index, integer, jsonb, numeric, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * The system of record. Every tenant-owned row carries `tenant_id` in its primary key, and every
 * row a workflow writes is keyed by an id the workflow chose, so a retried activity lands on the
 * same row instead of a second one.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
/** The owning tenant: part of every tenant-owned row's key. */
const tenantRef = () =>
  text('tenant_id')
    .notNull()
    .references(() => tenants.id);

export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** The playbook a customer gets when a webhook (a missed call from a new number) creates it. */
  defaultPlaybookId: text('default_playbook_id').notNull().default('home-service'),
  /**
   * The business's IANA time zone. A customer created without one (a webhook lead, a quote's
   * customer) gets it, ahead of the playbook's default; null leaves the playbook's default.
   */
  timezone: text('timezone'),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    tenantId: tenantRef(),
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
    tenantId: tenantRef(),
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
    /**
     * The writing workflow's step number (strictly increasing per workflow): a write of an older
     * step, retried late by a worker that was frozen mid-write, never overwrites a newer one.
     */
    version: bigint('version', { mode: 'number' }).notNull().default(0),
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
    tenantId: tenantRef(),
    subjectType: text('subject_type', { enum: ['customer', 'contract'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind', { enum: ['event', 'action'] }).notNull(),
    type: text('type').notNull(),
    summary: text('summary').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    /** Workflow time of the entry: when the lifecycle saw or did it. */
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    /**
     * The writing workflow's own running sequence number. It tells a retried write of an event
     * (same number) from a genuine redelivery (a later number).
     */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** Insertion order across every workflow writing to this subject (a customer and its jobs and invoices). */
    position: bigserial('position', { mode: 'number' }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.subjectType, t.subjectId, t.id] }),
    index('timeline_by_subject').on(t.tenantId, t.subjectType, t.subjectId, t.seq),
    index('timeline_in_order').on(t.tenantId, t.subjectType, t.subjectId, t.occurredAt, t.position),
    // Reports count a tenant's events of a type in a period (migration 0008 adds the subject and
    // kind as included columns, so those counts read the index alone).
    index('timeline_by_type').on(t.tenantId, t.type, t.occurredAt),
  ],
);

/**
 * The message outbox: every message a lifecycle sends, suppresses or schedules. Channels deliver
 * from here; `status` records what became of it.
 */
export const messages = pgTable(
  'messages',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    subjectType: text('subject_type', { enum: ['customer', 'contract'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    kind: text('kind').notNull(),
    purpose: text('purpose', { enum: ['transactional', 'marketing'] }).notNull(),
    channel: text('channel').notNull(),
    recipient: text('recipient'),
    template: text('template').notNull(),
    body: text('body').notNull(),
    /** recorded (outbox transport: recorded is final), pending (awaiting delivery), delivered, failed, suppressed. */
    status: text('status', { enum: messageStatuses }).notNull(),
    statusReason: text('status_reason'),
    transport: text('transport').notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** Workflow time at which the lifecycle sent it (after quiet hours). */
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }).notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('messages_by_subject').on(t.tenantId, t.subjectType, t.subjectId, t.sentAt),
    // Reports: messages of a kind sent in a period (review requests).
    index('messages_by_kind').on(t.tenantId, t.kind, t.sentAt),
  ],
);

/** Tenant playbooks: every version ever registered, immutable; workflows pin one. */
export const playbooks = pgTable(
  'playbooks',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    version: integer('version').notNull(),
    kind: text('kind').notNull(),
    definition: jsonb('definition').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id, t.version] })],
);

/**
 * How a tenant's messages leave: recorded only (`outbox`), POSTed, signed, to the tenant's URL
 * (`webhook`), or email over the tenant's SMTP server (`smtp`; other channels, SMS, then go to the
 * webhook when one is set).
 */
export const messagingSettings = pgTable('messaging_settings', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.id),
  transport: text('transport', { enum: ['outbox', 'webhook', 'smtp'] }).notNull(),
  webhookUrl: text('webhook_url'),
  webhookSecret: text('webhook_secret'),
  /** `{ host, port, secure, from, username }`; the password is sealed apart. */
  smtp: jsonb('smtp').$type<{ host: string; port: number; secure: boolean; from: string; username?: string }>(),
  smtpPassword: text('smtp_password'),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const jobs = pgTable(
  'jobs',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    service: text('service').notNull(),
    status: text('status', { enum: jobStatuses }).notNull(),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true, mode: 'date' }).notNull(),
    estimateAmount: bigint('estimate_amount', { mode: 'number' }),
    currency: text('currency'),
    bookedAt: timestamp('booked_at', { withTimezone: true, mode: 'date' }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /**
     * The writing workflow's step number (strictly increasing per workflow): a write of an older
     * step, retried late by a worker that was frozen mid-write, never overwrites a newer one.
     */
    version: bigint('version', { mode: 'number' }).notNull().default(0),
  },
  // A job id is the sender's and belongs to its customer: two customers may both have a `job-1`.
  (t) => [primaryKey({ columns: [t.tenantId, t.customerId, t.id] }), index('jobs_by_customer').on(t.tenantId, t.customerId)],
);

/**
 * Invoices of customers and contracts alike: one invoice workflow (and one collections policy
 * engine) serves both lifecycles. Amounts are integer minor units of `currency`.
 */
export const invoices = pgTable(
  'invoices',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    subjectType: text('subject_type', { enum: ['customer', 'contract'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    jobId: text('job_id'),
    currency: text('currency').notNull(),
    total: bigint('total', { mode: 'number' }).notNull(),
    balance: bigint('balance', { mode: 'number' }).notNull(),
    status: text('status', { enum: invoiceRecordStatuses }).notNull(),
    /** `credit_note` rows carry a negative total: credits are recorded as such, never netted away. */
    kind: text('kind', { enum: ['invoice', 'credit_note'] }).notNull().default('invoice'),
    /** Why a pre-bill check held the invoice; it stays held until `invoice.approved`. */
    holdReason: text('hold_reason'),
    /** The service period a contract invoice bills (customer invoices have none). */
    periodStart: timestamp('period_start', { withTimezone: true, mode: 'date' }),
    periodEnd: timestamp('period_end', { withTimezone: true, mode: 'date' }),
    /** The last dunning step taken: reminder, final_notice, write_off. */
    collectionsStep: text('collections_step'),
    issuedAt: timestamp('issued_at', { withTimezone: true, mode: 'date' }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true, mode: 'date' }).notNull(),
    paidAt: timestamp('paid_at', { withTimezone: true, mode: 'date' }),
    writtenOffAt: timestamp('written_off_at', { withTimezone: true, mode: 'date' }),
    disputedAt: timestamp('disputed_at', { withTimezone: true, mode: 'date' }),
    disputeReason: text('dispute_reason'),
    /** The invoice's workflow (null for invoices written before it was recorded: `invoice:{tenant}:{id}` then). */
    workflowId: text('workflow_id'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /**
     * The writing workflow's step number (strictly increasing per workflow): a write of an older
     * step, retried late by a worker that was frozen mid-write, never overwrites a newer one.
     */
    version: bigint('version', { mode: 'number' }).notNull().default(0),
  },
  // An invoice id belongs to the customer (or contract) it bills.
  (t) => [
    primaryKey({ columns: [t.tenantId, t.subjectType, t.subjectId, t.id] }),
    index('invoices_by_subject').on(t.tenantId, t.subjectType, t.subjectId, t.issuedAt),
    // Reports: invoices issued, paid or written off in a period, and those still open.
    index('invoices_by_issue').on(t.tenantId, t.issuedAt),
    index('invoices_by_payment').on(t.tenantId, t.paidAt),
    index('invoices_by_write_off').on(t.tenantId, t.writtenOffAt).where(sql`${t.writtenOffAt} is not null`),
    index('invoices_open').on(t.tenantId, t.issuedAt).where(sql`${t.paidAt} is null and ${t.writtenOffAt} is null`),
  ],
);

export const invoiceLines = pgTable(
  'invoice_lines',
  {
    tenantId: text('tenant_id').notNull(),
    subjectType: text('subject_type', { enum: ['customer', 'contract'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    invoiceId: text('invoice_id').notNull(),
    lineNo: integer('line_no').notNull(),
    description: text('description').notNull(),
    quantity: numeric('quantity').notNull(),
    unitAmount: bigint('unit_amount', { mode: 'number' }).notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    /** The contract line it bills, and for which service period. */
    lineRef: text('line_ref'),
    periodStart: timestamp('period_start', { withTimezone: true, mode: 'date' }),
    periodEnd: timestamp('period_end', { withTimezone: true, mode: 'date' }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.subjectType, t.subjectId, t.invoiceId, t.lineNo] })],
);

/** Payments received and attempts that failed, keyed by the event that reported them. */
export const payments = pgTable(
  'payments',
  {
    tenantId: tenantRef(),
    /** The customer or contract whose invoice it pays: its event ids are its own. */
    subjectType: text('subject_type', { enum: ['customer', 'contract'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    id: text('id').notNull(),
    invoiceId: text('invoice_id').notNull(),
    status: text('status', { enum: ['received', 'failed'] }).notNull(),
    amount: bigint('amount', { mode: 'number' }),
    currency: text('currency'),
    method: text('method'),
    reason: text('reason'),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.subjectType, t.subjectId, t.id] }), index('payments_by_invoice').on(t.tenantId, t.subjectType, t.subjectId, t.invoiceId)],
);

/** Work for people: a service-recovery call after a low rating, a renewal conversation. */
export const tasks = pgTable(
  'tasks',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    subjectType: text('subject_type', { enum: ['customer', 'contract'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    kind: text('kind').notNull(),
    summary: text('summary').notNull(),
    status: text('status', { enum: ['open', 'done'] }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  // Task ids come from the event or step that opened them: unique within their subject.
  (t) => [primaryKey({ columns: [t.tenantId, t.subjectType, t.subjectId, t.id] }), index('tasks_by_subject').on(t.tenantId, t.subjectType, t.subjectId), index('tasks_by_kind').on(t.tenantId, t.kind, t.createdAt)],
);

/**
 * Signing secrets for webhooks a tenant's providers send in, one set per source. Rotation adds a
 * secret and gives the ones it replaces an `expires_at` (the grace period); a secret with no
 * `expires_at` is current. The secret is kept as is: verifying an HMAC needs it.
 */
export const webhookSecrets = pgTable(
  'webhook_secrets',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    source: text('source', { enum: ['telephony', 'payments', 'reviews', 'generic'] }).notNull(),
    secret: text('secret').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('webhook_secrets_by_source').on(t.tenantId, t.source)],
);

/**
 * Signatures already accepted, so a captured request replayed inside the 5-minute window answers
 * 401. Rows older than twice the window are swept hourly by the API server.
 */
export const webhookReceipts = pgTable(
  'webhook_receipts',
  {
    tenantId: tenantRef(),
    source: text('source').notNull(),
    signature: text('signature').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.source, t.signature] }), index('webhook_receipts_received').on(t.receivedAt)],
);

/**
 * `Idempotency-Key` records: the first response to a write, replayed to retries for 24 hours.
 * `scope` is the tenant (or `@operator`); the key is stored hashed and the response encrypted
 * under the key itself, so a response carrying a secret (a new API key) is not readable from here.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    scope: text('scope').notNull(),
    keyHash: text('key_hash').notNull(),
    /** SHA-256 of method, route, parameters and the raw body: the same key with another request is 422. */
    fingerprint: text('fingerprint').notNull(),
    state: text('state', { enum: ['in_flight', 'completed'] }).notNull(),
    /** The request holding the key; a crashed one loses it when `locked_until` passes. */
    leaseId: text('lease_id').notNull(),
    lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date' }).notNull(),
    responseStatus: integer('response_status'),
    /** AES-256-GCM of the response (status line aside): iv, tag and ciphertext, base64. */
    response: text('response'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.keyHash] }), index('idempotency_keys_expires').on(t.expiresAt)],
);

/**
 * Read model of each contract workflow (the workflow query is the live truth), and the terms the
 * usage endpoint checks records against.
 */
export const contracts = pgTable(
  'contracts',
  {
    tenantId: tenantRef(),
    id: text('id').notNull(),
    customerName: text('customer_name').notNull(),
    stage: text('stage').notNull(),
    currency: text('currency').notNull(),
    playbookId: text('playbook_id').notNull(),
    playbookVersion: integer('playbook_version').notNull(),
    /** Metrics the contract's usage lines are rated on: usage for any other metric is refused. */
    usageMetrics: text('usage_metrics').array().notNull(),
    termStart: timestamp('term_start', { withTimezone: true, mode: 'date' }),
    termEnd: timestamp('term_end', { withTimezone: true, mode: 'date' }),
    autoRenew: integer('auto_renew').notNull().default(1),
    /** Monthly recurring revenue of the subscription lines, minor units. */
    mrr: bigint('mrr', { mode: 'number' }).notNull().default(0),
    nextInvoiceAt: timestamp('next_invoice_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /**
     * The writing workflow's step number (strictly increasing per workflow): a write of an older
     * step, retried late by a worker that was frozen mid-write, never overwrites a newer one.
     */
    version: bigint('version', { mode: 'number' }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index('contracts_stage').on(t.tenantId, t.stage, t.id)],
);

/**
 * Each quote as the API started its contract workflow: what the what-if simulation starts the
 * contract from again (the workflow's own input is Temporal's, kept only for the namespace's
 * retention). The first start of an id is the one kept, as Temporal keeps the first workflow.
 */
export const contractQuotes = pgTable(
  'contract_quotes',
  {
    tenantId: tenantRef(),
    contractId: text('contract_id').notNull(),
    /** The contract workflow's input without the tenant and the playbook: customer, currency, lines, term, start, renewal terms. */
    input: jsonb('input').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.contractId] })],
);

/** Usage as `POST /v1/contracts/{id}/usage` received it: each record id accepted once. */
export const usageRecords = pgTable(
  'usage_records',
  {
    tenantId: tenantRef(),
    contractId: text('contract_id').notNull(),
    id: text('id').notNull(),
    metric: text('metric').notNull(),
    quantity: numeric('quantity').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** What the record says beyond its quantity (a user id for unique_count), as the client sent it. */
    properties: jsonb('properties').$type<Record<string, string | number | boolean>>(),
    /** Received after its period was invoiced: billed on a later invoice as a dated adjustment. */
    late: boolean('late').notNull().default(false),
    /** The period close whose invoice billed this late record (`lineId@periodStart`); null until then. */
    billedLateIn: text('billed_late_in'),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.contractId, t.id] }), index('usage_by_metric').on(t.tenantId, t.contractId, t.metric, t.occurredAt)],
);

/**
 * Up to when a metric's usage has been rated and invoiced. Records dated before it are refused:
 * they would never be billed. Rating and intake lock the same row, so none slips between.
 */
export const usageClosures = pgTable(
  'usage_closures',
  {
    tenantId: tenantRef(),
    contractId: text('contract_id').notNull(),
    metric: text('metric').notNull(),
    closedThrough: timestamp('closed_through', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.contractId, t.metric] })],
);

/**
 * What each invoice line (and credit) means for revenue: recognised ratably over its service
 * period or at a point. The schedule by month and deferred revenue at any date derive from these.
 */
export const revenueLines = pgTable(
  'revenue_lines',
  {
    tenantId: tenantRef(),
    contractId: text('contract_id').notNull(),
    key: text('key').notNull(),
    invoiceId: text('invoice_id').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    method: text('method', { enum: ['ratable', 'point'] }).notNull(),
    start: timestamp('start', { withTimezone: true, mode: 'date' }).notNull(),
    end: timestamp('end', { withTimezone: true, mode: 'date' }).notNull(),
    billedAt: timestamp('billed_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.contractId, t.key] })],
);

/** Bookings movements for NRR and GRR: new business, expansion, contraction, churn, renewal. */
export const contractChanges = pgTable(
  'contract_changes',
  {
    tenantId: tenantRef(),
    contractId: text('contract_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind', { enum: ['new', 'expansion', 'contraction', 'renewal', 'churn'] }).notNull(),
    /** Change in monthly recurring revenue, minor units (negative for contraction and churn). */
    mrrDelta: bigint('mrr_delta', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.contractId, t.id] })],
);

/** Every approved exception to pricing policy: a discount beyond auto-approval, a non-standard term. */
export const policyExceptions = pgTable(
  'policy_exceptions',
  {
    tenantId: tenantRef(),
    contractId: text('contract_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind', { enum: ['discount', 'term'] }).notNull(),
    detail: text('detail').notNull(),
    approvedBy: text('approved_by').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.contractId, t.id] })],
);

/**
 * The leakage ledger: every place a relationship or contract put revenue at stake (a missed call,
 * an overdue invoice, a churned contract), what was at stake, and whether a Revloop step won it
 * back. Written whole by the step of the one workflow where it happened, keyed by an id derived
 * from its cause; `version` keeps the newest step's row when a late retry arrives.
 */
export const leakageEntries = pgTable(
  'leakage_entries',
  {
    tenantId: tenantRef(),
    subjectType: text('subject_type', { enum: ['customer', 'contract'] }).notNull(),
    subjectId: text('subject_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind').notNull(),
    /** The lifecycle step where it happened (inquiry, booking, collections, renewal…). */
    step: text('step').notNull(),
    status: text('status', { enum: ['open', 'recovered', 'lost'] }).notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull(),
    currency: text('currency').notNull(),
    atStake: bigint('at_stake', { mode: 'number' }).notNull(),
    /** A playbook figure (an average ticket, a quote's value), not money the system holds. */
    estimated: boolean('estimated').notNull(),
    recovered: bigint('recovered', { mode: 'number' }).notNull().default(0),
    lost: bigint('lost', { mode: 'number' }).notNull().default(0),
    /** The Revloop step credited with the recovery; null when the customer came back on their own. */
    recoveredBy: text('recovered_by'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    ref: text('ref'),
    summary: text('summary').notNull(),
    workflowId: text('workflow_id').notNull(),
    detail: jsonb('detail').$type<Record<string, string | number | boolean>>().notNull().default({}),
    version: bigint('version', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.subjectType, t.subjectId, t.id] }),
    // Reports read a tenant's window by occurrence, by kind.
    index('leakage_by_time').on(t.tenantId, t.occurredAt, t.kind),
    // Recovered in a period: rows by when they were resolved.
    index('leakage_by_resolution').on(t.tenantId, t.resolvedAt).where(sql`${t.resolvedAt} is not null`),
  ],
);
