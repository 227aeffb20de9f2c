import { and, asc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { leakageEntries } from '../../db/schema';
import { LEAK_KINDS, leakKinds, type LeakKind } from '../../domain/leakage';
import type { ApiConfig } from '../dependencies';
import { decodeCursor, listPage, page, type Ordering } from '../http/pagination';
import { problems } from '../http/problem';
import { ListQuery } from '../http/route';
import { subjectLinks, temporalUiLink } from '../temporal-links';
import { exactTotal } from './exact-total';
import type { Period } from './period';

/**
 * The leakage ledger read back: what was at stake in a period (rows by when the leak happened),
 * how much Revloop won back and how much was lost, by kind, per currency (no FX).
 */

export interface MoneyTotals {
  currency: string;
  count: number;
  atStake: number;
  recovered: number;
  /** Recovered after a Revloop step (a text-back, a reminder…), not by the customer on their own. */
  recoveredByRevloop: number;
  lost: number;
  /** Still at stake: rows not resolved yet. */
  open: number;
}

export interface KindTotals extends MoneyTotals {
  kind: LeakKind;
  step: string;
  says: string;
  /** Some of the money is a playbook figure (an average ticket, a quote's value). */
  estimated: boolean;
  openCount: number;
  recoveredCount: number;
  lostCount: number;
}

export interface LeakageReport {
  totals: MoneyTotals[];
  kinds: KindTotals[];
  /** What each Revloop step won back. */
  recoveredBy: Array<{ step: string; currency: string; count: number; amount: number }>;
}

const inPeriod = (tenantId: string, period: Period) =>
  and(eq(leakageEntries.tenantId, tenantId), gte(leakageEntries.occurredAt, period.from), lt(leakageEntries.occurredAt, period.to));

const sum = (column: SQL | AnyPgColumn) => sql<string>`coalesce(sum(${column}), 0)::text`;

export async function leakageReport(db: Database, tenantId: string, period: Period): Promise<LeakageReport> {
  const where = inPeriod(tenantId, period);
  const [byKind, bySteps] = await Promise.all([
    db
      .select({
        kind: leakageEntries.kind,
        currency: leakageEntries.currency,
        count: sql<number>`count(*)::int`,
        openCount: sql<number>`(count(*) filter (where ${leakageEntries.status} = 'open'))::int`,
        recoveredCount: sql<number>`(count(*) filter (where ${leakageEntries.status} = 'recovered'))::int`,
        lostCount: sql<number>`(count(*) filter (where ${leakageEntries.status} = 'lost'))::int`,
        estimated: sql<boolean>`bool_or(${leakageEntries.estimated})`,
        atStake: sum(leakageEntries.atStake),
        recovered: sum(leakageEntries.recovered),
        recoveredByRevloop: sum(sql`case when ${leakageEntries.recoveredBy} is not null then ${leakageEntries.recovered} else 0 end`),
        lost: sum(leakageEntries.lost),
        open: sum(sql`case when ${leakageEntries.status} = 'open' then ${leakageEntries.atStake} else 0 end`),
      })
      .from(leakageEntries)
      .where(where)
      .groupBy(leakageEntries.kind, leakageEntries.currency),
    db
      .select({ step: leakageEntries.recoveredBy, currency: leakageEntries.currency, count: sql<number>`count(*)::int`, amount: sum(leakageEntries.recovered) })
      .from(leakageEntries)
      .where(and(where, sql`${leakageEntries.recoveredBy} is not null`, sql`${leakageEntries.recovered} > 0`))
      .groupBy(leakageEntries.recoveredBy, leakageEntries.currency),
  ]);

  const kinds: KindTotals[] = byKind
    .filter((r): r is typeof r & { kind: LeakKind } => (LEAK_KINDS as string[]).includes(r.kind))
    .map((r) => ({
      kind: r.kind,
      step: leakKinds[r.kind].step,
      says: leakKinds[r.kind].says,
      currency: r.currency,
      count: r.count,
      openCount: r.openCount,
      recoveredCount: r.recoveredCount,
      lostCount: r.lostCount,
      estimated: r.estimated,
      atStake: exactTotal(r.atStake),
      recovered: exactTotal(r.recovered),
      recoveredByRevloop: exactTotal(r.recoveredByRevloop),
      lost: exactTotal(r.lost),
      open: exactTotal(r.open),
    }))
    .sort((a, b) => LEAK_KINDS.indexOf(a.kind) - LEAK_KINDS.indexOf(b.kind) || a.currency.localeCompare(b.currency));

  const totals = new Map<string, MoneyTotals>();
  for (const k of kinds) {
    const t = totals.get(k.currency) ?? { currency: k.currency, count: 0, atStake: 0, recovered: 0, recoveredByRevloop: 0, lost: 0, open: 0 };
    t.count += k.count;
    t.atStake = exactTotal(BigInt(t.atStake) + BigInt(k.atStake));
    t.recovered = exactTotal(BigInt(t.recovered) + BigInt(k.recovered));
    t.recoveredByRevloop = exactTotal(BigInt(t.recoveredByRevloop) + BigInt(k.recoveredByRevloop));
    t.lost = exactTotal(BigInt(t.lost) + BigInt(k.lost));
    t.open = exactTotal(BigInt(t.open) + BigInt(k.open));
    totals.set(k.currency, t);
  }
  return {
    totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    kinds,
    recoveredBy: bySteps
      .map((r) => ({ step: r.step!, currency: r.currency, count: r.count, amount: exactTotal(r.amount) }))
      .sort((a, b) => b.amount - a.amount || a.step.localeCompare(b.step) || a.currency.localeCompare(b.currency)),
  };
}

export const LeakageEntriesQuery = ListQuery.extend({
  kind: z.enum(LEAK_KINDS as [LeakKind, ...LeakKind[]]).optional(),
  status: z.enum(['open', 'recovered', 'lost']).optional(),
  subjectType: z.enum(['customer', 'contract']).optional(),
});

type Row = typeof leakageEntries.$inferSelect;
const money = (amount: number, currency: string) => ({ amount, currency });

/** Ledger rows of the period, oldest first, with links to the subject and to the workflow where each happened. */
export async function leakageEntriesPage(db: Database, config: ApiConfig, tenantId: string, period: Period, query: z.output<typeof LeakageEntriesQuery>) {
  const after = decodeCursor(query.cursor, 4);
  if (after && !(typeof after[0] === 'string' && !Number.isNaN(Date.parse(after[0])) && after.slice(1).every((k) => typeof k === 'string' && k.length <= 200 && !k.includes('\u0000')))) {
    throw problems.validation([{ path: 'query.cursor', message: 'not a cursor this API issued' }]);
  }
  const order: Ordering<Row> = {
    after: after
      ? sql`(${leakageEntries.occurredAt}, ${leakageEntries.subjectType}, ${leakageEntries.subjectId}, ${leakageEntries.id}) > (${String(after[0])}::timestamptz, ${after[1]}, ${after[2]}, ${after[3]})`
      : undefined,
    orderBy: [asc(leakageEntries.occurredAt), asc(leakageEntries.subjectType), asc(leakageEntries.subjectId), asc(leakageEntries.id)],
    limit: query.limit + 1,
    page: (rows) => page(rows, query.limit, (r) => [r.occurredAt.toISOString(), r.subjectType, r.subjectId, r.id]),
  };
  const where = [
    inPeriod(tenantId, period),
    query.kind ? eq(leakageEntries.kind, query.kind) : undefined,
    query.status ? eq(leakageEntries.status, query.status) : undefined,
    query.subjectType ? eq(leakageEntries.subjectType, query.subjectType) : undefined,
  ];
  return listPage(db, leakageEntries, where, order, (r) => entryResource(config, r));
}

function entryResource(config: ApiConfig, r: Row) {
  const kind = r.kind as LeakKind;
  const subject = subjectLinks(config, r.tenantId, r.subjectType, r.subjectId);
  return {
    id: r.id,
    kind,
    step: r.step,
    says: leakKinds[kind]?.says ?? kind,
    status: r.status,
    subject: { type: r.subjectType, id: r.subjectId },
    occurredAt: r.occurredAt.toISOString(),
    atStake: money(r.atStake, r.currency),
    estimated: r.estimated,
    recovered: money(r.recovered, r.currency),
    lost: money(r.lost, r.currency),
    recoveredBy: r.recoveredBy,
    resolvedAt: r.resolvedAt?.toISOString() ?? null,
    ref: r.ref,
    summary: r.summary,
    detail: r.detail,
    links: {
      subject: subject.self,
      temporalUi: temporalUiLink(config, r.workflowId),
      ...(r.workflowId !== subject.workflowId ? { subjectTemporalUi: subject.temporalUi } : {}),
    },
  };
}
