import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { messagingSettings } from '../../db/schema';
import { sealedIn } from '../../db/sealed';
import { webhookTargetIssue } from '../../activities/outbound-address';
import { newSecret } from '../ids';
import { problems } from '../http/problem';
import { defineRoute } from '../http/route';

const MessagingSettingsBody = z.discriminatedUnion('transport', [
  z.strictObject({ transport: z.literal('outbox') }),
  z.strictObject({
    transport: z.literal('webhook'),
    webhookUrl: z.url({ protocol: /^https?$/ }).max(2000),
    /** Signs each delivery (`Revloop-Signature`); generated and shown once when omitted. */
    webhookSecret: z.string().min(24).max(200).optional(),
  }),
]);

function view(row: { transport: string; webhookUrl: string | null; webhookSecret: string | null } | undefined) {
  return {
    transport: row?.transport ?? 'outbox',
    webhookUrl: row?.webhookUrl ?? null,
    webhookSecretSet: Boolean(row?.webhookSecret),
  };
}

/**
 * Where a tenant's messages go. Not in API.md's first draft: the message channels it describes
 * need a place to be configured, and this is it.
 */
export const messagingRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/messaging',
    operationId: 'getMessagingSettings',
    summary: "How the tenant's messages leave: recorded in the outbox only, or POSTed to a webhook",
    tag: 'Messaging',
    access: { kind: 'tenant', scope: 'read' },
    responses: { 200: { description: 'Settings (the secret is never shown again)' } },
    async handler({ auth, deps }) {
      const [row] = await deps.db.select().from(messagingSettings).where(eq(messagingSettings.tenantId, auth.tenantId));
      return { status: 200, body: view(row) };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/v1/messaging',
    operationId: 'putMessagingSettings',
    summary: 'Choose the outbox or a signed webhook for outgoing messages',
    tag: 'Messaging',
    access: { kind: 'tenant', scope: 'admin' },
    body: MessagingSettingsBody,
    example: { body: { transport: 'outbox' } },
    responses: { 200: { description: 'Saved; a generated secret is in `webhookSecret`, once' }, 422: { description: 'The webhook URL does not reach a public address' } },
    async handler({ auth, body, deps }) {
      if (body.transport === 'webhook') {
        const issue = await webhookTargetIssue(body.webhookUrl, deps.config.webhookTargets ?? 'public');
        if (issue) throw problems.unprocessable(`The webhook URL ${issue}; messages are delivered to public addresses only.`, [{ path: 'body.webhookUrl', message: issue }]);
      }
      const generated = body.transport === 'webhook' && !body.webhookSecret ? newSecret('whsec') : undefined;
      const values = {
        transport: body.transport,
        webhookUrl: body.transport === 'webhook' ? body.webhookUrl : null,
        // Sealed with the server key: the worker opens it to sign each delivery.
        webhookSecret: body.transport === 'webhook' ? deps.secrets.seal(body.webhookSecret ?? generated!, sealedIn.messagingWebhookSecret(auth.tenantId)) : null,
        updatedAt: new Date(),
      };
      await deps.db
        .insert(messagingSettings)
        .values({ tenantId: auth.tenantId, ...values })
        .onConflictDoUpdate({ target: messagingSettings.tenantId, set: values });
      return { status: 200, body: { ...view(values), ...(generated ? { webhookSecret: generated } : {}) } };
    },
  }),
];
