import type { Request } from 'express';
import { z } from 'zod';
import { ClientId } from '../../domain/values';
import type { WebhookSource } from '../../domain/webhook-payloads';
import type { ApiDependencies } from '../dependencies';
import type { Reply, Scope, TenantAuth } from './types';

/**
 * A route is data: its method and path, who may call it, the zod schemas of what it takes and
 * gives, and a handler that sees only validated input. The router, the OpenAPI document and the
 * tenant-isolation tests are all generated from the same table.
 */
export type { Reply, Scope, TenantAuth } from './types';

/**
 * Who may call: anyone; the operator (REVLOOP_ADMIN_TOKEN); a tenant key with a scope; or a
 * webhook sender, whose tenant is named by `?tenant=` and proved by a signature over the raw body.
 */
export type RouteAccess = { kind: 'public' } | { kind: 'operator' } | { kind: 'tenant'; scope: Scope } | { kind: 'signature'; source: WebhookSource };

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Present on tenant and webhook routes. The tenant comes from the key or the signature, never from the body. */
  auth: TenantAuth;
  /**
   * Present when the request carries an Idempotency-Key: a stable seed for ids the handler would
   * otherwise pick at random, so a re-run after a crash names the same things (`idFor`).
   */
  seed: string | undefined;
  deps: ApiDependencies;
  req: Request;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** A deadline of its own, for the rare route that works longer than REVLOOP_REQUEST_TIMEOUT_MS allows (a simulation). */
  timeoutMs?: number;
  /** Express syntax: `/v1/customers/:id`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  access: RouteAccess;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseSpec>;
  /**
   * A request that passes validation: shown in the OpenAPI document, and used by the tests that
   * call every route (tenant isolation, fuzzing). Required for routes that take a body.
   */
  example?: { body?: unknown; query?: Record<string, string> };
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<Reply>;
}

/** Keeps each route's handler typed by its own schemas while the table holds them all. */
export function defineRoute<P extends z.ZodType = z.ZodObject<{}>, Q extends z.ZodType = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** Every id in a path (customers, contracts, playbooks, keys, secrets) is a client id: letters, digits, ".", "_", "-". */
export const IdParam = z.strictObject({ id: ClientId });

export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
});

/** A list's search: the start of a name or id, any case (`?q=dana`). */
export const SearchQuery = z.strictObject({ q: z.string().trim().min(1).max(100).optional() });
