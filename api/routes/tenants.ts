import { z } from 'zod';
import { NonBlank } from '../../domain/contact';
import { TenantId } from '../../domain/values';
import { TimeZone } from '../../domain/values';
import { builtinPlaybooks } from '../../playbooks';
import { problems } from '../http/problem';
import { defineRoute } from '../http/route';
import { createTenant } from '../tenants';

const CreateTenantBody = z.strictObject({
  id: TenantId.optional(),
  name: NonBlank(200),
  /** The playbook for customers a webhook creates (a missed call from a new number). */
  defaultPlaybook: z.enum(builtinPlaybooks.map((p) => p.id) as [string, ...string[]]).default('home-service'),
  /** The business's time zone, for customers and quotes that name none (quiet hours, seasons). */
  timezone: TimeZone.optional(),
});

export const tenantRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/tenants',
    operationId: 'createTenant',
    summary: 'Create a tenant and its first API key (operator token); the key is shown only in this response',
    tag: 'Tenants',
    access: { kind: 'operator' },
    body: CreateTenantBody,
    example: { body: { id: 'acme-hvac', name: 'Acme Heating & Cooling', defaultPlaybook: 'hvac', timezone: 'America/Phoenix' } },
    responses: { 201: { description: 'Created' }, 409: { description: 'A tenant with this id exists' } },
    async handler({ body, deps }) {
      const result = await createTenant(deps.db, deps.keys, body);
      if (!result.created) throw problems.conflict(`Tenant "${body.id}" already exists.`);
      return { status: 201, body: { tenant: result.tenant, apiKey: result.apiKey } };
    },
  }),
];
