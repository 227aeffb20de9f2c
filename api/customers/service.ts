import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { CustomerEventInput, referencesJobOrInvoice, type CustomerEvent } from '../../domain/customer-events';
import { EmailAddress, NonBlank, PhoneNumber } from '../../domain/contact';
import { customerWorkflowId } from '../../domain/ids';
import { ClientId } from '../../domain/values';
import { TimeZone } from '../../domain/values';
import { resolvePlaybook } from '../../db/playbook-store';
import { customers } from '../../db/schema';
import { PlaybookId, type ResolvedPlaybook } from '../../playbooks';
import type { customer } from '../../workflows/customer';
import { customerEventSignal, customerEventUpdate, customerStateQuery, type CustomerView } from '../../workflows/definitions';
import { RevloopCustomer, RevloopPlaybook, RevloopStage, RevloopTenant } from '../../workflows/search-attributes';
import type { ApiDependencies } from '../dependencies';
import { appliedEventType, deliveryUpdateId, duplicateOf } from '../event-receipts';
import { idFor } from '../ids';
import { problems } from '../http/problem';
import { askWorkflow, isTemporalUnavailable, temporalUnavailable, workflowProblem } from '../http/temporal-errors';
import { subjectLinks } from '../temporal-links';
import { timezoneFor } from '../tenants';

/** What `POST /v1/customers` takes. */
export const CreateCustomerBody = z.strictObject({
  id: ClientId.optional(),
  name: NonBlank(200),
  phone: PhoneNumber.optional(),
  email: EmailAddress.optional(),
  timezone: TimeZone.optional(),
  playbook: PlaybookId,
});
export type CreateCustomerBody = z.infer<typeof CreateCustomerBody>;

export async function resolvePlaybookForTenant(deps: ApiDependencies, tenantId: string, playbookId: string): Promise<ResolvedPlaybook> {
  const playbook = await resolvePlaybook(deps.db, tenantId, playbookId);
  if (!playbook) {
    throw problems.unprocessable(`There is no playbook "${playbookId}".`, [{ path: 'body.playbook', message: 'unknown playbook' }]);
  }
  return playbook;
}

export function customerLinks(deps: ApiDependencies, customerId: string, tenantId: string) {
  const { self, temporalUi } = subjectLinks(deps.config, tenantId, 'customer', customerId);
  return { self, temporalUi };
}

/**
 * Starts the customer's lifecycle workflow, or finds the one already running under that id.
 * The workflow writes the customer's record itself (an activity), so nothing is half-written when
 * Temporal is unreachable.
 */
export async function startCustomer(deps: ApiDependencies, tenantId: string, body: CreateCustomerBody, seed: string | undefined) {
  const playbook = await resolvePlaybookForTenant(deps, tenantId, body.playbook);
  const customerId = body.id ?? idFor('cus', seed);
  const profile = {
    name: body.name,
    ...(body.phone ? { phone: body.phone } : {}),
    ...(body.email ? { email: body.email } : {}),
    timezone: await timezoneFor(deps.db, tenantId, body.timezone, playbook.definition.defaultTimezone),
  };
  const workflowId = customerWorkflowId(tenantId, customerId);
  try {
    await deps.temporal.workflow.start<typeof customer>('customer', {
      taskQueue: deps.config.taskQueue,
      workflowId,
      args: [{ tenantId, customerId, profile, playbook }],
      // The id too: two customers called Jane Doe must not look alike in the workflow list.
      staticSummary: `Customer ${profile.name} (${customerId}) · ${playbook.definition.name} playbook`,
      staticDetails: [
        `**${profile.name}** (\`${customerId}\`) of tenant \`${tenantId}\``,
        `Playbook \`${playbook.id}\` v${playbook.version} · time zone ${profile.timezone}`,
        profile.phone ? `Phone ${profile.phone}` : '',
        profile.email ? `Email ${profile.email}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
      typedSearchAttributes: [
        { key: RevloopTenant, value: tenantId },
        { key: RevloopCustomer, value: customerId },
        { key: RevloopStage, value: 'inquiry' },
        { key: RevloopPlaybook, value: `${playbook.id}@v${playbook.version}` },
      ],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      return { created: false as const, customer: await customerResource(deps, tenantId, customerId) };
    }
    if (isTemporalUnavailable(error)) throw temporalUnavailable(error);
    throw error;
  }
  return {
    created: true as const,
    customer: {
      id: customerId,
      ...profile,
      playbook: { id: playbook.id, version: playbook.version },
      stage: 'inquiry',
      links: customerLinks(deps, customerId, tenantId),
    },
  };
}

export function getCustomerView(deps: ApiDependencies, tenantId: string, customerId: string): Promise<CustomerView> {
  return askWorkflow(deps.temporal, customerWorkflowId(tenantId, customerId), customerStateQuery, `customer "${customerId}"`);
}

export async function customerResource(deps: ApiDependencies, tenantId: string, customerId: string) {
  const view = await getCustomerView(deps, tenantId, customerId);
  const { tenantId: _tenant, customerId: id, ...rest } = view;
  return { id, ...rest, links: customerLinks(deps, customerId, tenantId) };
}

/**
 * Delivers one lifecycle event. The event id (the client's, or one derived from the
 * Idempotency-Key) is the deduplication key all the way down: the timeline's applied events, the
 * workflow's memory of the ones in flight, and the rows the step writes.
 */
export async function deliverCustomerEvent(deps: ApiDependencies, tenantId: string, customerId: string, input: CustomerEventInput, seed: string | undefined) {
  const event = { ...input, eventId: input.eventId ?? idFor('evt', seed), receivedAt: new Date().toISOString() } as CustomerEvent;
  const applied = await appliedEventType(deps.db, tenantId, { type: 'customer', id: customerId }, event.eventId);
  if (applied) return duplicateOf(event.eventId, event.type, applied);
  const handle = deps.temporal.workflow.getHandle(customerWorkflowId(tenantId, customerId));
  try {
    // Events that name a job or invoice go through an Update, whose validator rejects an unknown
    // reference before anything is recorded; the rest are signals, accepted once the server has them.
    if (referencesJobOrInvoice(event.type)) {
      const receipt = await handle.executeUpdate(customerEventUpdate, { args: [event], updateId: deliveryUpdateId(event.eventId) });
      return { eventId: event.eventId, type: event.type, duplicate: receipt.duplicate === true };
    }
    await handle.signal(customerEventSignal, event);
  } catch (error) {
    throw workflowProblem(error, `customer "${customerId}"`);
  }
  // A signal is not answered: a redelivery of an event still in flight is dropped by the workflow.
  return { eventId: event.eventId, type: event.type, duplicate: false };
}

/** 404 for a customer this tenant does not have: a read model row, or failing that the workflow itself. */
export async function assertCustomerExists(deps: ApiDependencies, tenantId: string, customerId: string): Promise<void> {
  const [row] = await deps.db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.tenantId, tenantId), eq(customers.id, customerId)));
  if (row) return;
  // Just created: the workflow has not written its record yet.
  await getCustomerView(deps, tenantId, customerId);
}
