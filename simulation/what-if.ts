import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment, type EphemeralServerExecutable } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import { createActivities } from '../activities';
import type { Database } from '../db/client';
import { resolvePlaybook } from '../db/playbook-store';
import { SecretBox } from '../db/sealed';
import { customers, invoices, leakageEntries, messages, payments, tenants, timelineEntries } from '../db/schema';
import { referencesJobOrInvoice, type CustomerEvent } from '../domain/customer-events';
import { customerWorkflowId } from '../domain/ids';
import type { HomeServicePlaybook, ResolvedPlaybook } from '../playbooks';
import { registerSearchAttributes } from '../scripts/runtime/search-attributes';
import type { customer } from '../workflows/customer';
import { customerEventSignal, customerEventUpdate } from '../workflows/definitions';
import { anchorReplies, nthSent, replyDueAt, type SentMessage } from './replies';

/**
 * What would a playbook change have done? Takes a sample of a tenant's real customers, replays
 * each one's recorded events at their recorded times (shifted together onto the time-skipping
 * server's clock) through two runs side by side: the playbook each customer follows now
 * (`baseline`) and the candidate. Both run the real workflows and activities, under scratch
 * tenants of their own that are deleted afterwards, with the outbox transport: nothing reaches a
 * customer and nothing of the tenant's own records is written. It answers, per customer and in
 * total, what differs: messages (which, when, on which channel, held by quiet hours or
 * suppressed), the stage reached, invoices and collections, money collected and written off, and
 * leakage by kind. Customers' own behaviour is what it was, except that an answer to a message comes
 * as soon after the candidate's message as it came after the real one (`replies.ts`).
 */
export interface WhatIfOptions {
  db: Database;
  tenantId: string;
  /** The candidate definition, validated (a home-service playbook). */
  candidate: HomeServicePlaybook;
  /** Which customers: these ids, those at a stage, those following a playbook, the newest `last` (1,000 at most). */
  sample: { customerIds?: string[]; stage?: string; playbookId?: string; last?: number };
  /** Simulated time after the last recorded event, for the timers it set (default 30 days). */
  horizonDays?: number;
  /** The time-skipping test server to run on (`resolveTemporalTool('testServer').executable`). */
  testServer: EphemeralServerExecutable;
  workflowBundle: { code: string } | { codePath: string };
  /** Time-skipping servers to share the sample among, each with its own worker, all at once (default 1). */
  servers?: number;
  /** A customer's booking, inquiry, payment or review this soon after a message to them answers it (default 2 days; see `replies.ts`). */
  replyWindowMs?: number;
  /** Seals nothing here, but the activities need one. */
  secretKey?: string;
}

export interface Outcome {
  messages: Array<{ kind: string; channel: string; status: string; atMinute: number }>;
  stage: string | null;
  invoiced: number;
  collected: number;
  writtenOff: number;
  /** Per kind: rows opened, how many ended lost, and their money. */
  leakage: Record<string, { count: number; lostCount: number; lost: number; recovered: number }>;
}

export interface SubjectReport {
  customerId: string;
  events: number;
  baseline: Outcome;
  candidate: Outcome;
  differs: boolean;
  /** Message kinds sent in one run and not the other ("+inquiry.follow_up" only in the candidate). */
  messageChanges: string[];
}

export interface WhatIfReport {
  subjects: SubjectReport[];
  totals: { baseline: Totals; candidate: Totals };
  differing: number;
  simulatedDays: number;
  seconds: number;
}

interface Totals {
  messages: number;
  byKind: Record<string, number>;
  stages: Record<string, number>;
  invoiced: number;
  collected: number;
  writtenOff: number;
  leakageLost: number;
  leakageByKind: Record<string, number>;
  /** Leaks that ended lost, by kind: `unbooked_inquiry` is the lost leads. */
  lostByKind: Record<string, number>;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export async function simulateWhatIf(options: WhatIfOptions): Promise<WhatIfReport> {
  const started = performance.now();
  const { db, tenantId } = options;
  const subjects = await sampleOf(db, tenantId, options.sample);
  if (subjects.length === 0) return { subjects: [], totals: { baseline: totalsOf([]), candidate: totalsOf([]) }, differing: 0, simulatedDays: 0, seconds: 0 };
  const events = await db
    .select({ subjectId: timelineEntries.subjectId, data: timelineEntries.data, occurredAt: timelineEntries.occurredAt })
    .from(timelineEntries)
    .where(and(eq(timelineEntries.tenantId, tenantId), eq(timelineEntries.subjectType, 'customer'), inArray(timelineEntries.subjectId, subjects.map((s) => s.id)), eq(timelineEntries.kind, 'event')))
    .orderBy(asc(timelineEntries.occurredAt), asc(timelineEntries.position));

  // What each customer was really sent: the replies model anchors their answers to it.
  const sent = new Map<string, SentMessage[]>();
  const real = await db
    .select({ subjectId: messages.subjectId, kind: messages.kind, sentAt: messages.sentAt })
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.subjectType, 'customer'), inArray(messages.subjectId, subjects.map((s) => s.id)), ne(messages.status, 'suppressed')));
  for (const m of real) pushTo(sent, m.subjectId, { kind: m.kind, sentAt: m.sentAt.getTime() });

  const runs = { baseline: `whatif-${randomBytes(5).toString('hex')}-a`, candidate: `whatif-${randomBytes(5).toString('hex')}-b` };
  await db.insert(tenants).values(Object.values(runs).map((id) => ({ id, name: `What-if of ${tenantId}` })));
  try {
    const candidate: ResolvedPlaybook = { id: options.candidate.id, version: 1, owner: tenantId, definition: options.candidate };
    const playbooks = new Map<string, ResolvedPlaybook>();
    for (const s of subjects) {
      const baseline = playbooks.get(s.playbookId) ?? (await resolvePlaybook(db, tenantId, s.playbookId));
      if (!baseline) throw new Error(`customer ${s.id} follows playbook ${s.playbookId}, which this tenant does not have`);
      playbooks.set(s.playbookId, baseline);
    }
    // Customers are dealt round robin to servers that run at once: a test server's cost grows
    // faster than the number of workflows it holds.
    const servers = Math.max(1, Math.min(options.servers ?? 1, subjects.length));
    const firstAt = events[0]?.occurredAt.getTime() ?? 0;
    const shards = Array.from({ length: servers }, (_, k) => subjects.filter((_, i) => i % servers === k));
    const starts = await Promise.all(
      shards.map((shard) => {
        const ids = new Set(shard.map((s) => s.id));
        return replayShard(options, { runs, subjects: shard, events: events.filter((e) => ids.has(e.subjectId)), firstAt, playbooks, candidate, sent });
      }),
    );
    // Each customer's times are minutes from the start of its own server's clock.
    const serverStartOf = new Map(shards.flatMap((shard, k) => shard.map((s) => [s.id, starts[k]!] as const)));
    const outcomes = { baseline: await outcomesOf(db, runs.baseline, serverStartOf), candidate: await outcomesOf(db, runs.candidate, serverStartOf) };
    const reports = subjects.map((s): SubjectReport => {
      const baseline = outcomes.baseline.get(s.id) ?? emptyOutcome();
      const candidateOutcome = outcomes.candidate.get(s.id) ?? emptyOutcome();
      const messageChanges = kindChanges(baseline, candidateOutcome);
      const differs = !sameOutcome(baseline, candidateOutcome);
      return { customerId: s.id, events: events.filter((e) => e.subjectId === s.id).length, baseline, candidate: candidateOutcome, differs, messageChanges };
    });
    const lastAt = (events.at(-1)?.occurredAt.getTime() ?? firstAt) - firstAt;
    return {
      subjects: reports,
      totals: { baseline: totalsOf(reports.map((r) => r.baseline)), candidate: totalsOf(reports.map((r) => r.candidate)) },
      differing: reports.filter((r) => r.differs).length,
      simulatedDays: Math.round(lastAt / DAY) + (options.horizonDays ?? 30),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await forgetScratch(db, Object.values(runs));
  }
}

interface Shard {
  runs: { baseline: string; candidate: string };
  subjects: Array<Awaited<ReturnType<typeof sampleOf>>[number]>;
  events: Array<{ subjectId: string; data: Record<string, unknown>; occurredAt: Date }>;
  /** The first recorded event of the whole sample: every shard keeps the same offsets from it. */
  firstAt: number;
  playbooks: Map<string, ResolvedPlaybook>;
  candidate: ResolvedPlaybook;
  /** Each customer's real messages (not suppressed), for the replies model. */
  sent: Map<string, SentMessage[]>;
}

/** One time-skipping server and its worker replaying its customers' events through both runs; answers where its clock began. */
async function replayShard(options: WhatIfOptions, shard: Shard): Promise<number> {
  const { db } = options;
  const { runs, subjects, events, firstAt, playbooks, candidate } = shard;
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: options.testServer } });
  try {
    await registerSearchAttributes(env.connection, 'default');
    const taskQueue = `whatif-${randomBytes(4).toString('hex')}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: options.workflowBundle,
      activities: createActivities({ db, secrets: new SecretBox({ current: options.secretKey ?? randomBytes(32).toString('base64url') }) }),
    });
    const serverStart = Number(await env.currentTimeMs());
    const shift = (iso: string) => new Date(Date.parse(iso) - firstAt + serverStart).toISOString();
    const byId = new Map(subjects.map((s) => [s.id, s]));
    // Each run keeps, per customer, the events still to come, in recorded order, each with the
    // message it answers (if any): a reply may come sooner in one run than in the other.
    const ownEvents = new Map<string, Array<{ e: Shard['events'][number]; order: number }>>();
    events.forEach((e, order) => pushTo(ownEvents, e.subjectId, { e, order }));
    const queues = (['baseline', 'candidate'] as const).flatMap((run) =>
      subjects.map((s) => {
        const own = (ownEvents.get(s.id) ?? []).map(({ e }) => e);
        const orders = (ownEvents.get(s.id) ?? []).map(({ order }) => order);
        const anchors = anchorReplies(
          own.map((e) => ({ type: String(e.data.type), at: e.occurredAt.getTime() })),
          (shard.sent.get(s.id) ?? []).map((m) => ({ kind: m.kind, sentAt: m.sentAt })),
          options.replyWindowMs,
        );
        const items = own.map((e, i) => ({ recordedAt: e.occurredAt.getTime() - firstAt + serverStart, data: e.data as unknown as CustomerEvent, anchor: anchors[i], order: orders[i]! }));
        return { run, subject: s, workflowId: customerWorkflowId(runs[run], s.id), items };
      }),
    );
    const started = new Set<string>();
    const deliver = async (queue: (typeof queues)[number], at: number) => {
      const recorded = queue.items.shift()!.data;
      const event = {
        ...recorded,
        // Received when it was applied, on the simulated clock.
        receivedAt: new Date(at).toISOString(),
        ...('scheduledAt' in recorded && recorded.scheduledAt ? { scheduledAt: shift(recorded.scheduledAt) } : {}),
      } as CustomerEvent;
      if (!started.has(queue.workflowId)) {
        started.add(queue.workflowId);
        await env.client.workflow.start<typeof customer>('customer', {
          taskQueue,
          workflowId: queue.workflowId,
          args: [{ tenantId: runs[queue.run], customerId: queue.subject.id, profile: byId.get(queue.subject.id)!.profile, playbook: queue.run === 'baseline' ? playbooks.get(queue.subject.playbookId)! : candidate }],
        });
      }
      const handle = env.client.workflow.getHandle(queue.workflowId);
      if (referencesJobOrInvoice(event.type)) {
        // Refused in one run (an invoice it never issued) is a difference, not a failure.
        await handle.executeUpdate(customerEventUpdate, { args: [event], updateId: event.eventId }).catch(() => undefined);
      } else await handle.signal(customerEventSignal, event);
    };
    await worker.runUntil(async () => {
      for (;;) {
        const heads = queues.filter((q) => q.items.length > 0);
        if (heads.length === 0) break;
        const now = Number(await env.currentTimeMs());
        const waiting = heads.filter((q) => q.items[0]!.anchor);
        const prompts = waiting.length > 0 ? await promptsSent(db, runs, waiting) : new Map<string, SentMessage[]>();
        let wakeAt = Infinity;
        const due = heads.map((q) => {
          const { recordedAt, anchor, order } = q.items[0]!;
          if (!anchor) return { q, at: recordedAt, order };
          const prompt = nthSent(prompts.get(`${runs[q.run]}/${q.subject.id}`) ?? [], anchor.kind, anchor.ordinal);
          // Not prompted yet: look again when a prompt sent from now on could first be answered.
          if (prompt === undefined) wakeAt = Math.min(wakeAt, now + Math.max(anchor.delayMs, REPLY_LOOK_AGAIN_MS));
          return { q, at: replyDueAt(recordedAt, anchor, prompt), order };
        });
        const next = Math.min(wakeAt, ...due.map((d) => d.at));
        if (next > now) {
          await env.sleep(next - now);
          continue;
        }
        // Everything due, in recorded order: at most one event per customer and run at a time.
        await Promise.all(due.filter((d) => d.at <= now).sort((a, b) => a.at - b.at || a.order - b.order).map((d) => deliver(d.q, d.at)));
      }
      await env.sleep((options.horizonDays ?? 30) * DAY);
    });
    return serverStart;
  } finally {
    await env.teardown().catch(() => undefined);
  }
}

/** Prompts faster than this are answered up to this late in a run (each look is a query). */
const REPLY_LOOK_AGAIN_MS = 15 * MINUTE;

/** The messages each waiting customer has had in its run so far, keyed `scratch tenant/customer`. */
async function promptsSent(db: Database, runs: Shard['runs'], waiting: Array<{ subject: { id: string } }>): Promise<Map<string, SentMessage[]>> {
  const rows = await db
    .select({ tenantId: messages.tenantId, subjectId: messages.subjectId, kind: messages.kind, sentAt: messages.sentAt })
    .from(messages)
    .where(and(inArray(messages.tenantId, [runs.baseline, runs.candidate]), eq(messages.subjectType, 'customer'), inArray(messages.subjectId, [...new Set(waiting.map((w) => w.subject.id))]), ne(messages.status, 'suppressed')));
  const out = new Map<string, SentMessage[]>();
  for (const r of rows) pushTo(out, `${r.tenantId}/${r.subjectId}`, { kind: r.kind, sentAt: r.sentAt.getTime() });
  return out;
}

/** Appends to the list a map keeps under `key`. */
function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

async function sampleOf(db: Database, tenantId: string, sample: WhatIfOptions['sample']) {
  const where = [eq(customers.tenantId, tenantId)];
  if (sample.customerIds?.length) where.push(inArray(customers.id, sample.customerIds));
  if (sample.stage) where.push(eq(customers.stage, sample.stage));
  if (sample.playbookId) where.push(eq(customers.playbookId, sample.playbookId));
  const rows = await db
    .select()
    .from(customers)
    .where(and(...where))
    .orderBy(desc(customers.createdAt))
    .limit(sample.last ?? sample.customerIds?.length ?? 1000);
  return rows.map((r) => ({
    id: r.id,
    playbookId: r.playbookId,
    profile: { name: r.name, timezone: r.timezone, ...(r.phone ? { phone: r.phone } : {}), ...(r.email ? { email: r.email } : {}) },
  }));
}

async function outcomesOf(db: Database, scratch: string, serverStartOf: Map<string, number>): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  const of = (id: string) => {
    let o = out.get(id);
    if (!o) out.set(id, (o = emptyOutcome()));
    return o;
  };
  for (const m of await db.select().from(messages).where(and(eq(messages.tenantId, scratch), eq(messages.subjectType, 'customer'))).orderBy(asc(messages.sentAt), asc(messages.kind))) {
    of(m.subjectId).messages.push({ kind: m.kind, channel: m.channel, status: m.status, atMinute: Math.round((m.sentAt.getTime() - (serverStartOf.get(m.subjectId) ?? 0)) / MINUTE) });
  }
  for (const c of await db.select({ id: customers.id, stage: customers.stage }).from(customers).where(eq(customers.tenantId, scratch))) of(c.id).stage = c.stage;
  for (const i of await db.select().from(invoices).where(and(eq(invoices.tenantId, scratch), eq(invoices.subjectType, 'customer')))) {
    const o = of(i.subjectId);
    o.invoiced += i.total;
    if (i.status === 'written_off') o.writtenOff += i.balance;
  }
  const paid = await db
    .select({ subjectId: payments.subjectId, amount: sql<number>`coalesce(sum(${payments.amount}), 0)::bigint` })
    .from(payments)
    .where(and(eq(payments.tenantId, scratch), eq(payments.status, 'received')))
    .groupBy(payments.subjectId);
  for (const p of paid) of(p.subjectId).collected += Number(p.amount);
  for (const l of await db.select().from(leakageEntries).where(and(eq(leakageEntries.tenantId, scratch), eq(leakageEntries.subjectType, 'customer')))) {
    const bucket = (of(l.subjectId).leakage[l.kind] ??= { count: 0, lostCount: 0, lost: 0, recovered: 0 });
    bucket.count += 1;
    if (l.status === 'lost') bucket.lostCount += 1;
    bucket.lost += l.lost;
    bucket.recovered += l.recovered;
  }
  return out;
}

/**
 * The two runs take each event a few real milliseconds apart (the server's clock runs between
 * deliveries), so a message's minute may round differently: within a minute is the same moment.
 */
function sameOutcome(a: Outcome, b: Outcome): boolean {
  const { messages: ma, ...ra } = a;
  const { messages: mb, ...rb } = b;
  if (JSON.stringify(ra) !== JSON.stringify(rb) || ma.length !== mb.length) return false;
  return ma.every((m, i) => {
    const n = mb[i]!;
    return m.kind === n.kind && m.channel === n.channel && m.status === n.status && Math.abs(m.atMinute - n.atMinute) <= 1;
  });
}

const emptyOutcome = (): Outcome => ({ messages: [], stage: null, invoiced: 0, collected: 0, writtenOff: 0, leakage: {} });

function kindChanges(a: Outcome, b: Outcome): string[] {
  const count = (o: Outcome) => o.messages.reduce<Record<string, number>>((acc, m) => ((acc[m.kind] = (acc[m.kind] ?? 0) + 1), acc), {});
  const ca = count(a);
  const cb = count(b);
  return [...new Set([...Object.keys(ca), ...Object.keys(cb)])].sort().flatMap((kind) => {
    const d = (cb[kind] ?? 0) - (ca[kind] ?? 0);
    return d === 0 ? [] : [`${d > 0 ? '+' : ''}${d} ${kind}`];
  });
}

function totalsOf(outcomes: Outcome[]): Totals {
  const t: Totals = { messages: 0, byKind: {}, stages: {}, invoiced: 0, collected: 0, writtenOff: 0, leakageLost: 0, leakageByKind: {}, lostByKind: {} };
  for (const o of outcomes) {
    t.messages += o.messages.filter((m) => m.status !== 'suppressed').length;
    for (const m of o.messages) if (m.status !== 'suppressed') t.byKind[m.kind] = (t.byKind[m.kind] ?? 0) + 1;
    if (o.stage) t.stages[o.stage] = (t.stages[o.stage] ?? 0) + 1;
    t.invoiced += o.invoiced;
    t.collected += o.collected;
    t.writtenOff += o.writtenOff;
    for (const [kind, l] of Object.entries(o.leakage)) {
      t.leakageLost += l.lost;
      t.leakageByKind[kind] = (t.leakageByKind[kind] ?? 0) + l.count;
      if (l.lostCount > 0) t.lostByKind[kind] = (t.lostByKind[kind] ?? 0) + l.lostCount;
    }
  }
  return t;
}

/** Every row the scratch tenants wrote, then the tenants: the simulation leaves nothing behind. */
async function forgetScratch(db: Database, scratch: string[]): Promise<void> {
  const tables = await db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.columns where column_name = 'tenant_id' and table_schema = current_schema() and table_name <> 'tenants'`,
  );
  const names = (Array.isArray(tables) ? tables : ((tables as { rows?: Array<{ table_name: string }> }).rows ?? [])).map((r) => r.table_name);
  for (let pass = 0; pass < 3; pass++) {
    for (const name of names) await db.execute(sql`delete from ${sql.identifier(name)} where tenant_id in ${scratch}`).catch(() => undefined);
  }
  await db.delete(tenants).where(inArray(tenants.id, scratch));
}
