import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { ApiConfig } from '../dependencies';
import { subjectLinks } from '../temporal-links';
import { rows } from './query';

/**
 * What needs a person today, for the dashboard's overview: invoices a pre-bill check holds,
 * service recoveries after a low rating, quotes waiting for an approver, and messages that could
 * not be delivered this week. Each list is its count and the oldest few, linked.
 */

const SHOWN = 10;

export interface AttentionItem {
  subject: { type: 'customer' | 'contract'; id: string };
  summary: string;
  since: string;
  links: { subject: string; temporalUi: string };
}

export interface Attention {
  heldInvoices: { count: number; items: AttentionItem[] };
  serviceRecoveries: { count: number; items: AttentionItem[] };
  approvalsWaiting: { count: number; items: AttentionItem[] };
  failedDeliveries: { count: number; items: AttentionItem[] };
}

type Row = { subject_type: 'customer' | 'contract'; subject_id: string; summary: string; since: string; total: number };


export async function attention(db: Database, config: ApiConfig, tenantId: string, now: number): Promise<Attention> {
  const weekAgo = new Date(now - 7 * 86_400_000).toISOString();
  const monthAgo = new Date(now - 30 * 86_400_000).toISOString();
  const list = (query: ReturnType<typeof sql>) => rows<Row>(db, query);
  const [held, recoveries, approvals, failed] = await Promise.all([
    list(sql`select subject_type, subject_id, 'Invoice ' || id || ' held: ' || coalesce(hold_reason, '') as summary, to_char(issued_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as since, count(*) over ()::int as total
             from invoices where tenant_id = ${tenantId} and status = 'held' order by issued_at limit ${SHOWN}`),
    list(sql`select subject_type, subject_id, summary, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as since, count(*) over ()::int as total
             from tasks where tenant_id = ${tenantId} and kind = 'service_recovery' and status = 'open' and created_at >= ${monthAgo}::timestamptz order by created_at limit ${SHOWN}`),
    list(sql`select 'contract' as subject_type, id as subject_id, 'Quote for ' || customer_name || ' waits for approval' as summary, to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as since, count(*) over ()::int as total
             from contracts where tenant_id = ${tenantId} and stage = 'pending_approval' order by updated_at limit ${SHOWN}`),
    list(sql`select subject_type, subject_id, kind || ' (' || channel || ') not delivered: ' || coalesce(status_reason, '') as summary, to_char(sent_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as since, count(*) over ()::int as total
             from messages where tenant_id = ${tenantId} and status = 'failed' and sent_at >= ${weekAgo}::timestamptz order by sent_at limit ${SHOWN}`),
  ]);
  const section = (found: Row[]) => ({
    count: found[0]?.total ?? 0,
    items: found.map((r) => {
      const links = subjectLinks(config, tenantId, r.subject_type, r.subject_id);
      return { subject: { type: r.subject_type, id: r.subject_id }, summary: r.summary, since: r.since, links: { subject: links.self, temporalUi: links.temporalUi } };
    }),
  });
  return { heldInvoices: section(held), serviceRecoveries: section(recoveries), approvalsWaiting: section(approvals), failedDeliveries: section(failed) };
}
