import { sql } from 'drizzle-orm';
import { roundMinorExact } from '../../domain/billing/exact';
import type { Database } from '../../db/client';
import { exactTotal } from './exact-total';
import { rate } from './figures';
import type { Period } from './period';
import { rows, within } from './query';

/**
 * Collections KPIs over every invoice the tenant issued (customers' and contracts' alike), per
 * currency. Receivables are as they stood at the period's end: each invoice issued by then, not
 * paid or written off by then, less what was received on it by then.
 */

export interface Aging {
  /** Not yet due at the period's end. */
  current: number;
  days1to30: number;
  days31to60: number;
  days61to90: number;
  over90: number;
}

export interface CollectionsKpis {
  currency: string;
  /** Invoice totals issued in the period (held invoices are not issued). */
  billed: number;
  /** Payments received in the period (credit notes and account credit are not payments). */
  collected: number;
  /** collected ÷ billed, four places; null with nothing billed. */
  collectionRate: number | null;
  /** Open at the period's end. */
  receivables: number;
  aging: Aging;
  /** receivables ÷ billed × days in the period, one decimal; null with nothing billed. */
  dsoDays: number | null;
  /** Issued → paid, over the invoices paid in the period (Jobber's definition), one decimal. */
  averageDaysToPay: number | null;
  paidInvoices: number;
  /** Won back by a reminder, final notice or payment retry: ledger rows resolved in the period. */
  collectedAfterReminder: number;
  writtenOff: { count: number; amount: number };
}

const DAY_SECONDS = 86_400;

/** An exact quotient to one decimal, half away from zero. */
const oneDecimal = (n: bigint, d: bigint) => roundMinorExact({ n: n * 10n, d }) / 10;

export async function collectionsKpis(db: Database, tenantId: string, period: Period): Promise<CollectionsKpis[]> {
  const end = period.to.toISOString();
  const [billed, open, paid, reminded, writtenOff, received] = await Promise.all([
    rows<{ currency: string; billed: string }>(
      db,
      sql`select currency, sum(total)::text as billed from invoices
          where tenant_id = ${tenantId} and kind = 'invoice' and status <> 'held' and ${within('issued_at', period)} group by currency`,
    ),
    // Open at the end: issued before it, neither paid nor written off before it; less payments received before it.
    rows<{ currency: string; bucket: string; amount: string }>(
      db,
      sql`with open as (
            select i.currency, i.due_at, greatest(0, i.total - coalesce((
              select sum(p.amount) from payments p
              where p.tenant_id = i.tenant_id and p.subject_type = i.subject_type and p.subject_id = i.subject_id and p.invoice_id = i.id
                and p.status = 'received' and p.occurred_at < ${end}::timestamptz
            ), 0)) as balance
            from invoices i
            where i.tenant_id = ${tenantId} and i.kind = 'invoice' and i.status <> 'held' and i.issued_at < ${end}::timestamptz
              and ((i.paid_at is null and i.written_off_at is null) or i.paid_at >= ${end}::timestamptz or i.written_off_at >= ${end}::timestamptz)
              and (i.paid_at is null or i.paid_at >= ${end}::timestamptz) and (i.written_off_at is null or i.written_off_at >= ${end}::timestamptz)
          )
          select currency, case
              when due_at >= ${end}::timestamptz then 'current'
              when due_at >= ${end}::timestamptz - interval '30 days' then 'days1to30'
              when due_at >= ${end}::timestamptz - interval '60 days' then 'days31to60'
              when due_at >= ${end}::timestamptz - interval '90 days' then 'days61to90'
              else 'over90' end as bucket,
            sum(balance)::text as amount
          from open group by 1, 2`,
    ),
    rows<{ currency: string; count: number; seconds: string }>(
      db,
      sql`select currency, count(*)::int as count, coalesce(sum(round(extract(epoch from paid_at - issued_at))), 0)::text as seconds from invoices
          where tenant_id = ${tenantId} and kind = 'invoice' and ${within('paid_at', period)} group by currency`,
    ),
    rows<{ currency: string; amount: string }>(
      db,
      sql`select currency, sum(recovered)::text as amount from leakage_entries
          where tenant_id = ${tenantId} and kind in ('invoice_overdue', 'payment_failed') and recovered_by is not null and ${within('resolved_at', period)} group by currency`,
    ),
    rows<{ currency: string; count: number; amount: string }>(
      db,
      sql`select currency, count(*)::int as count, sum(balance)::text as amount from invoices
          where tenant_id = ${tenantId} and kind = 'invoice' and ${within('written_off_at', period)} group by currency`,
    ),
    rows<{ currency: string; amount: string }>(
      db,
      sql`select currency, sum(amount)::text as amount from payments
          where tenant_id = ${tenantId} and status = 'received' and coalesce(method, '') not in ('credit_note', 'account_credit') and ${within('occurred_at', period)} group by currency`,
    ),
  ]);

  const currencies = [...new Set([...billed, ...open, ...paid, ...reminded, ...writtenOff, ...received].map((r) => r.currency))].sort();
  // The period's length in minutes: DSO's "days in the period" for periods that are not whole days too.
  const periodMinutes = BigInt(Math.round((period.to.getTime() - period.from.getTime()) / 60_000));
  return currencies.map((currency) => {
    const aging: Aging = { current: 0, days1to30: 0, days31to60: 0, days61to90: 0, over90: 0 };
    for (const r of open.filter((o) => o.currency === currency)) aging[r.bucket as keyof Aging] += exactTotal(r.amount);
    const receivables = Object.values(aging).reduce((s, v) => s + v, 0);
    const billedAmount = exactTotal(billed.find((b) => b.currency === currency)?.billed ?? '0');
    const paidRow = paid.find((p) => p.currency === currency);
    const off = writtenOff.find((w) => w.currency === currency);
    const collected = exactTotal(received.find((r) => r.currency === currency)?.amount ?? '0');
    return {
      currency,
      billed: billedAmount,
      collected,
      collectionRate: billedAmount <= 0 ? null : rate(collected, billedAmount).rate,
      receivables,
      aging,
      dsoDays: billedAmount <= 0 ? null : oneDecimal(BigInt(receivables) * periodMinutes, BigInt(billedAmount) * 1440n),
      averageDaysToPay: paidRow && paidRow.count > 0 ? oneDecimal(BigInt(paidRow.seconds), BigInt(paidRow.count) * BigInt(DAY_SECONDS)) : null,
      paidInvoices: paidRow?.count ?? 0,
      collectedAfterReminder: exactTotal(reminded.find((r) => r.currency === currency)?.amount ?? '0'),
      writtenOff: { count: off?.count ?? 0, amount: exactTotal(off?.amount ?? '0') },
    };
  });
}
