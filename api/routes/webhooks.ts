import { z } from 'zod';
import { webhookPayloads, webhookSources, type WebhookSource } from '../../domain/webhook-payloads';
import { problems } from '../http/problem';
import { defineRoute, IdParam } from '../http/route';
import { receiveWebhook } from '../webhooks/intake';
import { DEFAULT_GRACE_SECONDS } from '../webhooks/secrets';

const examples: Record<WebhookSource, unknown> = {
  telephony: { id: 'CA42f0c1', type: 'call.missed', from: '+15551230000', to: '+15557650000', occurredAt: '2026-03-01T15:00:00Z' },
  payments: { id: 'ch_3PQx', type: 'payment.succeeded', customerId: 'jane', invoiceId: 'inv-job-1', amount: { amount: 18900, currency: 'USD' }, method: 'card' },
  reviews: { id: 'rv_981', customerId: 'jane', rating: 5, comment: 'On time and tidy.', platform: 'google' },
  generic: { customerId: 'jane', event: { type: 'inquiry.received', channel: 'web', message: 'Quote for a new water heater?' } },
};

const summaries: Record<WebhookSource, string> = {
  telephony: 'Calls and texts: a missed call, an answered call or an SMS; unknown numbers become new leads',
  payments: 'Payments succeeded, failed or disputed, and disputes closed, for an invoice',
  reviews: 'A review left on a platform',
  generic: 'Any lifecycle event, already in Revloop’s shape',
};

/** One route per source, so each has its own payload schema in the OpenAPI document. */
const webhookInRoutes = webhookSources.map((source) =>
  defineRoute({
    method: 'post',
    path: `/v1/webhooks/${source}`,
    operationId: `receive${source[0]!.toUpperCase()}${source.slice(1)}Webhook`,
    summary: `${summaries[source]}. Signed with the tenant's ${source} secret (Revloop-Signature); the tenant is named by ?tenant=`,
    tag: 'Webhooks',
    access: { kind: 'signature', source },
    body: webhookPayloads[source],
    example: { body: examples[source] },
    responses: {
      202: { description: 'Accepted: the lifecycle will react (a provider id already seen is applied once)' },
      401: { description: 'Missing, malformed, expired (over 5 minutes), wrong or replayed signature; nothing changed' },
      404: { description: 'No such customer' },
      422: { description: 'The payload names a job or invoice the customer does not have' },
    },
    async handler({ auth, body, deps, req }) {
      const accepted = await receiveWebhook(deps, auth.tenantId, source, body as never, req.rawBody ?? Buffer.alloc(0));
      return { status: 202, body: { ...accepted, status: 'accepted' } };
    },
  }),
);

const RotateSecretBody = z.strictObject({
  source: z.enum(webhookSources),
  /** How long the secrets this one replaces stay valid, so senders can switch over. */
  graceSeconds: z.number().int().min(0).max(7 * 24 * 3600).default(DEFAULT_GRACE_SECONDS),
});

const secretRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/webhook-secrets',
    operationId: 'rotateWebhookSecret',
    summary: "Issue a new signing secret for a source (shown once); the ones it replaces stay valid for the grace period",
    tag: 'Webhooks',
    access: { kind: 'tenant', scope: 'admin' },
    body: RotateSecretBody,
    example: { body: { source: 'payments', graceSeconds: 86400 } },
    responses: { 201: { description: 'The new secret, and until when each replaced one stays valid' } },
    async handler({ auth, body, deps }) {
      const rotated = await deps.webhookSecrets.rotate(auth.tenantId, body.source, body.graceSeconds);
      return { status: 201, body: rotated, headers: { Location: `/v1/webhook-secrets/${rotated.id}` } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/webhook-secrets',
    operationId: 'listWebhookSecrets',
    summary: 'Live signing secrets by source, with the end of their grace period (never the secrets themselves)',
    tag: 'Webhooks',
    access: { kind: 'tenant', scope: 'admin' },
    responses: { 200: { description: 'Live secrets' } },
    async handler({ auth, deps }) {
      return { status: 200, body: { data: await deps.webhookSecrets.list(auth.tenantId) } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/webhook-secrets/:id',
    operationId: 'revokeWebhookSecret',
    summary: 'End a signing secret now (a leaked one), without a grace period',
    tag: 'Webhooks',
    access: { kind: 'tenant', scope: 'admin' },
    params: IdParam,
    responses: { 204: { description: 'Revoked' }, 404: { description: 'No such live secret' } },
    async handler({ auth, params, deps }) {
      if (!(await deps.webhookSecrets.revoke(auth.tenantId, params.id))) throw problems.notFound(`There is no live webhook secret "${params.id}".`);
      return { status: 204 };
    },
  }),
];

export const webhookRoutes = [...webhookInRoutes, ...secretRoutes];
