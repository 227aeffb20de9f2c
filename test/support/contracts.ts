import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { contractChanges, invoiceLines, invoices, policyExceptions, revenueLines, tasks } from '../../db/schema';
import type { QuoteLine } from '../../domain/billing/quote-line';
import type { ContractEvent, ContractEventInput } from '../../domain/contracts/contract-events';
import { QuoteInput } from '../../domain/contracts/quote';
import { contractWorkflowId } from '../../domain/ids';
import { findBuiltinContractPlaybook, type B2BPlaybook, type ResolvedPlaybook } from '../../playbooks';
import type { contract } from '../../workflows/contract';
import { queryWithin } from './temporal';
import { approvalDecisionUpdate, contractEventUpdate, contractStateQuery, type ApprovalDecision, type ContractView } from '../../workflows/contract-definitions';
import { createTestTenant as createTenantFor } from './database';
import { eventually } from './eventually';

export type ContractHandle = WorkflowHandle<typeof contract>;

export const usd = (amount: number) => ({ amount, currency: 'USD' });

/** Lines parsed like the API parses them, so defaults (discount 0, quantity 1) apply. */
export function lines(...input: Array<Record<string, unknown>>): QuoteLine[] {
  return QuoteInput.parse({ customer: { name: 'x' }, currency: 'USD', lines: input, term: 'P12M', start: '2030-01-01' }).lines;
}

/** The built-in SaaS playbook with test overrides (a lower first-invoice hold, no escalation…). */
export function saasPlaybook(overrides: (p: B2BPlaybook) => B2BPlaybook = (p) => p): ResolvedPlaybook<B2BPlaybook> {
  const builtin = findBuiltinContractPlaybook('saas-subscription')!;
  return { ...builtin, definition: overrides(structuredClone(builtin.definition)) };
}

/**
 * The built-in SaaS playbook as billing tests want it: short terms standard (a whole term runs in
 * one test), no first-invoice hold; `billing` and `rest` change what else a test needs.
 */
export function quietSaasPlaybook(billing: Partial<Omit<B2BPlaybook['billing'], 'anomaly'>> & { anomaly?: Partial<B2BPlaybook['billing']['anomaly']> } = {}, rest: Partial<B2BPlaybook> = {}): ResolvedPlaybook<B2BPlaybook> {
  return saasPlaybook((p) => ({
    ...p,
    guardrails: { ...p.guardrails, standardTerms: ['P3M', 'P12M'] },
    billing: { ...p.billing, ...billing, anomaly: { ...p.billing.anomaly, firstInvoiceAbove: 100_000_000, ...billing.anomaly } },
    ...rest,
  }));
}

export async function startContract(
  env: TestWorkflowEnvironment,
  options: {
    taskQueue: string;
    tenantId: string;
    lines: QuoteLine[];
    start: string;
    term?: string;
    autoRenew?: boolean;
    playbook?: ResolvedPlaybook<B2BPlaybook>;
    contractId?: string;
    renewalNotice?: string;
    historyLimit?: number;
    customerName?: string;
  },
) {
  const contractId = options.contractId ?? `k-${randomBytes(4).toString('hex')}`;
  const handle = await env.client.workflow.start<typeof contract>('contract', {
    taskQueue: options.taskQueue,
    workflowId: contractWorkflowId(options.tenantId, contractId),
    args: [
      {
        tenantId: options.tenantId,
        contractId,
        customer: { name: options.customerName ?? 'Initech', email: 'ap@initech.example', timezone: 'UTC' },
        currency: 'USD',
        lines: options.lines,
        term: options.term ?? 'P12M',
        start: options.start,
        autoRenew: options.autoRenew ?? true,
        ...(options.renewalNotice ? { renewalNotice: options.renewalNotice } : {}),
        ...(options.historyLimit ? { historyLimit: options.historyLimit } : {}),
        playbook: options.playbook ?? saasPlaybook(),
      },
    ],
  });
  await state(handle);
  return { contractId, handle };
}

let counter = 0;

export async function send(handle: ContractHandle, input: ContractEventInput): Promise<ContractEvent> {
  const event = { ...input, eventId: input.eventId ?? `ce-${++counter}-${randomBytes(3).toString('hex')}`, receivedAt: new Date().toISOString() } as ContractEvent;
  await handle.executeUpdate(contractEventUpdate, { args: [event], updateId: event.eventId });
  return event;
}

export async function decide(handle: ContractHandle, role: string, decision: 'approve' | 'reject' = 'approve') {
  const input: ApprovalDecision = { role, approver: `${role}@vendor.example`, decision, decisionId: `d-${++counter}` };
  return handle.executeUpdate(approvalDecisionUpdate, { args: [input], updateId: input.decisionId });
}

export function state(handle: ContractHandle): Promise<ContractView> {
  return queryWithin(handle, 5_000, () => handle.query(contractStateQuery));
}

export async function contractInvoices(db: Database, tenantId: string, contractId: string) {
  return db
    .select()
    .from(invoices)
    .where(and(eq(invoices.tenantId, tenantId), eq(invoices.subjectType, 'contract'), eq(invoices.subjectId, contractId)))
    .orderBy(asc(invoices.id));
}

export async function linesOf(db: Database, tenantId: string, invoiceId: string) {
  return db.select().from(invoiceLines).where(and(eq(invoiceLines.tenantId, tenantId), eq(invoiceLines.invoiceId, invoiceId))).orderBy(asc(invoiceLines.lineNo));
}

export async function revenueOf(db: Database, tenantId: string, contractId: string) {
  return db.select().from(revenueLines).where(and(eq(revenueLines.tenantId, tenantId), eq(revenueLines.contractId, contractId))).orderBy(asc(revenueLines.key));
}

export async function changesOf(db: Database, tenantId: string, contractId: string) {
  return db.select().from(contractChanges).where(and(eq(contractChanges.tenantId, tenantId), eq(contractChanges.contractId, contractId))).orderBy(asc(contractChanges.occurredAt));
}

export async function exceptionsOf(db: Database, tenantId: string, contractId: string) {
  return db.select().from(policyExceptions).where(and(eq(policyExceptions.tenantId, tenantId), eq(policyExceptions.contractId, contractId)));
}

export async function contractTasks(db: Database, tenantId: string, contractId: string) {
  return db.select().from(tasks).where(and(eq(tasks.tenantId, tenantId), eq(tasks.subjectType, 'contract'), eq(tasks.subjectId, contractId))).orderBy(asc(tasks.createdAt));
}

/** Waits until the contract's invoices in PostgreSQL satisfy `until`. */
export function invoicesUntil(db: Database, tenantId: string, contractId: string, until: (rows: Awaited<ReturnType<typeof contractInvoices>>) => boolean) {
  return eventually(() => contractInvoices(db, tenantId, contractId), { until });
}

/**
 * A contract of `lines` signed now, its term starting at the next UTC midnight, with the suite's
 * clock an hour into the term (whatever it bills at the start is under way).
 */
export async function signedContract(
  suite: { env: TestWorkflowEnvironment; worker: { taskQueue: string }; database: { db: Database }; now: () => Promise<number> },
  options: { lines: QuoteLine[]; playbook: ResolvedPlaybook<B2BPlaybook>; term?: string; autoRenew?: boolean },
) {
  const tenantId = await createTenantFor(suite.database.db);
  const now = await suite.now();
  const start = new Date(Math.ceil((now + 3_600_000) / 86_400_000) * 86_400_000).toISOString();
  const { contractId, handle } = await startContract(suite.env, { taskQueue: suite.worker.taskQueue, tenantId, start, ...options });
  await send(handle, { type: 'contract.signed', signedBy: 'Initech CFO' });
  await suite.env.sleep(Date.parse(start) - now + 3_600_000);
  return { tenantId, contractId, handle, start };
}
