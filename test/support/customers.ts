import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CustomerEvent, CustomerEventInput } from '../../domain/customer-events';
import { customerWorkflowId } from '../../domain/ids';
import type { ResolvedPlaybook } from '../../playbooks';
import type { customer } from '../../workflows/customer';
import { customerEventSignal, customerStateQuery, type CustomerProfile } from '../../workflows/definitions';
import { eventually } from './eventually';

export async function startCustomer(
  env: TestWorkflowEnvironment,
  options: { taskQueue: string; tenantId: string; playbook: ResolvedPlaybook; customerId?: string; profile?: Partial<CustomerProfile> },
) {
  const customerId = options.customerId ?? `c-${randomBytes(4).toString('hex')}`;
  const handle = await env.client.workflow.start<typeof customer>('customer', {
    taskQueue: options.taskQueue,
    workflowId: customerWorkflowId(options.tenantId, customerId),
    args: [
      {
        tenantId: options.tenantId,
        customerId,
        profile: { name: 'Dana Reyes', phone: '+15550100200', email: 'dana@example.com', timezone: 'America/Chicago', ...options.profile },
        playbook: options.playbook,
      },
    ],
  });
  return { customerId, handle };
}

let counter = 0;
/** Signals an event and waits until the workflow has applied it (or dropped it as a duplicate). */
export async function deliver(handle: Awaited<ReturnType<typeof startCustomer>>['handle'], input: CustomerEventInput): Promise<CustomerEvent> {
  const event = { ...input, eventId: input.eventId ?? `e-${++counter}-${randomBytes(3).toString('hex')}`, receivedAt: new Date().toISOString() } as CustomerEvent;
  await handle.signal(customerEventSignal, event);
  await eventually(() => handle.query(customerStateQuery), { until: (s) => s.recentEventIds.includes(event.eventId) });
  return event;
}
