import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../api/openapi';
import { routes } from '../../api/routes';

describe('OpenAPI document', () => {
  const doc = buildOpenApi(routes, { version: 'test' }) as { openapi: string; paths: Record<string, Record<string, { operationId: string; requestBody?: unknown }>> };

  it('documents every route of the route table, under its OpenAPI path', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const routed = routes.map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    expect(documented.sort()).toEqual(routed.sort());
    expect(doc.openapi).toBe('3.1.0');
  });

  it('describes the lifecycle events as a union on `type`', () => {
    const schema = doc.paths['/v1/customers/{id}/events']!.post!.requestBody as { content: { 'application/json': { schema: { oneOf?: unknown[]; anyOf?: unknown[] } } } };
    const variants = schema.content['application/json'].schema.oneOf ?? schema.content['application/json'].schema.anyOf;
    expect(variants).toHaveLength(14);
  });
});
