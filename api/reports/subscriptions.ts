import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { positionAt, type RevenueLine } from '../../domain/billing/recognition';
import { monthsOf } from './figures';
import { mrrFigures, noMovements, type MonthMovements, type MrrChange, type SubscriptionFigures } from './mrr-movements';
import type { Period } from './period';
import { rows } from './query';

/**
 * The B2B revenue of a period by local month: MRR movements, NRR and GRR, and bookings beside
 * billings and recognised revenue with the deferred balance at each month's end. Billings and
 * recognition come from the revenue lines every invoice and credit wrote, through the same
 * functions as each contract's revenue schedule, so the months add up to it to the minor unit.
 */

export interface RevenueMonth extends MonthMovements {
  /** ARR booked: 12 × the MRR that new, expanded and reactivated customers added. */
  bookings: number;
  /** Invoiced less credited in the month. */
  billings: number;
  recognised: number;
  /** Billed ahead of service at the month's end, over every contract (each contract's net position). */
  deferredAtEnd: number;
  /** Served ahead of billing at the month's end. */
  unbilledAtEnd: number;
}

interface TimedLine {
  line: RevenueLine;
  startMs: number;
  endMs: number;
  billedMs: number;
}

/**
 * A contract's billed and recognised revenue at an instant, as positionAt computes it: a line wholly
 * before or after the instant is taken whole or not at all without the exact arithmetic, which
 * only a line the instant falls inside needs.
 */
function positionOf(lines: readonly TimedLine[], at: Date): { billed: number; recognised: number } {
  const ms = at.getTime();
  let billed = 0;
  let recognised = 0;
  const straddling: RevenueLine[] = [];
  for (const l of lines) {
    if (l.billedMs <= ms) billed += l.line.amount;
    if (ms > l.endMs) recognised += l.line.amount;
    else if (ms > l.startMs) straddling.push(l.line);
  }
  if (straddling.length > 0) recognised += positionAt(straddling, at.toISOString()).recognised;
  return { billed, recognised };
}

export type SubscriptionKpis = Omit<SubscriptionFigures, 'months'> & { months: RevenueMonth[] };

export async function subscriptionKpis(db: Database, tenantId: string, period: Period): Promise<SubscriptionKpis[]> {
  const end = period.to.toISOString();
  const [changes, lines] = await Promise.all([
    rows<{ customer: string; currency: string; mrrDelta: string; kind: MrrChange['kind']; occurredAt: string }>(
      db,
      sql`select lower(trim(c.customer_name)) as customer, ch.currency, ch.mrr_delta::text as "mrrDelta", ch.kind, ch.occurred_at::text as "occurredAt"
          from contract_changes ch join contracts c on c.tenant_id = ch.tenant_id and c.id = ch.contract_id
          where ch.tenant_id = ${tenantId} and ch.occurred_at < ${end}::timestamptz
          order by ch.occurred_at, ch.contract_id, ch.id`,
    ),
    rows<{ contractId: string; currency: string; key: string; amount: string; method: 'ratable' | 'point'; start: string; end: string; billedAt: string }>(
      db,
      sql`select r.contract_id as "contractId", c.currency, r.key, r.amount::text as amount, r.method,
            to_char(r.start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as start, to_char(r."end" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "end",
            to_char(r.billed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "billedAt"
          from revenue_lines r join contracts c on c.tenant_id = r.tenant_id and c.id = r.contract_id
          where r.tenant_id = ${tenantId} and r.billed_at < ${end}::timestamptz
            -- A line billed and wholly recognised before the period is the same at every boundary in it: it moves nothing.
            and not (r."end" < ${period.from.toISOString()}::timestamptz and r.billed_at < ${period.from.toISOString()}::timestamptz)`,
    ),
  ]);

  const months = monthsOf(period);
  const figures = mrrFigures(
    changes.map((c) => ({ customer: c.customer, currency: c.currency, mrrDelta: Number(c.mrrDelta), kind: c.kind, occurredAt: new Date(c.occurredAt) })),
    months,
    period.from,
  );
  // Revenue lines by currency and contract: a contract's position nets its own lines only.
  const byContract = new Map<string, { currency: string; lines: TimedLine[] }>();
  for (const l of lines) {
    const entry = byContract.get(l.contractId) ?? { currency: l.currency, lines: [] };
    const line: RevenueLine = { key: l.key, amount: Number(l.amount), method: l.method, start: l.start, end: l.end, billedAt: l.billedAt };
    entry.lines.push({ line, startMs: Date.parse(l.start), endMs: Date.parse(l.end), billedMs: Date.parse(l.billedAt) });
    byContract.set(l.contractId, entry);
  }
  const currencies = [...new Set([...figures.map((f) => f.currency), ...[...byContract.values()].map((c) => c.currency)])].sort();
  return currencies.map((currency) => {
    const f = figures.find((x) => x.currency === currency) ?? noMovements(currency, months);
    const contracts = [...byContract.values()].filter((c) => c.currency === currency);
    // Month boundaries are shared (one month's end is the next one's start): each is computed once.
    const positions = new Map<number, { billed: number; recognised: number; deferred: number; unbilled: number }>();
    const at = (instant: Date) => {
      const cached = positions.get(instant.getTime());
      if (cached) return cached;
      const position = { billed: 0, recognised: 0, deferred: 0, unbilled: 0 };
      for (const c of contracts) {
        const { billed, recognised } = positionOf(c.lines, instant);
        position.billed += billed;
        position.recognised += recognised;
        const net = billed - recognised;
        if (net > 0) position.deferred += net;
        else position.unbilled -= net;
      }
      positions.set(instant.getTime(), position);
      return position;
    };
    return {
      ...f,
      months: f.months.map((m, i) => {
        const startPos = at(months[i]!.start);
        const endPos = at(months[i]!.end);
        return {
          ...m,
          bookings: 12 * (m.new + m.expansion + m.reactivation),
          billings: endPos.billed - startPos.billed,
          recognised: endPos.recognised - startPos.recognised,
          deferredAtEnd: endPos.deferred,
          unbilledAtEnd: endPos.unbilled,
        };
      }),
    };
  });
}
