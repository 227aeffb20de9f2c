import { count, eq } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { z } from 'zod';
import type { ApiDependencies } from '../dependencies';
import { defineRoute, IdParam, ListQuery, type ResponseSpec, type RouteSpec } from '../http/route';
import { listInvoices } from '../invoices/listing';

// The routes every lifecycle subject has alike — its live state, an event delivered to it, its
// invoices — made once for customers and contracts, each with its own words.

export interface Subject {
  /** `customer` or `contract`: the subject type of its rows. */
  type: 'customer' | 'contract';
  /** `Customer`, as operation ids spell it (`getCustomer`, `listCustomerInvoices`). */
  noun: string;
  /** `/v1/customers`. */
  collection: string;
  /** The OpenAPI tag. */
  tag: string;
  /** Resolves (or answers 404) when the tenant has no such subject. */
  exists(deps: ApiDependencies, tenantId: string, id: string): Promise<unknown>;
}

/** `GET {collection}/:id`: the subject's live state, answered by its workflow. */
export function liveStateRoute(subject: Subject, summary: string, resource: (deps: ApiDependencies, tenantId: string, id: string) => Promise<unknown>): RouteSpec {
  return defineRoute({
    method: 'get',
    path: `${subject.collection}/:id`,
    operationId: `get${subject.noun}`,
    summary,
    tag: subject.tag,
    access: { kind: 'tenant', scope: 'read' },
    params: IdParam,
    responses: { 200: { description: 'Live state' }, 404: { description: `No such ${subject.type}` } },
    async handler({ auth, params, deps }) {
      return { status: 200, body: await resource(deps, auth.tenantId, params.id) };
    },
  });
}

/**
 * `GET {collection}/stages`: how many of the tenant's subjects are at each stage, every stage
 * named (zero included), from the read model in PostgreSQL: Temporal's SQL visibility cannot
 * group by a search attribute, so "how many in collections?" is asked here. Registered before
 * `{collection}/:id`, which would otherwise take `stages` for an id.
 */
export function stageCountsRoute(subject: Subject, stages: readonly string[], table: PgTable & { tenantId: PgColumn; stage: PgColumn }): RouteSpec {
  return defineRoute({
    method: 'get',
    path: `${subject.collection}/stages`,
    operationId: `count${subject.noun}Stages`,
    summary: `How many ${subject.type}s are at each stage`,
    tag: subject.tag,
    access: { kind: 'tenant', scope: 'read' },
    responses: { 200: { description: `Every stage with its number of ${subject.type}s, and the total` } },
    async handler({ auth, deps }) {
      const rows = await deps.db.select({ stage: table.stage, n: count() }).from(table).where(eq(table.tenantId, auth.tenantId)).groupBy(table.stage);
      const counts = Object.fromEntries(stages.map((s) => [s, 0]));
      for (const row of rows) counts[row.stage as string] = row.n;
      return { status: 200, body: { stages: counts, total: rows.reduce((sum, r) => sum + r.n, 0) } };
    },
  });
}

/** `POST {collection}/:id/events`: one event, accepted once per eventId. */
export function eventRoute<B extends z.ZodType>(
  subject: Subject,
  spec: { summary: string; body: B; example: unknown; responses: Record<number, ResponseSpec> },
  deliver: (deps: ApiDependencies, tenantId: string, id: string, event: z.output<B>, seed: string | undefined) => Promise<object>,
): RouteSpec {
  return defineRoute({
    method: 'post',
    path: `${subject.collection}/:id/events`,
    operationId: `post${subject.noun}Event`,
    summary: spec.summary,
    tag: subject.tag,
    access: { kind: 'tenant', scope: 'write' },
    params: IdParam,
    body: spec.body,
    example: { body: spec.example },
    responses: spec.responses,
    async handler({ auth, params, body, deps, seed }) {
      const accepted = await deliver(deps, auth.tenantId, params.id, body, seed);
      return { status: 202, body: { ...accepted, status: 'accepted' } };
    },
  });
}

/** `GET {collection}/:id/invoices`: its invoices (and credit notes) with lines and payments, oldest first. */
export function invoicesRoute(subject: Subject, summary: string): RouteSpec {
  return defineRoute({
    method: 'get',
    path: `${subject.collection}/:id/invoices`,
    operationId: `list${subject.noun}Invoices`,
    summary,
    tag: subject.tag,
    access: { kind: 'tenant', scope: 'read' },
    params: IdParam,
    query: ListQuery,
    responses: { 200: { description: 'A page of invoices' }, 404: { description: `No such ${subject.type}` } },
    async handler({ auth, params, query, deps }) {
      await subject.exists(deps, auth.tenantId, params.id);
      return { status: 200, body: await listInvoices(deps, auth.tenantId, { subjectType: subject.type, subjectId: params.id }, query) };
    },
  });
}
