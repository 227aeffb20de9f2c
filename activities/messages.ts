import type { Database } from '../db/client';
import { messages, timelineEntries } from '../db/schema';
import { renderTemplate } from '../domain/render-template';
import type { MessageTemplate, TemplateKey } from '../playbooks/schema';
import { timelineRow, type Subject } from './timeline';

export interface SendMessageInput extends Subject {
  /** Chosen by the workflow, so a retried send is the same message. */
  messageId: string;
  kind: TemplateKey;
  template: MessageTemplate;
  vars: Record<string, string>;
  /** Phone for sms, address for email; null when the customer has none. */
  recipient: string | null;
  /** Workflow time at which the lifecycle sends it. */
  at: string;
  /** Timeline sequence number for the matching timeline entry. */
  seq: number;
  /** Why the workflow decided not to send (an opt-out); the message is still recorded. */
  suppressedReason?: string;
}

export interface SendMessageResult {
  status: 'recorded' | 'suppressed';
  body: string;
}

export function createMessageActivities(db: Database) {
  return {
    /**
     * Renders a playbook template and puts the message in the outbox with its timeline entry, in one
     * transaction keyed by the workflow's message id.
     */
    async sendMessage(input: SendMessageInput): Promise<SendMessageResult> {
      const body = renderTemplate(input.template.text, input.vars);
      const reason = input.suppressedReason ?? (input.recipient ? undefined : `customer has no ${input.template.channel === 'sms' ? 'phone number' : 'email address'}`);
      const status = reason ? 'suppressed' : 'recorded';
      await db.transaction(async (tx) => {
        await tx
          .insert(messages)
          .values({
            tenantId: input.tenantId,
            id: input.messageId,
            subjectType: input.subjectType,
            subjectId: input.subjectId,
            kind: input.kind,
            purpose: input.template.purpose,
            channel: input.template.channel,
            recipient: input.recipient,
            template: input.kind,
            body,
            status,
            statusReason: reason ?? null,
            transport: 'outbox',
            attempts: reason ? 0 : 1,
            sentAt: new Date(input.at),
          })
          .onConflictDoNothing();
        await tx
          .insert(timelineEntries)
          .values(
            timelineRow(input, {
              id: `msg:${input.messageId}`,
              kind: 'action',
              type: reason ? 'message.suppressed' : 'message.sent',
              summary: reason ? `${input.kind} not sent: ${reason}` : `${input.kind} sent by ${input.template.channel}`,
              data: { messageId: input.messageId, kind: input.kind, channel: input.template.channel },
              occurredAt: input.at,
              seq: input.seq,
            }),
          )
          .onConflictDoNothing();
      });
      return { status, body };
    },
  };
}
