/**
 * The shapes every part of the API speaks in, with no dependencies of their own: who is calling
 * and what a route answers. Stores (keys, idempotency) and the route table both use them.
 */
export type Scope = 'read' | 'write' | 'admin';

export interface TenantAuth {
  tenantId: string;
  keyId: string;
  scopes: Scope[];
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A body that is not JSON (an SVG picture): sent as it is, with this content type. */
  contentType?: string;
  /** Served as `application/problem+json` (a 4xx the route answered, kept for idempotent replays). */
  problem?: boolean;
}
