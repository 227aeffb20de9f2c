import { and, asc, eq, sql } from 'drizzle-orm';
import { customers } from '../../db/schema';
import { phoneDigits } from '../../domain/contact';
import { mapWebhook, type WebhookPayload, type WebhookSource, type WebhookSubject } from '../../domain/webhook-payloads';
import type { ContractEventInput } from '../../domain/contracts/contract-events';
import { deliverContractEvent } from '../contracts/service';
import { deliverCustomerEvent, startCustomer } from '../customers/service';
import type { ApiDependencies } from '../dependencies';
import { tenantDefaults } from '../tenants';

/**
 * A verified webhook becomes a lifecycle event for one customer (or, for payments, one contract). A call or text from a number
 * nobody knows is a new lead: the customer is created (id `tel-{digits}`, so a second delivery
 * finds the same one) on the tenant's default playbook before the event is delivered.
 */
export async function receiveWebhook<S extends WebhookSource>(deps: ApiDependencies, tenantId: string, source: S, payload: WebhookPayload<S>, rawBody: Buffer) {
  const { subject, event } = mapWebhook(source, payload, rawBody);
  if ('contractId' in subject) {
    // Payment events have the same shape for a contract's invoices as for a customer's.
    const accepted = await deliverContractEvent(deps, tenantId, subject.contractId, event as ContractEventInput, undefined);
    return { contractId: subject.contractId, eventId: accepted.eventId, type: accepted.type };
  }
  const customerId = await resolveSubject(deps, tenantId, subject);
  const accepted = await deliverCustomerEvent(deps, tenantId, customerId, event, undefined);
  return { customerId, ...accepted };
}

async function resolveSubject(deps: ApiDependencies, tenantId: string, subject: Exclude<WebhookSubject, { contractId: string }>): Promise<string> {
  if ('customerId' in subject) return subject.customerId;
  const digits = phoneDigits(subject.phone);
  const [known] = await deps.db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.tenantId, tenantId), sql`regexp_replace(${customers.phone}, '[^0-9]', '', 'g') = ${digits}`))
    .orderBy(asc(customers.createdAt))
    .limit(1);
  if (known) return known.id;
  // No zone of its own: startCustomer gives the lead the business's (or the playbook's).
  const { defaultPlaybookId } = await tenantDefaults(deps.db, tenantId);
  const { customer } = await startCustomer(deps, tenantId, { id: `tel-${digits}`, name: subject.name, phone: subject.phone, playbook: defaultPlaybookId }, undefined);
  return customer.id;
}
