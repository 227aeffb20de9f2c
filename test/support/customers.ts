import { randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { invoices, jobs, tasks } from '../../db/schema';
import { referencesJobOrInvoice, type CustomerEvent, type CustomerEventInput } from '../../domain/customer-events';
import { customerWorkflowId } from '../../domain/ids';
import type { ResolvedPlaybook } from '../../playbooks';
import type { customer } from '../../workflows/customer';
import { customerEventSignal, customerEventUpdate, customerStateQuery, type CustomerProfile, type CustomerView } from '../../workflows/definitions';
import { messagesOf } from './database';
import { eventually } from './eventually';
import { minutes } from './suite';
import { queryWithin } from './temporal';

export type CustomerHandle = WorkflowHandle<typeof customer>;

export async function startCustomer(
  env: TestWorkflowEnvironment,
  options: { taskQueue: string; tenantId: string; playbook: ResolvedPlaybook; customerId?: string; profile?: Partial<CustomerProfile>; historyLimit?: number; workflowTaskTimeout?: string },
) {
  const customerId = options.customerId ?? `c-${randomBytes(4).toString('hex')}`;
  const handle = await env.client.workflow.start<typeof customer>('customer', {
    taskQueue: options.taskQueue,
    workflowId: customerWorkflowId(options.tenantId, customerId),
    ...(options.workflowTaskTimeout ? { workflowTaskTimeout: options.workflowTaskTimeout } : {}),
    args: [
      {
        tenantId: options.tenantId,
        customerId,
        profile: { name: 'Dana Reyes', phone: '+15550100200', email: 'dana@example.com', timezone: 'America/Chicago', ...options.profile },
        playbook: options.playbook,
        ...(options.historyLimit ? { historyLimit: options.historyLimit } : {}),
      },
    ],
  });
  await idle(handle);
  return { customerId, handle };
}

let counter = 0;

/**
 * Delivers an event the way the API does (an update for events naming a job or invoice, a signal
 * otherwise) and waits until the workflow has applied it and is idle again.
 */
export async function deliver(handle: CustomerHandle, input: CustomerEventInput, options: { wait?: boolean } = {}): Promise<CustomerEvent> {
  const event = { ...input, eventId: input.eventId ?? `e-${++counter}-${randomBytes(3).toString('hex')}`, receivedAt: new Date().toISOString() } as CustomerEvent;
  if (referencesJobOrInvoice(event.type)) await whileTaskFailed(() => handle.executeUpdate(customerEventUpdate, { args: [event], updateId: event.eventId }));
  else await handle.signal(customerEventSignal, event);
  if (options.wait ?? true) await idle(handle, event.eventId);
  return event;
}

/**
 * Asks again, as the API's clients do on its 503, while Temporal refuses an Update because the
 * workflow's last task failed or timed out and its retry has not run yet (a frozen or killed
 * worker): FAILED_PRECONDITION, "Workflow Task in failed state".
 */
async function whileTaskFailed<T>(call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const code = (error as { cause?: { code?: number } }).cause?.code;
      if (code !== 9 || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Waits until the customer workflow has taken in `eventId` (if given) and is waiting again. */
export function idle(handle: CustomerHandle, eventId?: string, timeoutMs?: number): Promise<CustomerView> {
  return eventually(() => queryWithin(handle, 5_000, () => handle.query(customerStateQuery)), {
    ...(timeoutMs ? { timeoutMs } : {}),
    until: (s) => (!eventId || s.recentEventIds.includes(eventId)) && s.pendingEvents === 0 && !s.busy,
  });
}

/** The customer's messages as [kind, minutes after `t0`], in the order sent. */
export async function sentAfter(db: Database, tenantId: string, customerId: string, t0: number) {
  return (await messagesOf(db, tenantId, customerId)).map((m) => [m.kind, minutes(m.sentAt.getTime() - t0)] as const);
}

export async function invoicesOf(db: Database, tenantId: string, customerId: string) {
  return db
    .select()
    .from(invoices)
    .where(and(eq(invoices.tenantId, tenantId), eq(invoices.subjectType, 'customer'), eq(invoices.subjectId, customerId)))
    .orderBy(asc(invoices.issuedAt));
}

export async function jobsOf(db: Database, tenantId: string, customerId: string) {
  return db
    .select()
    .from(jobs)
    .where(and(eq(jobs.tenantId, tenantId), eq(jobs.customerId, customerId)))
    .orderBy(asc(jobs.bookedAt));
}

export async function tasksOf(db: Database, tenantId: string, customerId: string) {
  return db
    .select()
    .from(tasks)
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.subjectId, customerId)));
}
