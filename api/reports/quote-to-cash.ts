import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { exactTotal } from './exact-total';
import { rate, type Rate } from './figures';
import type { Durations } from './home-service';
import type { Period } from './period';
import { one, rows, within } from './query';

/**
 * Quote-to-cash KPIs of the B2B lifecycle, and what Revloop won back: from the timeline, the
 * invoices, the policy exceptions and the leakage ledger.
 */

export interface QuoteToCashKpis {
  /** Contract invoices issued in the period with no hold, no credit note and no rebill against them. */
  firstTimeRight: Rate;
  /** Quote created → its first invoice paid, over contracts whose first invoice was paid in the period. */
  quoteToCash: Durations;
  /** Approval requested → decided, over decisions in the period (an escalation does not restart the clock). */
  approvalTime: Durations;
  /** Approved exceptions to pricing policy in the period, by rule. */
  policyExceptions: Array<{ kind: string; count: number }>;
}

export interface RecoveredByRevloop {
  currency: string;
  /** Money won back after a Revloop step, over ledger rows resolved in the period. */
  amount: number;
  bySteps: Array<{ step: string; count: number; amount: number }>;
}

const durations = (r: { count: number; median: string | null; p90: string | null }): Durations => ({
  count: r.count,
  medianSeconds: r.median === null ? null : Number(r.median),
  p90Seconds: r.p90 === null ? null : Number(r.p90),
});

export async function quoteToCashKpis(db: Database, tenantId: string, period: Period): Promise<QuoteToCashKpis> {
  const [right, cash, approvals, exceptions] = await Promise.all([
    one<{ issued: number; right: number }>(
      db,
      sql`select count(*)::int as issued, (count(*) filter (where i.hold_reason is null and not exists (
            select 1 from leakage_entries l
            where l.tenant_id = i.tenant_id and l.subject_type = 'contract' and l.subject_id = i.subject_id and l.kind in ('credit_note', 'rebill') and l.ref = i.id
          )))::int as right
          from invoices i where i.tenant_id = ${tenantId} and i.subject_type = 'contract' and i.kind = 'invoice' and i.status <> 'held' and ${within('i.issued_at', period)}`,
    ),
    one<{ count: number; median: string | null; p90: string | null }>(
      db,
      sql`with firsts as (
            select i.subject_id, min(i.paid_at) as paid_at from invoices i
            where i.tenant_id = ${tenantId} and i.subject_type = 'contract' and i.kind = 'invoice' and i.paid_at is not null
            group by i.subject_id
          ), cycles as (
            select greatest(0, round(extract(epoch from f.paid_at - q.occurred_at))) as s from firsts f
            join timeline_entries q on q.tenant_id = ${tenantId} and q.subject_type = 'contract' and q.subject_id = f.subject_id and q.type = 'quote.created'
            where ${within('f.paid_at', period)}
          )
          select count(*)::int as count, (percentile_disc(0.5) within group (order by s))::text as median, (percentile_disc(0.9) within group (order by s))::text as p90 from cycles`,
    ),
    one<{ count: number; median: string | null; p90: string | null }>(
      db,
      sql`with decided as (
            select subject_id, data->>'key' as key, occurred_at from timeline_entries
            where tenant_id = ${tenantId} and subject_type = 'contract' and type in ('approval.approved', 'approval.rejected') and ${within('occurred_at', period)}
          ), waits as (
            select greatest(0, round(extract(epoch from d.occurred_at - (
              select min(r.occurred_at) from timeline_entries r
              where r.tenant_id = ${tenantId} and r.subject_type = 'contract' and r.subject_id = d.subject_id and r.type = 'approval.requested' and r.data->>'key' = d.key
            )))) as s from decided d
          )
          select count(s)::int as count, (percentile_disc(0.5) within group (order by s))::text as median, (percentile_disc(0.9) within group (order by s))::text as p90 from waits`,
    ),
    rows<{ kind: string; count: number }>(
      db,
      sql`select kind, count(*)::int as count from policy_exceptions where tenant_id = ${tenantId} and ${within('occurred_at', period)} group by kind order by kind`,
    ),
  ]);
  return { firstTimeRight: rate(right.right, right.issued), quoteToCash: durations(cash), approvalTime: durations(approvals), policyExceptions: exceptions };
}

export async function recoveredByRevloop(db: Database, tenantId: string, period: Period): Promise<RecoveredByRevloop[]> {
  const steps = await rows<{ currency: string; step: string; count: number; amount: string }>(
    db,
    sql`select currency, recovered_by as step, count(*)::int as count, sum(recovered)::text as amount from leakage_entries
        where tenant_id = ${tenantId} and recovered_by is not null and recovered > 0 and ${within('resolved_at', period)}
        group by currency, recovered_by`,
  );
  const currencies = [...new Set(steps.map((s) => s.currency))].sort();
  return currencies.map((currency) => {
    const bySteps = steps
      .filter((s) => s.currency === currency)
      .map((s) => ({ step: s.step, count: s.count, amount: exactTotal(s.amount) }))
      .sort((a, b) => b.amount - a.amount || a.step.localeCompare(b.step));
    return { currency, amount: exactTotal(bySteps.reduce((sum, s) => sum + BigInt(s.amount), 0n)), bySteps };
  });
}
