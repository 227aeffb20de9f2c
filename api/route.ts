import type { Request } from 'express';
import { z } from 'zod';
import type { ApiDependencies } from './dependencies';

/**
 * A route is data: its method and path, who may call it, the zod schemas of what it takes and
 * gives, and a handler that sees only validated input. The router, the OpenAPI document and the
 * tenant-isolation tests are all generated from the same table.
 */
export type Scope = 'read' | 'write' | 'admin';

export interface TenantAuth {
  tenantId: string;
  keyId: string;
  scopes: Scope[];
}

export type RouteAccess = { kind: 'public' } | { kind: 'operator' } | { kind: 'tenant'; scope: Scope };

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Present on tenant routes. The tenant always comes from the key, never from the request. */
  auth: TenantAuth;
  deps: ApiDependencies;
  req: Request;
}

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'put' | 'delete';
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
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<Reply>;
}

/** Keeps each route's handler typed by its own schemas while the table holds them all. */
export function defineRoute<P extends z.ZodType = z.ZodObject<{}>, Q extends z.ZodType = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

export const IdParam = z.strictObject({ id: z.string().min(1).max(64) });

export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
