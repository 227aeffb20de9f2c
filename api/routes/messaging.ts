import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { messagingSettings } from '../../db/schema';
import { sealedIn } from '../../db/sealed';
import { recordLateBounce } from '../../activities/bounces';
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
  z.strictObject({
    transport: z.literal('smtp'),
    /** The tenant's SMTP server: emails leave through it, with plain and HTML parts and an unsubscribe link. */
    smtp: z.strictObject({
      host: z.string().min(1).max(255),
      port: z.number().int().min(1).max(65535).default(587),
      /** TLS from the first byte (465); otherwise STARTTLS when offered. */
      secure: z.boolean().default(false),
      from: z.string().min(3).max(320),
      username: z.string().min(1).max(320).optional(),
      password: z.string().min(1).max(500).optional(),
    }),
    /** Messages on other channels (SMS) go here, signed, for the tenant's SMS provider; without it they fail as undeliverable. */
    webhookUrl: z.url({ protocol: /^https?$/ }).max(2000).optional(),
    webhookSecret: z.string().min(24).max(200).optional(),
  }),
]);

/** Bounces as a tenant's bridge reports them: the message (its id, or the Message-ID an email bounce quotes), hard or soft, and why. */
const BouncesBody = z.strictObject({
  bounces: z
    .array(z.strictObject({ messageId: z.string().min(1).max(300), kind: z.enum(['hard', 'soft']), reason: z.string().min(1).max(1000) }))
    .min(1)
    .max(100),
});

function view(row: { transport: string; webhookUrl: string | null; webhookSecret: string | null; smtp?: { host: string; port: number; secure: boolean; from: string; username?: string } | null; smtpPassword?: string | null } | undefined) {
  return {
    transport: row?.transport ?? 'outbox',
    webhookUrl: row?.webhookUrl ?? null,
    webhookSecretSet: Boolean(row?.webhookSecret),
    ...(row?.smtp ? { smtp: { ...row.smtp, passwordSet: Boolean(row.smtpPassword) } } : {}),
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
    summary: 'Choose the outbox, a signed webhook, or the tenant’s SMTP server (email; other channels to a webhook) for outgoing messages',
    tag: 'Messaging',
    access: { kind: 'tenant', scope: 'admin' },
    body: MessagingSettingsBody,
    example: { body: { transport: 'outbox' } },
    responses: { 200: { description: 'Saved; a generated secret is in `webhookSecret`, once' }, 422: { description: 'The webhook URL does not reach a public address' } },
    async handler({ auth, body, deps }) {
      const webhookUrl = body.transport === 'outbox' ? undefined : body.webhookUrl;
      if (webhookUrl) {
        const issue = await webhookTargetIssue(webhookUrl, deps.config.webhookTargets ?? 'public');
        if (issue) throw problems.unprocessable(`The webhook URL ${issue}; messages are delivered to public addresses only.`, [{ path: 'body.webhookUrl', message: issue }]);
      }
      const given = body.transport === 'outbox' ? undefined : body.webhookSecret;
      const generated = webhookUrl && !given ? newSecret('whsec') : undefined;
      const smtp = body.transport === 'smtp' ? body.smtp : undefined;
      const values = {
        transport: body.transport,
        webhookUrl: webhookUrl ?? null,
        // Sealed with the server key: the worker opens it to sign each delivery (and to sign in to SMTP).
        webhookSecret: webhookUrl ? deps.secrets.seal(given ?? generated!, sealedIn.messagingWebhookSecret(auth.tenantId)) : null,
        smtp: smtp ? { host: smtp.host, port: smtp.port, secure: smtp.secure, from: smtp.from, ...(smtp.username ? { username: smtp.username } : {}) } : null,
        smtpPassword: smtp?.password ? deps.secrets.seal(smtp.password, sealedIn.smtpPassword(auth.tenantId)) : null,
        updatedAt: new Date(),
      };
      await deps.db
        .insert(messagingSettings)
        .values({ tenantId: auth.tenantId, ...values })
        .onConflictDoUpdate({ target: messagingSettings.tenantId, set: values });
      return { status: 200, body: { ...view(values), ...(generated ? { webhookSecret: generated } : {}) } };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/v1/messaging/bounces',
    operationId: 'reportBounces',
    summary: 'Bounces reported after a message was handed over (an email delivery-status notice or bounce webhook, an SMS delivery receipt): a hard bounce fails the message and sends it on the other channel where it can',
    tag: 'Messaging',
    access: { kind: 'tenant', scope: 'write' },
    body: BouncesBody,
    example: { body: { bounces: [{ messageId: '<bXNnOmV4YW1wbGU@revloop>', kind: 'hard', reason: '550 5.1.1 mailbox unavailable' }] } },
    responses: { 200: { description: 'What each report did: bounced, fell_back_to_sms (an email), fell_back_to_email (a text), noted (soft), already_bounced, not_sent, or unknown (no such message of this tenant)' } },
    async handler({ auth, body, deps }) {
      const results = [];
      for (const bounce of body.bounces) {
        const delivery = { db: deps.db, secrets: deps.secrets, ...(deps.config.webhookTargets ? { webhookTargets: deps.config.webhookTargets } : {}), ...(deps.config.publicUrl ? { publicUrl: deps.config.publicUrl } : {}) };
        results.push(await recordLateBounce(delivery, auth.tenantId, bounce));
      }
      return { status: 200, body: { results } };
    },
  }),
];
