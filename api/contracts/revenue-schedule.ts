import { and, asc, eq } from 'drizzle-orm';
import { revenueLines } from '../../db/schema';
import { positionAt, scheduleByMonth, type RevenueLine } from '../../domain/billing/recognition';
import { money } from '../../domain/money';
import type { ApiDependencies } from '../dependencies';

/**
 * A contract's revenue by month (ASC 606 / IFRS 15, simplified) from the revenue lines its invoices
 * and credits wrote: what each month recognises, and the contract's net position at each month's
 * end and at `asOf` — deferred revenue (billed ahead of service) or unbilled revenue (served ahead
 * of billing), never both, as one contract presents one net position.
 */
async function revenueLinesOf(deps: ApiDependencies, tenantId: string, contractId: string): Promise<RevenueLine[]> {
  const rows = await deps.db
    .select()
    .from(revenueLines)
    .where(and(eq(revenueLines.tenantId, tenantId), eq(revenueLines.contractId, contractId)))
    .orderBy(asc(revenueLines.start), asc(revenueLines.key));
  return rows.map((r) => ({ key: r.key, amount: r.amount, method: r.method, start: r.start.toISOString(), end: r.end.toISOString(), billedAt: r.billedAt.toISOString() }));
}

/** The contract's net revenue position at one instant. */
function netPosition(lines: RevenueLine[], currency: string, at: string) {
  const p = positionAt(lines, at);
  const difference = p.billed - p.recognised;
  return { billed: money(p.billed, currency), recognised: money(p.recognised, currency), deferred: money(Math.max(0, difference), currency), unbilled: money(Math.max(0, -difference), currency) };
}

/** Billed, recognised and deferred (or unbilled) revenue now: part of a contract's live state. */
export async function revenuePosition(deps: ApiDependencies, tenantId: string, contractId: string, currency: string) {
  return netPosition(await revenueLinesOf(deps, tenantId, contractId), currency, new Date().toISOString());
}

export async function revenueSchedule(deps: ApiDependencies, tenantId: string, contractId: string, currency: string, asOf: string) {
  const lines = await revenueLinesOf(deps, tenantId, contractId);
  const net = (at: string) => netPosition(lines, currency, at);
  const months = scheduleByMonth(lines).map(({ month, recognised }) => {
    const [year, m] = month.split('-').map(Number) as [number, number];
    const monthEnd = new Date(Date.UTC(year, m, 1)).toISOString();
    const position = net(monthEnd);
    return { month, recognised: money(recognised, currency), deferredAtMonthEnd: position.deferred, unbilledAtMonthEnd: position.unbilled };
  });
  return {
    currency,
    asOf,
    ...net(asOf),
    total: { billed: money(lines.reduce((sum, l) => sum + l.amount, 0), currency), recognisedOverLife: money(months.reduce((sum, m) => sum + m.recognised.amount, 0), currency) },
    months,
  };
}
