import { z } from 'zod';
import { NonBlank } from '../../domain/contact';
import { allScopes } from '../http/api-keys';
import { problems } from '../http/problem';
import { defineRoute, IdParam, type Scope } from '../http/route';

const Scopes = z
  .array(z.enum(allScopes as [Scope, ...Scope[]]))
  .min(1)
  .max(3)
  .refine((s) => new Set(s).size === s.length, 'list each scope once')
  .meta({ uniqueItems: true });

const CreateKeyBody = z.strictObject({ name: NonBlank(200), scopes: Scopes });

function keyView(k: { id: string; name: string; scopes: Scope[]; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }) {
  return {
    id: k.id,
    name: k.name,
    scopes: k.scopes,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}

export const apiKeyRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/api-keys',
    operationId: 'createApiKey',
    summary: "Create another key for the caller's tenant; the key is shown only in this response",
    tag: 'Tenants',
    access: { kind: 'tenant', scope: 'admin' },
    body: CreateKeyBody,
    example: { body: { name: 'web frontend', scopes: ['read', 'write'] } },
    responses: { 201: { description: 'Created; `key` is shown once' } },
    async handler({ auth, body, deps }) {
      const issued = await deps.keys.create({ tenantId: auth.tenantId, name: body.name, scopes: body.scopes });
      return { status: 201, body: { ...issued, name: body.name }, headers: { Location: `/v1/api-keys/${issued.id}` } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/api-keys',
    operationId: 'listApiKeys',
    summary: "The tenant's keys with scopes, last use and revocation (never the keys themselves)",
    tag: 'Tenants',
    access: { kind: 'tenant', scope: 'admin' },
    responses: { 200: { description: 'Keys' } },
    async handler({ auth, deps }) {
      return { status: 200, body: { data: (await deps.keys.list(auth.tenantId)).map(keyView) } };
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/v1/api-keys/:id',
    operationId: 'revokeApiKey',
    summary: 'Revoke a key at once (idempotent); the last admin key cannot be revoked',
    tag: 'Tenants',
    access: { kind: 'tenant', scope: 'admin' },
    params: IdParam,
    responses: {
      204: { description: 'Revoked (or already revoked)' },
      404: { description: 'No such key' },
      409: { description: "The tenant's last live admin key" },
    },
    async handler({ auth, params, deps }) {
      const outcome = await deps.keys.revoke(auth.tenantId, params.id);
      if (outcome === 'not_found') throw problems.notFound(`There is no API key "${params.id}".`);
      if (outcome === 'last_admin_key') throw problems.conflict('This is the last live admin key; create another admin key before revoking it.');
      return { status: 204 };
    },
  }),
];
