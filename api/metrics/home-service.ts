import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { rate, share, type Rate } from './figures';
import { exactTotal } from './exact-total';
import type { Period } from './period';
import { one, rows, within } from './query';

/**
 * The home-service KPIs of a period, from the timeline, the outbox, invoices and the leakage
 * ledger. Every event and action counts in the period its workflow time falls in.
 */

/** The replies that answer a lead: the acknowledgement, the missed-call text-back, a follow-up. */
export const LEAD_REPLIES = ['inquiry.acknowledgement', 'missed_call.text_back', 'inquiry.follow_up'] as const;

export interface Durations {
  count: number;
  /** The lower median (an observed value), seconds. */
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface HomeServiceKpis {
  /** From an inquiry or missed call to the first reply that reached the customer (recorded or delivered; not suppressed or failed). */
  speedToLead: Durations & { leads: number; answeredWithin5Minutes: Rate };
  /** booked ÷ (booked + leads lost unbooked), ServiceTitan's definition. */
  bookingRate: Rate;
  /** no-shows ÷ (jobs started + no-shows). */
  noShowRate: Rate;
  /** bookings cancelled ÷ bookings made. */
  cancellationRate: Rate;
  /** Job done (the time the source gave, else when Revloop heard) → invoice issued. */
  invoiceLatency: Durations;
  reviews: {
    /** Review requests sent ÷ jobs completed. */
    requestRate: Rate;
    /** Reviews received ÷ review requests sent. */
    reviewRate: Rate;
    /** Mean of the ratings received, two decimals; null with none. */
    averageRating: number | null;
    serviceRecoveries: number;
  };
  customers: {
    /** Customers with a job completed in the period; repeat ones have had two or more by its end. */
    repeatRate: Rate;
    /** Invoiced in the period ÷ customers invoiced, per currency. */
    revenuePerCustomer: Array<{ currency: string; customers: number; invoiced: number; perCustomer: number | null }>;
    /** Customers who came back during a reactivation sequence. */
    reactivated: number;
  };
}

const seconds = (v: string | number | null) => (v === null ? null : Number(v));

export async function homeServiceKpis(db: Database, tenantId: string, period: Period): Promise<HomeServiceKpis> {
  const to = period.to.toISOString();
  const inPeriod = (column: string) => within(column, period);
  const replies = sql.join(
    LEAD_REPLIES.map((k) => sql`${k}`),
    sql`, `,
  );

  const [lead, counts, latency, ledger, requests, recoveries, repeat, revenue] = await Promise.all([
    one<{ leads: number; answered: number; within5: number; median: string | null; p90: string | null }>(
      db,
      sql`with leads as (
            select t.subject_id, t.occurred_at from timeline_entries t
            where t.tenant_id = ${tenantId} and t.type in ('inquiry.received', 'call.missed') and t.kind = 'event' and t.subject_type = 'customer' and ${inPeriod('t.occurred_at')}
          ), answered as (
            select l.occurred_at, (
              select min(coalesce(m.delivered_at, m.sent_at)) from messages m
              where m.tenant_id = ${tenantId} and m.subject_type = 'customer' and m.subject_id = l.subject_id
                and m.sent_at >= l.occurred_at and m.kind in (${replies}) and m.status in ('recorded', 'delivered')
            ) as replied_at from leads l
          )
          select count(*)::int as leads, count(replied_at)::int as answered,
            (count(*) filter (where replied_at - occurred_at <= interval '5 minutes'))::int as within5,
            (percentile_disc(0.5) within group (order by round(extract(epoch from replied_at - occurred_at))))::text as median,
            (percentile_disc(0.9) within group (order by round(extract(epoch from replied_at - occurred_at))))::text as p90
          from answered`,
    ),
    one<{ booked: number; lost: number; cancelled: number; started: number; completed: number; reviews: number; ratingSum: number; reactivated: number }>(
      db,
      sql`select
            (count(*) filter (where kind = 'event' and type = 'booking.requested'))::int as booked,
            (count(*) filter (where kind = 'action' and type = 'inquiry.lost'))::int as lost,
            (count(*) filter (where kind = 'event' and type = 'booking.cancelled'))::int as cancelled,
            (count(*) filter (where kind = 'event' and type = 'job.started'))::int as started,
            (count(*) filter (where kind = 'event' and type = 'job.completed'))::int as completed,
            (count(*) filter (where kind = 'event' and type = 'review.submitted'))::int as reviews,
            coalesce(sum((data->>'rating')::int) filter (where kind = 'event' and type = 'review.submitted'), 0)::int as "ratingSum",
            (count(distinct subject_id) filter (where kind = 'action' and type = 'reactivation.succeeded'))::int as reactivated
          from timeline_entries
          where tenant_id = ${tenantId} and type in ('booking.requested', 'inquiry.lost', 'booking.cancelled', 'job.started', 'job.completed', 'review.submitted', 'reactivation.succeeded')
            and subject_type = 'customer' and ${inPeriod('occurred_at')}`,
    ),
    one<{ count: number; median: string | null; p90: string | null }>(
      db,
      sql`with latency as (
            select greatest(0, round(extract(epoch from i.issued_at - coalesce((t.data->>'occurredAt')::timestamptz, t.occurred_at)))) as s
            from invoices i join timeline_entries t
              on t.tenant_id = i.tenant_id and t.subject_type = 'customer' and t.subject_id = i.subject_id and t.type = 'job.completed' and t.kind = 'event' and t.data->>'jobId' = i.job_id
            where i.tenant_id = ${tenantId} and i.subject_type = 'customer' and i.kind = 'invoice' and ${inPeriod('i.issued_at')}
          )
          select count(*)::int as count, (percentile_disc(0.5) within group (order by s))::text as median, (percentile_disc(0.9) within group (order by s))::text as p90 from latency`,
    ),
    one<{ noShows: number }>(db, sql`select count(*)::int as "noShows" from leakage_entries where tenant_id = ${tenantId} and kind = 'no_show' and ${inPeriod('occurred_at')}`),
    one<{ requests: number }>(
      db,
      sql`select count(*)::int as requests from messages where tenant_id = ${tenantId} and kind = 'review.request' and subject_type = 'customer' and status not in ('suppressed', 'failed') and ${inPeriod('sent_at')}`,
    ),
    one<{ recoveries: number }>(db, sql`select count(*)::int as recoveries from tasks where tenant_id = ${tenantId} and kind = 'service_recovery' and ${inPeriod('created_at')}`),
    one<{ served: number; repeat: number }>(
      db,
      sql`with served as (
            select distinct subject_id from timeline_entries
            where tenant_id = ${tenantId} and type = 'job.completed' and kind = 'event' and subject_type = 'customer' and ${inPeriod('occurred_at')}
          )
          select count(*)::int as served, (count(*) filter (where (
            select count(*) from timeline_entries t
            where t.tenant_id = ${tenantId} and t.subject_type = 'customer' and t.subject_id = s.subject_id and t.type = 'job.completed' and t.kind = 'event' and t.occurred_at < ${to}::timestamptz
          ) >= 2))::int as repeat from served s`,
    ),
    rows<{ currency: string; customers: number; invoiced: string }>(
      db,
      sql`select currency, count(distinct subject_id)::int as customers, sum(total)::text as invoiced from invoices
          where tenant_id = ${tenantId} and subject_type = 'customer' and kind = 'invoice' and status <> 'held' and ${inPeriod('issued_at')}
          group by currency order by currency`,
    ),
  ]);

  return {
    speedToLead: { leads: lead.leads, count: lead.answered, medianSeconds: seconds(lead.median), p90Seconds: seconds(lead.p90), answeredWithin5Minutes: rate(lead.within5, lead.leads) },
    bookingRate: rate(counts.booked, counts.booked + counts.lost),
    noShowRate: rate(ledger.noShows, counts.started + ledger.noShows),
    cancellationRate: rate(counts.cancelled, counts.booked),
    invoiceLatency: { count: latency.count, medianSeconds: seconds(latency.median), p90Seconds: seconds(latency.p90) },
    reviews: {
      requestRate: rate(requests.requests, counts.completed),
      reviewRate: rate(counts.reviews, requests.requests),
      averageRating: counts.reviews === 0 ? null : share(counts.ratingSum * 100, counts.reviews)! / 100,
      serviceRecoveries: recoveries.recoveries,
    },
    customers: {
      repeatRate: rate(repeat.repeat, repeat.served),
      revenuePerCustomer: revenue.map((r) => {
        const invoiced = exactTotal(r.invoiced);
        return { currency: r.currency, customers: r.customers, invoiced, perCustomer: share(invoiced, r.customers) };
      }),
      reactivated: counts.reactivated,
    },
  };
}
