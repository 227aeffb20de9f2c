import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import { canonicalJson } from '../db/canonical-json';
import type { Database } from '../db/client';
import { contracts, customers, invoices, leakageEntries, messages, payments, tenants } from '../db/schema';
import type { SentMessage } from './replies';

// What a what-if compares, for customers and contracts alike: each run writes under a scratch
// tenant of its own, and each subject's outcome is read back from those rows, then forgotten.

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

export type SubjectType = 'customer' | 'contract';

export interface Outcome {
  messages: Array<{ kind: string; channel: string; status: string; atMinute: number }>;
  stage: string | null;
  invoiced: number;
  collected: number;
  writtenOff: number;
  /** Per kind: rows opened, how many ended lost, and their money. */
  leakage: Record<string, { count: number; lostCount: number; lost: number; recovered: number }>;
}

/** One subject's two outcomes and what differs between them. */
export interface Comparison {
  events: number;
  baseline: Outcome;
  candidate: Outcome;
  differs: boolean;
  /** Message kinds sent in one run and not the other ("+inquiry.follow_up" only in the candidate). */
  messageChanges: string[];
}

export interface Totals {
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

export interface ScratchRuns {
  baseline: string;
  candidate: string;
}

/** Two scratch tenants, one per run, named for the tenant they simulate. */
export async function openScratch(db: Database, tenantId: string): Promise<ScratchRuns> {
  const runs = { baseline: `whatif-${randomBytes(5).toString('hex')}-a`, candidate: `whatif-${randomBytes(5).toString('hex')}-b` };
  await db.insert(tenants).values(Object.values(runs).map((id) => ({ id, name: `What-if of ${tenantId}` })));
  return runs;
}

/** Appends to the list a map keeps under `key`. */
export function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The messages (not suppressed) each subject has had under these tenants, keyed
 * `tenant/subject`: the real ones the replies model anchors answers to, and each run's prompts.
 */
export async function messagesSent(db: Database, tenantIds: readonly string[], subjectType: SubjectType, subjectIds: readonly string[]): Promise<Map<string, SentMessage[]>> {
  const rows = await db
    .select({ tenantId: messages.tenantId, subjectId: messages.subjectId, kind: messages.kind, sentAt: messages.sentAt })
    .from(messages)
    .where(and(inArray(messages.tenantId, [...tenantIds]), eq(messages.subjectType, subjectType), inArray(messages.subjectId, [...new Set(subjectIds)]), ne(messages.status, 'suppressed')));
  const out = new Map<string, SentMessage[]>();
  for (const r of rows) pushTo(out, `${r.tenantId}/${r.subjectId}`, { kind: r.kind, sentAt: r.sentAt.getTime() });
  return out;
}

/** Each subject's outcome in one run, its message times in minutes from its own server's clock. */
export async function outcomesOf(db: Database, scratch: string, subjectType: SubjectType, serverStartOf: Map<string, number>): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  const of = (id: string) => {
    let o = out.get(id);
    if (!o) out.set(id, (o = emptyOutcome()));
    return o;
  };
  for (const m of await db.select().from(messages).where(and(eq(messages.tenantId, scratch), eq(messages.subjectType, subjectType))).orderBy(asc(messages.sentAt), asc(messages.kind))) {
    of(m.subjectId).messages.push({ kind: m.kind, channel: m.channel, status: m.status, atMinute: Math.round((m.sentAt.getTime() - (serverStartOf.get(m.subjectId) ?? 0)) / MINUTE) });
  }
  const stages =
    subjectType === 'customer'
      ? await db.select({ id: customers.id, stage: customers.stage }).from(customers).where(eq(customers.tenantId, scratch))
      : await db.select({ id: contracts.id, stage: contracts.stage }).from(contracts).where(eq(contracts.tenantId, scratch));
  for (const c of stages) of(c.id).stage = c.stage;
  for (const i of await db.select().from(invoices).where(and(eq(invoices.tenantId, scratch), eq(invoices.subjectType, subjectType)))) {
    const o = of(i.subjectId);
    o.invoiced += i.total;
    if (i.status === 'written_off') o.writtenOff += i.balance;
  }
  const paid = await db
    .select({ subjectId: payments.subjectId, amount: sql<number>`coalesce(sum(${payments.amount}), 0)::bigint` })
    .from(payments)
    .where(and(eq(payments.tenantId, scratch), eq(payments.subjectType, subjectType), eq(payments.status, 'received')))
    .groupBy(payments.subjectId);
  for (const p of paid) of(p.subjectId).collected += Number(p.amount);
  for (const l of await db.select().from(leakageEntries).where(and(eq(leakageEntries.tenantId, scratch), eq(leakageEntries.subjectType, subjectType)))) {
    const bucket = (of(l.subjectId).leakage[l.kind] ??= { count: 0, lostCount: 0, lost: 0, recovered: 0 });
    bucket.count += 1;
    if (l.status === 'lost') bucket.lostCount += 1;
    bucket.lost += l.lost;
    bucket.recovered += l.recovered;
  }
  return out;
}

/** A subject's two outcomes side by side. */
export function compare(events: number, baseline: Outcome | undefined, candidate: Outcome | undefined): Comparison {
  const a = baseline ?? emptyOutcome();
  const b = candidate ?? emptyOutcome();
  return { events, baseline: a, candidate: b, differs: !sameOutcome(a, b), messageChanges: kindChanges(a, b) };
}

/**
 * The two runs take each event a few real milliseconds apart (the server's clock runs between
 * deliveries), so a message's minute may round differently: within a minute is the same moment.
 */
function sameOutcome(a: Outcome, b: Outcome): boolean {
  const { messages: ma, ...ra } = a;
  const { messages: mb, ...rb } = b;
  // Leak kinds come in the order their rows were read: the same outcome in any order.
  if (canonicalJson(ra) !== canonicalJson(rb) || ma.length !== mb.length) return false;
  return ma.every((m, i) => {
    const n = mb[i]!;
    return m.kind === n.kind && m.channel === n.channel && m.status === n.status && Math.abs(m.atMinute - n.atMinute) <= 1;
  });
}

export const emptyOutcome = (): Outcome => ({ messages: [], stage: null, invoiced: 0, collected: 0, writtenOff: 0, leakage: {} });

function kindChanges(a: Outcome, b: Outcome): string[] {
  const count = (o: Outcome) => o.messages.reduce<Record<string, number>>((acc, m) => ((acc[m.kind] = (acc[m.kind] ?? 0) + 1), acc), {});
  const ca = count(a);
  const cb = count(b);
  return [...new Set([...Object.keys(ca), ...Object.keys(cb)])].sort().flatMap((kind) => {
    const d = (cb[kind] ?? 0) - (ca[kind] ?? 0);
    return d === 0 ? [] : [`${d > 0 ? '+' : ''}${d} ${kind}`];
  });
}

export function totalsOf(outcomes: Outcome[]): Totals {
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
export async function forgetScratch(db: Database, scratch: string[]): Promise<void> {
  const tables = await db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.columns where column_name = 'tenant_id' and table_schema = current_schema() and table_name <> 'tenants'`,
  );
  const names = (Array.isArray(tables) ? tables : ((tables as { rows?: Array<{ table_name: string }> }).rows ?? [])).map((r) => r.table_name);
  for (let pass = 0; pass < 3; pass++) {
    for (const name of names) await db.execute(sql`delete from ${sql.identifier(name)} where tenant_id in ${scratch}`).catch(() => undefined);
  }
  await db.delete(tenants).where(inArray(tenants.id, scratch));
}
