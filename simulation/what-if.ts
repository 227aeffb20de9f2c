import { availableParallelism } from 'node:os';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client';
import { resolvePlaybook } from '../db/playbook-store';
import { customers, timelineEntries } from '../db/schema';
import { referencesJobOrInvoice, type CustomerEvent } from '../domain/customer-events';
import { customerWorkflowId } from '../domain/ids';
import type { HomeServicePlaybook, ResolvedPlaybook } from '../playbooks';
import type { customer } from '../workflows/customer';
import { customerEventSignal, customerEventUpdate } from '../workflows/definitions';
import { compare, DAY, forgetScratch, openScratch, outcomesOf, messagesSent, pushTo, totalsOf, type Comparison, type Totals } from './outcomes';
import { onScratchServer, type ScratchServerOptions } from './scratch-server';
import { anchorReplies, dueTimes, type SentMessage } from './replies';

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
export interface WhatIfOptions extends ScratchServerOptions {
  tenantId: string;
  /** The candidate definition, validated (a home-service playbook). */
  candidate: HomeServicePlaybook;
  /** Which customers: these ids, those at a stage, those following a playbook, the newest `last` (1,000 at most). */
  sample: { customerIds?: string[]; stage?: string; playbookId?: string; last?: number };
  /** Simulated time after the last recorded event, for the timers it set (default 30 days). */
  horizonDays?: number;
  /** Time-skipping servers to share the sample among, each with its own worker, all at once (default `scratchServersFor` the sample). */
  servers?: number;
  /** A customer's booking, inquiry, payment or review this soon after a message to them answers it (default 2 days; see `replies.ts`). */
  replyWindowMs?: number;
}

export interface SubjectReport extends Comparison {
  customerId: string;
}

export interface WhatIfReport {
  subjects: SubjectReport[];
  totals: { baseline: Totals; candidate: Totals };
  differing: number;
  simulatedDays: number;
  /** Time-skipping servers it ran on. */
  servers: number;
  seconds: number;
}

export async function simulateWhatIf(options: WhatIfOptions): Promise<WhatIfReport> {
  const started = performance.now();
  const { db, tenantId } = options;
  const subjects = await sampleOf(db, tenantId, options.sample);
  if (subjects.length === 0) return { subjects: [], totals: { baseline: totalsOf([]), candidate: totalsOf([]) }, differing: 0, simulatedDays: 0, servers: 0, seconds: 0 };
  const events = await db
    .select({ subjectId: timelineEntries.subjectId, data: timelineEntries.data, occurredAt: timelineEntries.occurredAt })
    .from(timelineEntries)
    .where(and(eq(timelineEntries.tenantId, tenantId), eq(timelineEntries.subjectType, 'customer'), inArray(timelineEntries.subjectId, subjects.map((s) => s.id)), eq(timelineEntries.kind, 'event')))
    .orderBy(asc(timelineEntries.occurredAt), asc(timelineEntries.position));

  // What each customer was really sent: the replies model anchors their answers to it.
  const sent = await messagesSent(db, [tenantId], 'customer', subjects.map((s) => s.id));

  const runs = await openScratch(db, tenantId);
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
    const servers = Math.max(1, Math.min(options.servers ?? scratchServersFor(subjects.length), subjects.length));
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
    const outcomes = { baseline: await outcomesOf(db, runs.baseline, 'customer', serverStartOf), candidate: await outcomesOf(db, runs.candidate, 'customer', serverStartOf) };
    const reports = subjects.map((s): SubjectReport => ({ customerId: s.id, ...compare(events.filter((e) => e.subjectId === s.id).length, outcomes.baseline.get(s.id), outcomes.candidate.get(s.id)) }));
    const lastAt = (events.at(-1)?.occurredAt.getTime() ?? firstAt) - firstAt;
    return {
      subjects: reports,
      totals: { baseline: totalsOf(reports.map((r) => r.baseline)), candidate: totalsOf(reports.map((r) => r.candidate)) },
      differing: reports.filter((r) => r.differs).length,
      simulatedDays: Math.round(lastAt / DAY) + (options.horizonDays ?? 30),
      servers,
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
  /** Each customer's real messages (not suppressed), keyed `tenant/customer`, for the replies model. */
  sent: Map<string, SentMessage[]>;
}

/** One time-skipping server and its worker replaying its customers' events through both runs; answers where its clock began. */
async function replayShard(options: WhatIfOptions, shard: Shard): Promise<number> {
  const { runs, subjects, events, firstAt, playbooks, candidate } = shard;
  return onScratchServer(options, async ({ env, taskQueue, serverStart, sent }) => {
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
          (shard.sent.get(`${options.tenantId}/${s.id}`) ?? []).map((m) => ({ kind: m.kind, sentAt: m.sentAt })),
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
    for (;;) {
      const heads = queues.filter((q) => q.items.length > 0);
      if (heads.length === 0) break;
      const now = Number(await env.currentTimeMs());
      const waiting = heads.filter((q) => q.items[0]!.anchor);
      const prompts = waiting.length > 0 ? sent.of([runs.baseline, runs.candidate], 'customer', waiting.map((q) => q.subject.id)) : new Map<string, SentMessage[]>();
      const timing = heads.map((q) => ({ q, key: `${runs[q.run]}/${q.subject.id}`, recordedAt: q.items[0]!.recordedAt, anchor: q.items[0]!.anchor }));
      const { due: timed, wakeAt } = dueTimes(timing, prompts, now);
      const due = timed.map((d) => ({ ...d, order: d.q.items[0]!.order }));
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
}

/**
 * How many time-skipping servers a sample of `subjects` shares, when the caller does not say: one
 * per 50 (100 customers × 1 year took 131 s on one pair here, 122 s on four servers), at most two
 * per core. A test server's cost grows faster than the workflows it holds, and each skip of its
 * clock waits for every workflow on it, so smaller shards run side by side go faster until the
 * cores are full.
 */
export function scratchServersFor(subjects: number): number {
  return Math.max(1, Math.min(Math.ceil(subjects / 50), 2 * availableParallelism()));
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

