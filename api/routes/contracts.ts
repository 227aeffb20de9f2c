import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { contracts } from '../../db/schema';
import { ApprovalDecisionInput, ContractEventInput, UsageBatch } from '../../domain/contracts/contract-events';
import { QuoteInput } from '../../domain/contracts/quote';
import { money } from '../../domain/money';
import { contractStages, liveContractStages } from '../../workflows/contract-definitions';
import { problems } from '../http/problem';
import { assertContractExists, contractLinks, contractResource, createQuote, decideQuote, deliverContractEvent, getContractView, upcomingInvoiceOf } from '../contracts/service';
import { idOrdered, listPage, startsWith } from '../http/pagination';
import { defineRoute, IdParam, ListQuery, SearchQuery } from '../http/route';
import { revenueSchedule } from '../contracts/revenue-schedule';
import { eventRoute, invoicesRoute, liveStateRoute, stageCountsRoute, type Subject } from './subject-routes';
import { takeUsage } from '../contracts/usage-intake';

const ContractListQuery = ListQuery.extend({ stage: z.enum(contractStages).optional(), ...SearchQuery.shape });
const AsOfQuery = z.strictObject({ asOf: z.iso.datetime({ offset: true }).optional() });

const exampleQuote = {
  id: 'initech-2027',
  customer: { name: 'Initech', email: 'ap@initech.example', timezone: 'America/Chicago' },
  currency: 'USD',
  lines: [
    { lineId: 'seats', sku: 'SEAT', quantity: 50, listPrice: { amount: 4000, currency: 'USD' }, discountPercent: 15, pricingModel: 'per_unit', billing: { interval: 'month', timing: 'advance' } },
    { lineId: 'onboarding', sku: 'ONBOARD', listPrice: { amount: 250000, currency: 'USD' }, pricingModel: 'flat', billing: { interval: 'one_time', timing: 'advance' } },
    {
      lineId: 'api',
      sku: 'API',
      listPrice: { amount: 0, currency: 'USD' },
      pricingModel: 'tiered',
      tiers: [
        { upTo: 100000, unitAmount: 0 },
        { upTo: null, unitAmount: 1 },
      ],
      usageMetric: 'api_calls',
      billing: { interval: 'month', timing: 'arrears' },
    },
  ],
  term: 'P12M',
  start: '2027-01-01',
  autoRenew: true,
};

const contract: Subject = { type: 'contract', noun: 'Contract', collection: '/v1/contracts', tag: 'Contracts', exists: assertContractExists };

export const contractRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/quotes',
    operationId: 'createQuote',
    summary: 'Create a quote and start its contract workflow; discounts and terms outside policy wait for approvers (or are refused outright)',
    tag: 'Contracts',
    access: { kind: 'tenant', scope: 'write' },
    body: QuoteInput,
    example: { body: exampleQuote },
    responses: {
      201: { description: 'Created: approved at once, or waiting for the approvals listed' },
      200: { description: 'A quote with this id exists; its live state is returned' },
      422: { description: 'Unknown playbook, or a discount beyond every approver' },
    },
    async handler({ auth, body, deps, seed }) {
      const result = await createQuote(deps, auth.tenantId, body, seed);
      return { status: result.created ? 201 : 200, body: result.contract, headers: { Location: result.contract.links.self } };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/v1/quotes/:id/approvals',
    operationId: 'decideQuote',
    summary: "An approver's decision on a quote (an Update: answers the quote's new status)",
    tag: 'Contracts',
    access: { kind: 'tenant', scope: 'write' },
    params: IdParam,
    body: ApprovalDecisionInput,
    example: { body: { role: 'sales_manager', approver: 'maria@vendor.example', decision: 'approve', comment: 'Strategic logo' } },
    responses: {
      200: { description: "The quote's status after the decision, and the approvals still pending" },
      404: { description: 'No such quote' },
      409: { description: 'This role has nothing pending, or the quote is already decided' },
    },
    async handler({ auth, params, body, deps, seed }) {
      return { status: 200, body: await decideQuote(deps, auth.tenantId, params.id, body, seed) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/contracts',
    operationId: 'listContracts',
    summary: 'List quotes and contracts, optionally by stage or by the start of a customer name or id (q)',
    tag: 'Contracts',
    access: { kind: 'tenant', scope: 'read' },
    query: ContractListQuery,
    responses: { 200: { description: 'A page of contracts' } },
    async handler({ auth, query, deps }) {
      const order = idOrdered<typeof contracts.$inferSelect>(query, contracts.id);
      const where = [eq(contracts.tenantId, auth.tenantId), query.stage ? eq(contracts.stage, query.stage) : undefined, startsWith(query.q, contracts.customerName, contracts.id)];
      const body = await listPage(deps.db, contracts, where, order, (c) => ({
        id: c.id,
        customer: { name: c.customerName },
        stage: c.stage,
        playbook: { id: c.playbookId, version: c.playbookVersion },
        term: c.termStart ? { start: c.termStart.toISOString(), end: c.termEnd?.toISOString() ?? null } : null,
        autoRenew: c.autoRenew === 1,
        mrr: money(c.mrr, c.currency),
        nextInvoiceAt: c.nextInvoiceAt?.toISOString() ?? null,
        links: contractLinks(deps, auth.tenantId, c.id),
      }));
      return { status: 200, body };
    },
  }),

  stageCountsRoute(contract, contractStages, contracts),

  liveStateRoute(
    contract,
    'Live state from the workflow: stage, approvals pending, term, current periods, next invoice date, renewal date, invoices and holds',
    contractResource,
  ),

  eventRoute(
    contract,
    {
      summary: 'Deliver one contract event (signed, amended, renewed, cancelled, invoice approved, payment, dispute, credit), applied once per eventId',
      body: ContractEventInput,
      example: { type: 'contract.signed', eventId: 'docusign-88213', signedBy: 'Bill Lumbergh' },
      responses: {
        202: { description: 'Accepted and applied by the contract; `duplicate: true` when an event with this eventId was applied already (nothing changes)' },
        404: { description: 'No such contract' },
        409: { description: "The contract's state does not allow it (e.g. signing an unapproved quote), or the eventId was used for an event of another type" },
        422: { description: 'The event names a line or invoice the contract does not have' },
      },
    },
    deliverContractEvent,
  ),

  defineRoute({
    method: 'post',
    path: '/v1/contracts/:id/usage',
    operationId: 'postContractUsage',
    summary: 'A batch of usage records, all or nothing; each record id is accepted once, and rated when its period closes',
    tag: 'Contracts',
    access: { kind: 'tenant', scope: 'write' },
    params: IdParam,
    body: UsageBatch,
    example: { body: { records: [{ id: 'evt-2027-01-05-0001', metric: 'api_calls', quantity: 1250, occurredAt: '2027-01-05T14:00:00Z' }] } },
    responses: {
      202: { description: 'Taken: how many were new, which ids were already taken, and which are late (for a period already invoiced: billed on the next invoice as a dated adjustment)' },
      404: { description: 'No such contract' },
      409: { description: 'The contract is not active' },
      422: { description: 'A record could never be billed (unknown metric, before the term, after its last period was invoiced, in the future, an id reused for a different record)' },
    },
    async handler({ auth, params, body, deps }) {
      return { status: 202, body: await takeUsage(deps, auth.tenantId, params.id, body) };
    },
  }),

  invoicesRoute(contract, 'Invoices and credit notes with lines, service periods, status, holds and their reasons, oldest first'),

  defineRoute({
    method: 'get',
    path: '/v1/contracts/:id/upcoming-invoice',
    operationId: 'getUpcomingInvoice',
    summary: 'The next invoice as it stands now: usage so far, prorations, account credit and whether it would be held, drawn up by the code that will issue it',
    tag: 'Contracts',
    access: { kind: 'tenant', scope: 'read' },
    params: IdParam,
    responses: { 200: { description: 'The upcoming invoice' }, 404: { description: 'No such contract' }, 409: { description: 'No invoice is coming: the contract is not signed, or has ended' } },
    async handler({ auth, params, deps }) {
      await assertContractExists(deps, auth.tenantId, params.id);
      const upcoming = await upcomingInvoiceOf(deps, auth.tenantId, params.id).catch(async (error) => {
        // An ended contract's workflow is closed: no invoice is coming.
        const [row] = await deps.db.select({ stage: contracts.stage }).from(contracts).where(and(eq(contracts.tenantId, auth.tenantId), eq(contracts.id, params.id)));
        if (row && !(liveContractStages as readonly string[]).includes(row.stage)) return null;
        throw error;
      });
      if (!upcoming) throw problems.conflict(`Contract "${params.id}" has no invoice coming: it is not signed yet, or it has ended.`);
      return { status: 200, body: upcoming };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/contracts/:id/revenue-schedule',
    operationId: 'getRevenueSchedule',
    summary: 'Recognised revenue by month, and deferred (or unbilled) revenue at each month end and at asOf (default now)',
    tag: 'Contracts',
    access: { kind: 'tenant', scope: 'read' },
    params: IdParam,
    query: AsOfQuery,
    responses: { 200: { description: 'The schedule' }, 404: { description: 'No such contract' } },
    async handler({ auth, params, query, deps }) {
      const row = await assertContractExists(deps, auth.tenantId, params.id);
      const currency = row?.currency ?? (await getContractView(deps, auth.tenantId, params.id)).currency;
      const asOf = new Date(query.asOf ?? Date.now()).toISOString();
      return { status: 200, body: await revenueSchedule(deps, auth.tenantId, params.id, currency, asOf) };
    },
  }),
];
