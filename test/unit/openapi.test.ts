import { describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../api/http/openapi';
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

  it('gives every route that takes a body an example that its own schema accepts, and shows it in the document', () => {
    for (const route of routes.filter((r) => r.body)) {
      const name = `${route.method.toUpperCase()} ${route.path}`;
      expect(route.example?.body, `${name} has no example`).toBeDefined();
      const parsed = route.body!.safeParse(route.example!.body);
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const op = doc.paths[path]![route.method] as { requestBody: { content: { 'application/json': { example: unknown } } } };
      expect(op.requestBody.content['application/json'].example).toEqual(route.example!.body);
    }
  });

  it('documents the Idempotency-Key on writes and the signature on webhooks', () => {
    const params = (path: string, method: string) => ((doc.paths[path]![method] as { parameters?: Array<{ name: string; in: string; required: boolean }> }).parameters ?? []);
    expect(params('/v1/customers', 'post')).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }));
    expect(params('/v1/customers', 'get').map((p) => p.name)).not.toContain('Idempotency-Key');
    expect(params('/v1/webhooks/payments', 'post')).toContainEqual(expect.objectContaining({ name: 'tenant', in: 'query', required: true }));
    expect((doc.paths['/v1/webhooks/payments']!.post as unknown as { security: unknown }).security).toEqual([{ webhookSignature: [] }]);
  });
});
