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

/** A reply counts when it is sent within this long after the period: later is not an answer. */
const REPLY_WITHIN_DAYS = 30;

/** The replies that answer a lead: the acknowledgement, the missed-call text-back, a follow-up. */
export const LEAD_REPLIES = ['inquiry.acknowledgement', 'missed_call.text_back', 'inquiry.follow_up'] as const;

export interface Durations {
  count: number;
  /** The lower median (an observed value), seconds. */
  medianSeconds: number | null;
  p90Seconds: number | null;
}

/**
 * Where revenue leaks, step by step, for the period: each count is of its own step in the period
 * (not a cohort followed through), so a step can exceed the one before it.
 */
export interface Funnel {
  /** Inquiries and missed calls. */
  leads: number;
  booked: number;
  /** Jobs completed. */
  done: number;
  /** Job invoices issued. */
  invoiced: number;
  /** Of the job invoices issued in the period, those paid by now. */
  paid: number;
  /** Reviews received. */
  reviewed: number;
  /** Customers with a job done in the period who had had one before: repeat customers. */
  returned: number;
}

export interface HomeServiceKpis {
  funnel: Funnel;
  /** From an inquiry or missed call to the first reply that reached the customer (recorded or delivered; not suppressed or failed). */
  speedToLead: Durations & { leads: number; answeredWithin5Minutes: Rate };
  /** Missed calls answered with a text-back ÷ missed calls. */
  textBackRate: Rate;
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
    /** Customers with a job done (and so invoiced) in the period; repeat ones have had two or more by its end. */
    repeatRate: Rate;
    /** Invoiced in the period ÷ customers invoiced, per currency. */
    revenuePerCustomer: Array<{ currency: string; customers: number; invoiced: number; perCustomer: number | null }>;
    /** Customers who came back during a reactivation sequence. */
    reactivated: number;
    /** Came back ÷ reactivation sequences started, in the period. */
    reactivationRate: Rate;
  };
}

const seconds = (v: string | number | null) => (v === null ? null : Number(v));

export async function homeServiceKpis(db: Database, tenantId: string, period: Period): Promise<HomeServiceKpis> {
  const replies = sql.join(
    LEAD_REPLIES.map((k) => sql`${k}`),
    sql`, `,
  );

  const [lead, counts, latency, ledger, requests, recoveries, repeat, revenue] = await Promise.all([
    one<{ leads: number; answered: number; within5: number; missedCalls: number; textedBack: number; median: string | null; p90: string | null }>(
      db,
      // Leads of the period and the replies sent from its start to 30 days after its end, matched by
      // customer in one hash join (a lookup per lead costs more on a busy tenant).
      sql`with leads as (
            select t.id, t.type, t.subject_id, t.occurred_at from timeline_entries t
            where t.tenant_id = ${tenantId} and t.type in ('inquiry.received', 'call.missed') and t.kind = 'event' and t.subject_type = 'customer' and ${within('t.occurred_at', period)}
          ), replies as (
            select m.subject_id, m.kind, m.sent_at, coalesce(m.delivered_at, m.sent_at) as reached_at from messages m
            where m.tenant_id = ${tenantId} and m.kind in (${replies}) and m.status in ('recorded', 'delivered') and m.subject_type = 'customer'
              and m.sent_at >= ${period.from.toISOString()}::timestamptz and m.sent_at < ${period.to.toISOString()}::timestamptz + interval '${sql.raw(String(REPLY_WITHIN_DAYS))} days'
          ), waits as (
            select l.type, round(extract(epoch from min(r.reached_at) - l.occurred_at)) as s, bool_or(r.kind = 'missed_call.text_back') as texted
            from leads l left join replies r on r.subject_id = l.subject_id and r.sent_at >= l.occurred_at
            group by l.id, l.type, l.subject_id, l.occurred_at
          )
          select count(*)::int as leads, count(s)::int as answered, (count(*) filter (where s <= 300))::int as within5,
            (count(*) filter (where type = 'call.missed'))::int as "missedCalls", (count(*) filter (where type = 'call.missed' and texted))::int as "textedBack",
            (percentile_disc(0.5) within group (order by s))::text as median, (percentile_disc(0.9) within group (order by s))::text as p90
          from waits`,
    ),
    one<{ booked: number; lost: number; cancelled: number; started: number; completed: number; reviews: number; ratingSum: number; reactivated: number; reactivations: number }>(
      db,
      sql`select
            (count(*) filter (where kind = 'event' and type = 'booking.requested'))::int as booked,
            (count(*) filter (where kind = 'action' and type = 'inquiry.lost'))::int as lost,
            (count(*) filter (where kind = 'event' and type = 'booking.cancelled'))::int as cancelled,
            (count(*) filter (where kind = 'event' and type = 'job.started'))::int as started,
            (count(*) filter (where kind = 'event' and type = 'job.completed'))::int as completed,
            (count(*) filter (where kind = 'event' and type = 'review.submitted'))::int as reviews,
            coalesce(sum((data->>'rating')::int) filter (where kind = 'event' and type = 'review.submitted'), 0)::int as "ratingSum",
            (count(distinct subject_id) filter (where kind = 'action' and type = 'reactivation.succeeded'))::int as reactivated,
            (count(*) filter (where kind = 'action' and type = 'reactivation.started'))::int as reactivations
          from timeline_entries
          where tenant_id = ${tenantId} and type in ('booking.requested', 'inquiry.lost', 'booking.cancelled', 'job.started', 'job.completed', 'review.submitted', 'reactivation.succeeded', 'reactivation.started')
            and subject_type = 'customer' and ${within('occurred_at', period)}`,
    ),
    one<{ count: number; median: string | null; p90: string | null }>(
      db,
      sql`with latency as (
            select greatest(0, round(extract(epoch from i.issued_at - coalesce((t.data->>'occurredAt')::timestamptz, t.occurred_at)))) as s
            from invoices i join timeline_entries t
              on t.tenant_id = i.tenant_id and t.subject_type = 'customer' and t.subject_id = i.subject_id and t.type = 'job.completed' and t.kind = 'event' and t.data->>'jobId' = i.job_id
            where i.tenant_id = ${tenantId} and i.subject_type = 'customer' and i.kind = 'invoice' and ${within('i.issued_at', period)}
          )
          select count(*)::int as count, (percentile_disc(0.5) within group (order by s))::text as median, (percentile_disc(0.9) within group (order by s))::text as p90 from latency`,
    ),
    one<{ noShows: number }>(db, sql`select count(*)::int as "noShows" from leakage_entries where tenant_id = ${tenantId} and kind = 'no_show' and ${within('occurred_at', period)}`),
    one<{ requests: number }>(
      db,
      sql`select count(*)::int as requests from messages where tenant_id = ${tenantId} and kind = 'review.request' and subject_type = 'customer' and status not in ('suppressed', 'failed') and ${within('sent_at', period)}`,
    ),
    one<{ recoveries: number }>(db, sql`select count(*)::int as recoveries from tasks where tenant_id = ${tenantId} and kind = 'service_recovery' and ${within('created_at', period)}`),
    one<{ served: number; repeat: number }>(
      db,
      // Every job done is invoiced the same minute: a customer's job invoices are their jobs, and
      // an earlier one is one lookup in the customer's invoices.
      sql`with served as (
            select subject_id, count(*) as jobs, min(issued_at) as first from invoices
            where tenant_id = ${tenantId} and subject_type = 'customer' and kind = 'invoice' and job_id is not null and ${within('issued_at', period)}
            group by subject_id
          )
          select count(*)::int as served, (count(*) filter (where jobs >= 2 or exists (
            select 1 from invoices j
            where j.tenant_id = ${tenantId} and j.subject_type = 'customer' and j.subject_id = s.subject_id and j.issued_at < s.first and j.kind = 'invoice' and j.job_id is not null
          )))::int as repeat from served s`,
    ),
    rows<{ currency: string; customers: number; invoiced: string; invoices: number; paid: number }>(
      db,
      sql`select currency, count(distinct subject_id)::int as customers, sum(total)::text as invoiced,
            (count(*) filter (where job_id is not null))::int as invoices, (count(*) filter (where job_id is not null and status = 'paid'))::int as paid from invoices
          where tenant_id = ${tenantId} and subject_type = 'customer' and kind = 'invoice' and status <> 'held' and ${within('issued_at', period)}
          group by currency order by currency`,
    ),
  ]);

  return {
    funnel: {
      leads: lead.leads,
      booked: counts.booked,
      done: counts.completed,
      invoiced: revenue.reduce((s, r) => s + r.invoices, 0),
      paid: revenue.reduce((s, r) => s + r.paid, 0),
      reviewed: counts.reviews,
      returned: repeat.repeat,
    },
    speedToLead: { leads: lead.leads, count: lead.answered, medianSeconds: seconds(lead.median), p90Seconds: seconds(lead.p90), answeredWithin5Minutes: rate(lead.within5, lead.leads) },
    textBackRate: rate(lead.textedBack, lead.missedCalls),
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
      reactivationRate: rate(counts.reactivated, counts.reactivations),
    },
  };
}
