import { z } from 'zod';
import type { RouteSpec } from './route';

/**
 * The OpenAPI 3.1 document, generated from the route table and its zod schemas: the contract a
 * client reads is the contract the server validates.
 */
export function buildOpenApi(routes: readonly RouteSpec[], info: { version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters = [
      ...objectParameters(route.params, 'path'),
      ...objectParameters(route.query, 'query'),
      ...(route.access.kind === 'signature' ? signatureParameters : []),
      ...(route.method !== 'get' && route.access.kind !== 'public' ? [idempotencyKeyParameter] : []),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, description] of Object.entries(commonProblems(route))) responses[status] = problemResponse(description);
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = Number(status) >= 400
        ? problemResponse(spec.description)
        : { description: spec.description, ...(spec.schema ? { content: { 'application/json': { schema: toSchema(spec.schema, 'output') } } } : {}) };
    }
    responses.default = problemResponse('Problem details (RFC 9457)');
    (paths[path] ??= {})[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      security: security(route),
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toSchema(route.body, 'input'), ...(route.example?.body !== undefined ? { example: route.example.body } : {}) } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Revloop API', version: info.version, description: 'Revenue-operations lifecycle engine. Money is integer minor units; times are UTC ISO-8601.' },
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key' },
        operatorToken: { type: 'http', scheme: 'bearer', description: 'REVLOOP_ADMIN_TOKEN' },
        webhookSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Revloop-Signature',
          description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "t.<raw body>"> with the tenant\'s secret for the source; at most 5 minutes old, each delivery accepted once',
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            errors: {
              type: 'array',
              items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } } },
            },
          },
        },
      },
    },
  };
}

const signatureParameters = [
  { name: 'tenant', in: 'query', required: true, description: 'The tenant whose secret signed the delivery', schema: { type: 'string', maxLength: 64 } },
];

const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Makes the write safe to retry for 24 h: the same key and body replay the first response; another body answers 422; while the first runs, 409',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
};

function security(route: RouteSpec): Array<Record<string, string[]>> {
  switch (route.access.kind) {
    case 'public':
      return [];
    case 'operator':
      return [{ operatorToken: [] }];
    case 'tenant':
      return [{ apiKey: [] }];
    case 'signature':
      return [{ webhookSignature: [] }];
  }
}

/** The problems any route of this shape can answer, whatever its handler does. */
function commonProblems(route: RouteSpec): Record<number, string> {
  const takesInput = Boolean(route.params || route.query || route.body || route.access.kind === 'signature');
  const problems: Record<number, string> = {};
  if (takesInput) problems[400] = 'Invalid request: every issue is listed in `errors`';
  if (route.access.kind !== 'public') {
    problems[401] = 'Missing or invalid credentials';
    problems[429] = 'Rate limited; see Retry-After';
  }
  if (route.access.kind === 'tenant' || route.access.kind === 'operator') problems[403] = 'The key lacks the scope this route needs';
  if (route.body) {
    problems[413] = 'Body over 1 MiB';
    problems[415] = 'Body is not JSON';
  }
  if (route.method !== 'get' && route.access.kind !== 'public') {
    problems[409] = 'A request with this Idempotency-Key is still running';
    problems[422] = 'Idempotency-Key reused with a different request';
  }
  problems[503] = 'PostgreSQL or Temporal is unreachable, or the request timed out; see Retry-After';
  return problems;
}

function problemResponse(description: string) {
  return { description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function objectParameters(schema: z.ZodType | undefined, location: 'path' | 'query') {
  if (!schema) return [];
  const json = toSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}
