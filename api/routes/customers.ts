import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { customers, messages, timelineEntries } from '../../db/schema';
import { CustomerEventInput } from '../../domain/customer-events';
import { customerStages } from '../../workflows/definitions';
import { assertCustomerExists, CreateCustomerBody, customerLinks, customerResource, deliverCustomerEvent, startCustomer } from '../customers/service';
import { idOrdered, listPage, startsWith, timeOrdered } from '../http/pagination';
import { IdParam, ListQuery, SearchQuery, defineRoute } from '../http/route';
import { eventRoute, invoicesRoute, liveStateRoute, stageCountsRoute, type Subject } from './subject-routes';

const CustomerListQuery = ListQuery.extend({ stage: z.enum(customerStages).optional(), ...SearchQuery.shape });

const customer: Subject = { type: 'customer', noun: 'Customer', collection: '/v1/customers', tag: 'Customers', exists: assertCustomerExists };

export const customerRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/customers',
    operationId: 'createCustomer',
    summary: 'Create a customer (or return the existing one with that id) and start its lifecycle workflow',
    tag: 'Customers',
    access: { kind: 'tenant', scope: 'write' },
    body: CreateCustomerBody,
    example: { body: { id: 'jane', name: 'Jane Doe', phone: '+15551230000', timezone: 'America/Chicago', playbook: 'hvac' } },
    responses: {
      201: { description: 'Created; the lifecycle workflow is running' },
      200: { description: 'A customer with this id already exists; it is returned unchanged' },
      422: { description: 'Unknown playbook' },
    },
    async handler({ auth, body, deps, seed }) {
      const result = await startCustomer(deps, auth.tenantId, body, seed);
      return { status: result.created ? 201 : 200, body: result.customer, headers: { Location: result.customer.links.self } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/customers',
    operationId: 'listCustomers',
    summary: 'List customers, optionally by stage or by the start of a name or id (q)',
    tag: 'Customers',
    access: { kind: 'tenant', scope: 'read' },
    query: CustomerListQuery,
    responses: { 200: { description: 'A page of customers' } },
    async handler({ auth, query, deps }) {
      const order = idOrdered<typeof customers.$inferSelect>(query, customers.id);
      const where = [eq(customers.tenantId, auth.tenantId), query.stage ? eq(customers.stage, query.stage) : undefined, startsWith(query.q, customers.name, customers.id)];
      const body = await listPage(deps.db, customers, where, order, (r) => ({
        id: r.id,
        name: r.name,
        phone: r.phone,
        email: r.email,
        timezone: r.timezone,
        playbook: { id: r.playbookId, version: r.playbookVersion },
        stage: r.stage,
        balanceDue: { amount: r.balanceDue, currency: r.currency },
        nextActionAt: r.nextActionAt?.toISOString() ?? null,
        lastActivityAt: r.lastActivityAt?.toISOString() ?? null,
        createdAt: r.createdAt.toISOString(),
        links: customerLinks(deps, r.id, auth.tenantId),
      }));
      return { status: 200, body };
    },
  }),

  stageCountsRoute(customer, customerStages, customers),

  liveStateRoute(customer, "A customer's live lifecycle state, answered by its workflow", customerResource),

  defineRoute({
    method: 'get',
    path: '/v1/customers/:id/timeline',
    operationId: 'getCustomerTimeline',
    summary: 'Every accepted event and every action taken, oldest first',
    tag: 'Customers',
    access: { kind: 'tenant', scope: 'read' },
    params: IdParam,
    query: ListQuery,
    responses: { 200: { description: 'A page of timeline entries' }, 404: { description: 'No such customer' } },
    async handler({ auth, params, query, deps }) {
      await assertCustomerExists(deps, auth.tenantId, params.id);
      // Oldest first: by when it happened, then by the order it was written (a customer's jobs and
      // invoices write to the same timeline from their own workflows).
      const order = timeOrdered(query, timelineEntries.occurredAt, timelineEntries.position, (r: typeof timelineEntries.$inferSelect) => [r.occurredAt, r.position]);
      const where = [eq(timelineEntries.tenantId, auth.tenantId), eq(timelineEntries.subjectType, 'customer'), eq(timelineEntries.subjectId, params.id)];
      const body = await listPage(deps.db, timelineEntries, where, order, (r) => ({ id: r.id, kind: r.kind, type: r.type, summary: r.summary, data: r.data, occurredAt: r.occurredAt.toISOString() }));
      return { status: 200, body };
    },
  }),

  eventRoute(
    customer,
    {
      summary: 'Deliver one lifecycle event to the customer (accepted once per eventId)',
      body: CustomerEventInput,
      example: { type: 'inquiry.received', eventId: 'web-form-1001', channel: 'web', message: 'My AC stopped cooling.' },
      responses: {
        202: { description: 'Accepted, to be applied exactly once; `duplicate: true` when an event with this eventId was applied already (nothing changes)' },
        404: { description: 'No such customer' },
        409: { description: 'The eventId was already used for an event of another type' },
        422: { description: 'The event names a job or invoice this customer does not have' },
      },
    },
    deliverCustomerEvent,
  ),

  defineRoute({
    method: 'get',
    path: '/v1/customers/:id/messages',
    operationId: 'listCustomerMessages',
    summary: 'Messages sent (or suppressed, with the reason) to the customer, oldest first',
    tag: 'Customers',
    access: { kind: 'tenant', scope: 'read' },
    params: IdParam,
    query: ListQuery,
    responses: { 200: { description: 'A page of messages' }, 404: { description: 'No such customer' } },
    async handler({ auth, params, query, deps }) {
      await assertCustomerExists(deps, auth.tenantId, params.id);
      const order = timeOrdered(query, messages.sentAt, messages.id, (r: typeof messages.$inferSelect) => [r.sentAt, r.id]);
      const where = [eq(messages.tenantId, auth.tenantId), eq(messages.subjectType, 'customer'), eq(messages.subjectId, params.id)];
      const body = await listPage(deps.db, messages, where, order, (m) => ({
        id: m.id,
        kind: m.kind,
        purpose: m.purpose,
        channel: m.channel,
        recipient: m.recipient,
        body: m.body,
        status: m.status,
        statusReason: m.statusReason,
        transport: m.transport,
        attempts: m.attempts,
        sentAt: m.sentAt.toISOString(),
        deliveredAt: m.deliveredAt?.toISOString() ?? null,
      }));
      return { status: 200, body };
    },
  }),

  invoicesRoute(customer, 'Invoices with lines, payments, balance and collections status, oldest first'),
];
