import { messages } from '../db/schema';
import { renderTemplate } from '../domain/render-template';
import type { ContractTemplateKey } from '../playbooks/b2b-schema';
import type { MessageTemplate, TemplateKey } from '../playbooks/schema';
import type { Subject, TimelineEntryInput } from './timeline';

/** A message the workflow decided to send, with everything needed to render and record it. */
export interface MessageDraft {
  /** Chosen by the workflow, so a retried step records the same message once. */
  messageId: string;
  kind: TemplateKey | ContractTemplateKey;
  template: MessageTemplate;
  vars: Record<string, string>;
  /** Phone for sms, address for email; null when the customer has none. */
  recipient: string | null;
  /** Workflow time at which the lifecycle sends it (after quiet hours). */
  at: string;
  /** Timeline sequence number for the matching timeline entry. */
  seq: number;
  /** Why the workflow decided not to send (an opt-out); the message is still recorded. */
  suppressedReason?: string;
}

export type Transport = 'outbox' | 'webhook' | 'smtp';

/**
 * Renders a draft into its outbox row and the timeline entry that says it was sent (or why not).
 * With the `outbox` transport a message is `recorded` and that is final; with `webhook` it is
 * `pending` until the delivery activity reports back.
 */
export function outboxRecord(subject: Subject, draft: MessageDraft, transport: Transport): { row: typeof messages.$inferInsert; entry: TimelineEntryInput } {
  const body = renderTemplate(draft.template.text, draft.vars);
  const channel = draft.template.channel;
  const reason = draft.suppressedReason ?? (draft.recipient ? undefined : `customer has no ${channel === 'sms' ? 'phone number' : 'email address'}`);
  return {
    row: {
      tenantId: subject.tenantId,
      id: draft.messageId,
      subjectType: subject.subjectType,
      subjectId: subject.subjectId,
      kind: draft.kind,
      purpose: draft.template.purpose,
      channel,
      recipient: draft.recipient,
      template: draft.kind,
      body,
      status: reason ? 'suppressed' : transport === 'outbox' ? 'recorded' : 'pending',
      statusReason: reason ?? null,
      transport,
      attempts: 0,
      sentAt: new Date(draft.at),
    },
    entry: {
      id: `msg:${draft.messageId}`,
      kind: 'action',
      type: reason ? 'message.suppressed' : 'message.sent',
      summary: reason ? `${draft.kind} not sent: ${reason}` : `${draft.kind} sent by ${channel}`,
      data: { messageId: draft.messageId, kind: draft.kind, channel, purpose: draft.template.purpose },
      occurredAt: draft.at,
      seq: draft.seq,
    },
  };
}
