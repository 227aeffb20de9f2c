import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { contractQuotes, contracts } from '../../db/schema';
import { resolveContractPlaybook } from '../../db/playbook-store';
import { priceInWords } from '../../domain/billing/rating';
import { approvalPlan } from '../../domain/contracts/approval-policy';
import { startIssue } from '../../domain/contracts/bounds';
import type { ApprovalDecisionInput, ContractEvent, ContractEventInput } from '../../domain/contracts/contract-events';
import type { QuoteInput } from '../../domain/contracts/quote';
import { contractWorkflowId } from '../../domain/ids';
import { formatMoney } from '../../domain/money';
import type { contract } from '../../workflows/contract';
import { approvalDecisionUpdate, contractEventUpdate, contractStateQuery, upcomingInvoiceQuery, upcomingUsageQuery, type ContractView, type UpcomingInvoice } from '../../workflows/contract-definitions';
import { measurePeriod } from '../../activities/usage';
import { RevloopCustomer, RevloopPlaybook, RevloopStage, RevloopTenant } from '../../workflows/search-attributes';
import { nowOf, type ApiDependencies } from '../dependencies';
import { appliedEventType, deliveryUpdateId, duplicateOf } from '../event-receipts';
import { idFor } from '../ids';
import { problems } from '../http/problem';
import { revenuePosition } from './revenue-schedule';
import { askWorkflow, isTemporalUnavailable, isWorkflowNotFound, temporalUnavailable, workflowProblem } from '../http/temporal-errors';
import { subjectLinks } from '../temporal-links';
import { timezoneFor } from '../tenants';

/**
 * Quotes and contracts over HTTP: each is one `contract` workflow. The API checks what it can
 * before anything starts (the playbook exists, the discount is not beyond every approver), and
 * everything that depends on the contract's state is judged by the workflow's Update validators.
 */

export function contractLinks(deps: ApiDependencies, tenantId: string, contractId: string) {
  const { self, temporalUi } = subjectLinks(deps.config, tenantId, 'contract', contractId);
  return { self, temporalUi };
}

export async function createQuote(deps: ApiDependencies, tenantId: string, quote: QuoteInput, seed: string | undefined) {
  const playbook = await resolveContractPlaybook(deps.db, tenantId, quote.playbook);
  if (!playbook) throw problems.unprocessable(`There is no contract playbook "${quote.playbook}".`, [{ path: 'body.playbook', message: 'unknown contract playbook' }]);
  const now = await nowOf(deps);
  const lateStart = startIssue(quote.start, now);
  if (lateStart) throw problems.unprocessable(`The quote cannot start on ${quote.start.slice(0, 10)}: ${lateStart}.`, [{ path: 'body.start', message: lateStart }]);
  const plan = approvalPlan(quote, playbook.definition.guardrails);
  if (plan.refused) {
    throw problems.unprocessable(`The quote is outside policy: ${plan.reason}.`, [{ path: `body.lines.${plan.lineIndex}.discountPercent`, message: plan.reason }]);
  }
  const contractId = quote.id ?? idFor('qte', seed);
  const customer = { name: quote.customer.name, timezone: await timezoneFor(deps.db, tenantId, quote.customer.timezone, playbook.definition.defaultTimezone), ...(quote.customer.email ? { email: quote.customer.email } : {}), ...(quote.customer.phone ? { phone: quote.customer.phone } : {}) };
  const input = { contractId, customer, currency: quote.currency, lines: quote.lines, term: quote.term, start: quote.start, autoRenew: quote.autoRenew, ...(quote.renewalNotice ? { renewalNotice: quote.renewalNotice } : {}) };
  // Kept before the start, so that every contract that exists has its quote (a retry keeps the first).
  await deps.db.insert(contractQuotes).values({ tenantId, contractId, input, createdAt: new Date(now) }).onConflictDoNothing();
  try {
    await deps.temporal.workflow.start<typeof contract>('contract', {
      taskQueue: deps.config.taskQueue,
      workflowId: contractWorkflowId(tenantId, contractId),
      args: [{ tenantId, ...input, playbook }],
      staticSummary: `Contract ${contractId} · ${customer.name} · ${quote.term} from ${quote.start.slice(0, 10)}`,
      staticDetails: [
        `**${customer.name}** · contract \`${contractId}\` of tenant \`${tenantId}\``,
        `Playbook \`${playbook.id}\` v${playbook.version} · ${quote.lines.length} line(s) in ${quote.currency} · term ${quote.term} from ${quote.start} · ${quote.autoRenew ? 'auto-renews' : 'no auto-renewal'}`,
        ...quote.lines.map((l) => `- ${l.sku}: ${l.usageMetric ? `usage of ${l.usageMetric}` : l.quantity} at ${priceInWords(l)}, ${l.pricingModel}, ${l.billing.interval} in ${l.billing.timing}${l.discountPercent ? `, ${l.discountPercent}% off` : ''}${l.minimum ? `, minimum ${formatMoney(l.minimum)}` : ''}`),
      ].join('\n\n'),
      typedSearchAttributes: [
        { key: RevloopTenant, value: tenantId },
        { key: RevloopCustomer, value: contractId },
        { key: RevloopStage, value: plan.approvals.length ? 'pending_approval' : 'approved' },
        { key: RevloopPlaybook, value: `${playbook.id}@v${playbook.version}` },
      ],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { created: false as const, contract: await contractResource(deps, tenantId, contractId) };
    if (isTemporalUnavailable(error)) throw temporalUnavailable(error);
    throw error;
  }
  return {
    created: true as const,
    contract: {
      id: contractId,
      stage: plan.approvals.length ? 'pending_approval' : 'approved',
      approvalsPending: plan.approvals.map((a) => ({ role: a.role, reason: a.reason })),
      playbook: { id: playbook.id, version: playbook.version },
      links: contractLinks(deps, tenantId, contractId),
    },
  };
}

export function getContractView(deps: ApiDependencies, tenantId: string, contractId: string): Promise<ContractView> {
  return askWorkflow(deps.temporal, contractWorkflowId(tenantId, contractId), contractStateQuery, `contract "${contractId}"`);
}

/**
 * The next invoice as it stands: the contract says which usage it will rate, that usage is
 * measured so far (as closing the period would, without closing it), and the contract draws the
 * invoice up from it with the plan it will issue it by. Null when no invoice is coming.
 */
export async function upcomingInvoiceOf(deps: ApiDependencies, tenantId: string, contractId: string): Promise<UpcomingInvoice | null> {
  const workflowId = contractWorkflowId(tenantId, contractId);
  const what = `contract "${contractId}"`;
  const { at, needs } = await askWorkflow(deps.temporal, workflowId, upcomingUsageQuery, what);
  if (at === null) return null;
  const measured = await Promise.all(needs.map(async (n) => ({ key: n.key, usage: await measurePeriod(deps.db, n.request) })));
  return askWorkflow(deps.temporal, workflowId, upcomingInvoiceQuery, what, measured);
}

export async function contractResource(deps: ApiDependencies, tenantId: string, contractId: string) {
  const { tenantId: _tenant, contractId: id, ...view } = await getContractView(deps, tenantId, contractId);
  // Live state from the workflow, plus the revenue position its invoices wrote to PostgreSQL.
  const revenue = await revenuePosition(deps, tenantId, contractId, view.currency);
  return { id, ...view, revenue, links: contractLinks(deps, tenantId, contractId) };
}

/** 404 for a contract this tenant does not have: the read model, or failing that the workflow. */
export async function assertContractExists(deps: ApiDependencies, tenantId: string, contractId: string) {
  const [row] = await deps.db.select().from(contracts).where(and(eq(contracts.tenantId, tenantId), eq(contracts.id, contractId)));
  if (row) return row;
  await getContractView(deps, tenantId, contractId);
  return undefined;
}

export async function decideQuote(deps: ApiDependencies, tenantId: string, contractId: string, input: ApprovalDecisionInput, seed: string | undefined) {
  const decision = { ...input, decisionId: input.decisionId ?? idFor('dec', seed) };
  try {
    return await deps.temporal.workflow.getHandle(contractWorkflowId(tenantId, contractId)).executeUpdate(approvalDecisionUpdate, { args: [decision], updateId: decision.decisionId });
  } catch (error) {
    throw await closedOr(deps, tenantId, contractId, error);
  }
}

/**
 * A contract whose workflow has ended (rejected, expired, churned) cannot take an Update: Temporal
 * says "not found", but the contract exists, so the answer is 409 with its final stage.
 */
async function closedOr(deps: ApiDependencies, tenantId: string, contractId: string, error: unknown): Promise<unknown> {
  if (isWorkflowNotFound(error)) {
    const [row] = await deps.db.select({ stage: contracts.stage }).from(contracts).where(and(eq(contracts.tenantId, tenantId), eq(contracts.id, contractId)));
    if (row) return problems.conflict(`Contract "${contractId}" is ${row.stage}; it takes no more events or decisions.`);
  }
  return workflowProblem(error, `contract "${contractId}"`);
}

export async function deliverContractEvent(deps: ApiDependencies, tenantId: string, contractId: string, input: ContractEventInput, seed: string | undefined) {
  const event = { ...input, eventId: input.eventId ?? idFor('evt', seed), receivedAt: new Date().toISOString() } as ContractEvent;
  const applied = await appliedEventType(deps.db, tenantId, { type: 'contract', id: contractId }, event.eventId);
  if (applied) return duplicateOf(event.eventId, event.type, applied);
  try {
    const result = await deps.temporal.workflow.getHandle(contractWorkflowId(tenantId, contractId)).executeUpdate(contractEventUpdate, { args: [event], updateId: deliveryUpdateId(event.eventId) });
    return { eventId: event.eventId, type: event.type, duplicate: result.duplicate };
  } catch (error) {
    throw await closedOr(deps, tenantId, contractId, error);
  }
}
