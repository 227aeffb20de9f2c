import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { ApiDependencies } from '../api/dependencies';
import { takeUsage } from '../api/contracts/usage-intake';
import type { Database } from '../db/client';
import { resolveContractPlaybook } from '../db/playbook-store';
import { contractQuotes, contracts, timelineEntries, usageRecords } from '../db/schema';
import type { ContractEvent } from '../domain/contracts/contract-events';
import { contractWorkflowId } from '../domain/ids';
import type { B2BPlaybook, ResolvedPlaybook } from '../playbooks';
import type { contract } from '../workflows/contract';
import { approvalDecisionUpdate, contractEventUpdate, liveContractStages, type ContractWorkflowInput } from '../workflows/contract-definitions';
import { compare, DAY, forgetScratch, openScratch, outcomesOf, messagesSent, pushTo, totalsOf, type Comparison, type ScratchRuns, type Totals } from './outcomes';
import { anchorReplies, CONTRACT_REPLY_EVENT_TYPES, dueTimes, type ReplyAnchor, type SentMessage } from './replies';
import { onScratchServer, type ScratchServerOptions } from './scratch-server';

/**
 * What would a contract playbook change have done? The what-if of `what-if.ts`, for contracts:
 * each sampled contract is started again from its quote as the API took it (`contract_quotes`),
 * and its approvers' decisions, its events and its usage batches come at their recorded times
 * (shifted together onto the time-skipping server's clock), through two runs side by side: the
 * playbook version the contract follows (`baseline`) and the candidate. Both run the real
 * workflows and activities under scratch tenants, deleted afterwards, with the outbox transport.
 * Usage goes through the API's own intake (so a batch after a close is late, as it was), and a
 * decision or an event one run cannot take (the candidate asks no approval of that role, an
 * invoice it never issued) is a difference, not a failure. The customer's own behaviour is what
 * it was, except that an answer to a message (a payment after a reminder, a signature after the
 * quote, a renewal after the notice) comes as soon after the candidate's message as it came after
 * the real one (`replies.ts`).
 */
export interface ContractWhatIfOptions extends ScratchServerOptions {
  tenantId: string;
  /** The candidate definition, validated (a b2b playbook). */
  candidate: B2BPlaybook;
  /** Which contracts: these ids, those at a stage, those on a playbook, the newest `last` (1,000 at most). */
  sample: { contractIds?: string[]; stage?: string; playbookId?: string; last?: number };
  /** Simulated time after the last recorded event, for the timers it set (default 30 days). */
  horizonDays?: number;
  /** A payment, signature or renewal this soon after a message answers it (default 2 days; see `replies.ts`). */
  replyWindowMs?: number;
}

export interface ContractSubjectReport extends Comparison {
  contractId: string;
}

export interface ContractWhatIfReport {
  subjects: ContractSubjectReport[];
  /** Contracts of the sample that cannot be replayed, and why. */
  skipped: Array<{ contractId: string; reason: string }>;
  totals: { baseline: Totals; candidate: Totals };
  differing: number;
  simulatedDays: number;
  seconds: number;
}

/** One thing that happened to a contract, at its recorded time. */
type Happening =
  | { at: number; what: 'decision'; decision: { role: string; approver: string; decision: 'approve' | 'reject'; decisionId: string } }
  | { at: number; what: 'event'; event: ContractEvent; anchor?: ReplyAnchor }
  | { at: number; what: 'usage'; records: Array<{ id: string; metric: string; quantity: number; occurredAt: string; properties?: Record<string, string | number | boolean> }> };

interface Subject {
  id: string;
  playbook: ResolvedPlaybook<B2BPlaybook>;
  input: Omit<ContractWorkflowInput, 'tenantId' | 'playbook'>;
  quotedAt: number;
  happenings: Happening[];
}

export async function simulateContractWhatIf(options: ContractWhatIfOptions): Promise<ContractWhatIfReport> {
  const started = performance.now();
  const { db, tenantId } = options;
  const { subjects, skipped } = await sampleOf(db, tenantId, options.sample, options.replyWindowMs);
  const empty = { baseline: totalsOf([]), candidate: totalsOf([]) };
  if (subjects.length === 0) return { subjects: [], skipped, totals: empty, differing: 0, simulatedDays: 0, seconds: 0 };
  const runs = await openScratch(db, tenantId);
  try {
    const candidate: ResolvedPlaybook<B2BPlaybook> = { id: options.candidate.id, version: 1, owner: tenantId, definition: options.candidate };
    const firstAt = Math.min(...subjects.map((s) => s.quotedAt));
    const serverStart = await replay(options, runs, subjects, candidate, firstAt);
    const startOf = new Map(subjects.map((s) => [s.id, serverStart] as const));
    const outcomes = { baseline: await outcomesOf(db, runs.baseline, 'contract', startOf), candidate: await outcomesOf(db, runs.candidate, 'contract', startOf) };
    const reports = subjects.map((s): ContractSubjectReport => ({ contractId: s.id, ...compare(s.happenings.length, outcomes.baseline.get(s.id), outcomes.candidate.get(s.id)) }));
    const lastAt = Math.max(...subjects.map((s) => s.happenings.at(-1)?.at ?? s.quotedAt));
    return {
      subjects: reports,
      skipped,
      totals: { baseline: totalsOf(reports.map((r) => r.baseline)), candidate: totalsOf(reports.map((r) => r.candidate)) },
      differing: reports.filter((r) => r.differs).length,
      simulatedDays: Math.round((lastAt - firstAt) / DAY) + (options.horizonDays ?? 30),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await forgetScratch(db, Object.values(runs));
  }
}

/** Both runs of every contract on one time-skipping server; answers where its clock began. */
async function replay(options: ContractWhatIfOptions, runs: ScratchRuns, subjects: Subject[], candidate: ResolvedPlaybook<B2BPlaybook>, firstAt: number): Promise<number> {
  const { db } = options;
  return onScratchServer(options, async ({ env, taskQueue, serverStart, sent }) => {
    const shift = (t: number) => t - firstAt + serverStart;
    const shiftIso = (iso: string) => new Date(shift(Date.parse(iso))).toISOString();
    // The API's usage intake, on the simulated clock of the moment each batch is delivered.
    let clock = serverStart;
    const intake = { db, temporal: env.client, now: () => clock } as unknown as ApiDependencies;
    const queues = (['baseline', 'candidate'] as const).flatMap((run) =>
      subjects.map((s) => ({
        run,
        subject: s,
        workflowId: contractWorkflowId(runs[run], s.id),
        startAt: shift(s.quotedAt),
        started: false,
        items: s.happenings.map((h) => ({ ...h, at: shift(h.at), anchor: h.what === 'event' ? h.anchor : undefined })),
      })),
    );
    // One thing at a time per contract and run: its start, then each happening in recorded order.
    const step = async (q: (typeof queues)[number], at: number) => {
      if (!q.started) {
        q.started = true;
        const input = { ...q.subject.input, start: shiftIso(q.subject.input.start) };
        await env.client.workflow.start<typeof contract>('contract', { taskQueue, workflowId: q.workflowId, args: [{ tenantId: runs[q.run], ...input, playbook: q.run === 'baseline' ? q.subject.playbook : candidate }] });
        return;
      }
      const h = q.items.shift()!;
      const handle = env.client.workflow.getHandle(q.workflowId);
      // Refused in one run is a difference, not a failure.
      if (h.what === 'decision') await handle.executeUpdate(approvalDecisionUpdate, { args: [h.decision], updateId: `${h.decision.decisionId}` }).catch(() => undefined);
      else if (h.what === 'event') {
        const e = h.event as ContractEvent & { effectiveAt?: string; expiresAt?: string };
        // Received when it was applied, on the simulated clock (an answer may come sooner than it did).
        const event = { ...e, receivedAt: new Date(at).toISOString(), ...(e.effectiveAt ? { effectiveAt: shiftIso(e.effectiveAt) } : {}), ...(e.expiresAt ? { expiresAt: shiftIso(e.expiresAt) } : {}) } as ContractEvent;
        await handle.executeUpdate(contractEventUpdate, { args: [event], updateId: event.eventId }).catch(() => undefined);
      } else {
        clock = at;
        // The contract's row, which the intake checks, is written just after the signature it follows.
        await rowWritten(db, runs[q.run], q.subject.id);
        await takeUsage(intake, runs[q.run], q.subject.id, { records: h.records.map((r) => ({ ...r, occurredAt: shiftIso(r.occurredAt) })) }).catch(() => undefined);
      }
    };
    for (;;) {
      const now = Number(await env.currentTimeMs());
      const pending = queues.filter((q) => !q.started || q.items.length > 0);
      if (pending.length === 0) break;
      const waiting = pending.filter((q) => q.started && q.items[0]!.anchor);
      const prompts = waiting.length > 0 ? sent.of([runs.baseline, runs.candidate], 'contract', waiting.map((q) => q.subject.id)) : new Map<string, SentMessage[]>();
      const timing = pending.map((q) => ({ q, key: `${runs[q.run]}/${q.subject.id}`, recordedAt: q.started ? q.items[0]!.at : q.startAt, anchor: q.started ? q.items[0]!.anchor : undefined }));
      const { due, wakeAt } = dueTimes(timing, prompts, now);
      const next = Math.min(wakeAt, ...due.map((d) => d.at));
      if (next > now) {
        await env.sleep(next - now);
        continue;
      }
      // Usage batches of one instant share the intake's clock: those go one at a time.
      const ready = due.filter((d) => d.at <= now);
      const usage = ready.filter((d) => d.q.started && d.q.items[0]!.what === 'usage');
      await Promise.all(ready.filter((d) => !usage.includes(d)).map((d) => step(d.q, d.at)));
      for (const d of usage) await step(d.q, d.at);
    }
    await env.sleep((options.horizonDays ?? 30) * DAY);
  });
}

/** Waits (real time, a few seconds at most) until a scratch contract's row says it is live. */
async function rowWritten(db: Database, scratch: string, contractId: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const [row] = await db.select({ stage: contracts.stage }).from(contracts).where(and(eq(contracts.tenantId, scratch), eq(contracts.id, contractId)));
    if (row && (liveContractStages as readonly string[]).includes(row.stage)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function sampleOf(db: Database, tenantId: string, sample: ContractWhatIfOptions['sample'], replyWindowMs: number | undefined): Promise<{ subjects: Subject[]; skipped: ContractWhatIfReport['skipped'] }> {
  const where = [eq(contracts.tenantId, tenantId)];
  if (sample.contractIds?.length) where.push(inArray(contracts.id, sample.contractIds));
  if (sample.stage) where.push(eq(contracts.stage, sample.stage));
  if (sample.playbookId) where.push(eq(contracts.playbookId, sample.playbookId));
  const rows = await db
    .select({ id: contracts.id, playbookId: contracts.playbookId, playbookVersion: contracts.playbookVersion })
    .from(contracts)
    .where(and(...where))
    .orderBy(desc(contracts.createdAt))
    .limit(sample.last ?? sample.contractIds?.length ?? 1000);
  if (rows.length === 0) return { subjects: [], skipped: [] };
  const ids = rows.map((r) => r.id);
  const quotes = new Map(
    (await db.select().from(contractQuotes).where(and(eq(contractQuotes.tenantId, tenantId), inArray(contractQuotes.contractId, ids)))).map((q) => [q.contractId, q]),
  );
  const happenings = new Map<string, Happening[]>();
  const notes = await db
    .select({ subjectId: timelineEntries.subjectId, id: timelineEntries.id, kind: timelineEntries.kind, type: timelineEntries.type, data: timelineEntries.data, occurredAt: timelineEntries.occurredAt })
    .from(timelineEntries)
    .where(and(eq(timelineEntries.tenantId, tenantId), eq(timelineEntries.subjectType, 'contract'), inArray(timelineEntries.subjectId, ids)))
    .orderBy(asc(timelineEntries.occurredAt), asc(timelineEntries.position));
  // One decision per role and moment: it decided every approval pending for that role.
  const decided = new Set<string>();
  for (const n of notes) {
    const at = n.occurredAt.getTime();
    if (n.kind === 'event') pushTo(happenings, n.subjectId, { at, what: 'event', event: n.data as unknown as ContractEvent });
    else if ((n.type === 'approval.approved' || n.type === 'approval.rejected') && typeof n.data.role === 'string') {
      const key = `${n.subjectId}/${n.data.role}/${at}`;
      if (decided.has(key)) continue;
      decided.add(key);
      const decision = { role: n.data.role, approver: String(n.data.approver ?? 'approver'), decision: n.type === 'approval.approved' ? ('approve' as const) : ('reject' as const), decisionId: `whatif:${n.id}` };
      pushTo(happenings, n.subjectId, { at, what: 'decision', decision });
    }
  }
  // Usage as it was received: each batch (records received at one moment) together.
  const usage = await db
    .select()
    .from(usageRecords)
    .where(and(eq(usageRecords.tenantId, tenantId), inArray(usageRecords.contractId, ids)))
    .orderBy(asc(usageRecords.receivedAt), asc(usageRecords.id));
  for (const r of usage) {
    const list = happenings.get(r.contractId) ?? [];
    const at = r.receivedAt.getTime();
    const record = { id: r.id, metric: r.metric, quantity: Number(r.quantity), occurredAt: r.occurredAt.toISOString(), ...(r.properties ? { properties: r.properties } : {}) };
    const batch = list.find((h): h is Extract<Happening, { what: 'usage' }> => h.what === 'usage' && h.at === at);
    if (batch) batch.records.push(record);
    else pushTo(happenings, r.contractId, { at, what: 'usage', records: [record] });
  }
  // What each contract's customer was really sent (the replies model anchors their answers to it).
  const sent = await messagesSent(db, [tenantId], 'contract', ids);
  const subjects: Subject[] = [];
  const skipped: ContractWhatIfReport['skipped'] = [];
  for (const r of rows) {
    const quote = quotes.get(r.id);
    if (!quote) {
      skipped.push({ contractId: r.id, reason: 'its quote was made before Revloop kept quotes (contract_quotes)' });
      continue;
    }
    const playbook = await resolveContractPlaybook(db, tenantId, r.playbookId, r.playbookVersion);
    if (!playbook) {
      skipped.push({ contractId: r.id, reason: `it follows playbook ${r.playbookId} v${r.playbookVersion}, which this tenant does not have` });
      continue;
    }
    const list = (happenings.get(r.id) ?? []).sort((a, b) => a.at - b.at);
    // What the customer paid, signed or renewed soon after a message answered it (replies.ts).
    const anchors = anchorReplies(list.map((h) => ({ type: h.what === 'event' ? h.event.type : h.what, at: h.at })), sent.get(`${tenantId}/${r.id}`) ?? [], replyWindowMs, CONTRACT_REPLY_EVENT_TYPES);
    list.forEach((h, i) => {
      if (h.what === 'event' && anchors[i]) h.anchor = anchors[i];
    });
    subjects.push({ id: r.id, playbook, input: quote.input as unknown as Subject['input'], quotedAt: quote.createdAt.getTime(), happenings: list });
  }
  return { subjects, skipped };
}
