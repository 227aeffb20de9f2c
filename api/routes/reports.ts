import { z } from 'zod';
import { nowOf, type ApiDependencies } from '../dependencies';
import { leakageEntriesPage, LeakageEntriesQuery, leakageReport } from '../reports/leakage';
import { attention } from '../reports/attention';
import { kpiReport } from '../reports/kpis';
import { PeriodQuery, previousPeriod, resolvePeriod, type Period } from '../reports/period';
import { problems } from '../http/problem';
import { defineRoute } from '../http/route';
import { tenantDefaults } from '../tenants';

/** The tenant's zone (UTC when it has none) and the period asked for in it, or a 400 saying why not. */
async function periodFor(deps: ApiDependencies, tenantId: string, query: PeriodQuery): Promise<Period> {
  const timezone = (await tenantDefaults(deps.db, tenantId)).timezone ?? 'UTC';
  const resolved = resolvePeriod(query, timezone, await nowOf(deps));
  if ('issue' in resolved) throw problems.validation([resolved.issue]);
  return resolved.period;
}

const periodOut = (p: Period) => ({ from: p.from.toISOString(), to: p.to.toISOString(), timezone: p.timezone });

const KpiQuery = PeriodQuery.extend({
  /** `previous`: the same figures for the period of the same length just before, for comparison. */
  compare: z.enum(['previous']).optional(),
});

export const metricsRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/metrics/attention',
    operationId: 'getAttention',
    summary: 'What needs a person today: held invoices, service recoveries, quotes waiting for approval, messages not delivered this week',
    tag: 'Metrics',
    access: { kind: 'tenant', scope: 'read' },
    responses: { 200: { description: 'Each list with its count and the oldest ten, linked to the customer or contract and its Temporal UI page' } },
    async handler({ auth, deps }) {
      return { status: 200, body: await attention(deps.db, deps.config, auth.tenantId, await nowOf(deps)) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/metrics/kpis',
    operationId: 'getKpis',
    summary: 'The KPIs that prove RevOps works, for a period: speed to lead, booking, no-show and review rates, collections and DSO, MRR movements, NRR and GRR, quote-to-cash, and what Revloop recovered',
    tag: 'Metrics',
    access: { kind: 'tenant', scope: 'read' },
    query: KpiQuery,
    example: { query: { compare: 'previous' } },
    responses: { 200: { description: 'Every KPI of the period (and of the previous one when asked); each definition is in the README' }, 400: { description: 'A period that is empty, reversed or longer than 1,100 days' } },
    async handler({ auth, query, deps }) {
      const period = await periodFor(deps, auth.tenantId, query);
      const previous = query.compare === 'previous' ? previousPeriod(period) : null;
      const [current, before] = await Promise.all([kpiReport(deps.db, auth.tenantId, period), previous ? kpiReport(deps.db, auth.tenantId, previous) : null]);
      return { status: 200, body: { period: periodOut(period), ...current, ...(previous && before ? { previous: { period: periodOut(previous), ...before } } : {}) } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/metrics/leakage',
    operationId: 'getLeakage',
    summary: 'The leakage ledger for a period: what was at stake, recovered by Revloop and lost, by kind, per currency',
    tag: 'Metrics',
    access: { kind: 'tenant', scope: 'read' },
    query: PeriodQuery,
    responses: { 200: { description: 'Totals by kind and by recovering step; days are the tenant’s local days' }, 400: { description: 'A period that is empty, reversed or longer than 1,100 days' } },
    async handler({ auth, query, deps }) {
      const period = await periodFor(deps, auth.tenantId, query);
      return { status: 200, body: { period: periodOut(period), ...(await leakageReport(deps.db, auth.tenantId, period)) } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/metrics/leakage/entries',
    operationId: 'listLeakageEntries',
    summary: 'The ledger rows of a period, oldest first, each with links to its customer or contract and its Temporal UI page',
    tag: 'Metrics',
    access: { kind: 'tenant', scope: 'read' },
    query: LeakageEntriesQuery.extend(PeriodQuery.shape),
    example: { query: { kind: 'missed_call' } },
    responses: { 200: { description: 'A page of ledger rows' }, 400: { description: 'A bad period, filter or cursor' } },
    async handler({ auth, query, deps }) {
      const period = await periodFor(deps, auth.tenantId, query);
      return { status: 200, body: { period: periodOut(period), ...(await leakageEntriesPage(deps.db, deps.config, auth.tenantId, period, query)) } };
    },
  }),
];
