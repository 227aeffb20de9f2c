import { z } from 'zod';

/**
 * Message templates: the wording of every message a lifecycle sends, and the default wording a
 * playbook starts from. A playbook may leave any key out and gets the default; that is also how a
 * playbook stored before a release added a message keeps loading after it (db/playbook-store.ts).
 */

export const MessageChannel = z.enum(['sms', 'email']);
export type MessageChannel = z.infer<typeof MessageChannel>;

/** Transactional messages (confirmations, invoices) ignore marketing opt-outs; marketing ones stop. */
export const MessagePurpose = z.enum(['transactional', 'marketing']);
export type MessagePurpose = z.infer<typeof MessagePurpose>;

export const MessageTemplate = z.strictObject({
  channel: MessageChannel,
  purpose: MessagePurpose,
  /** `{{name}}`, `{{service}}`, `{{scheduledAt}}`, `{{amount}}`, `{{business}}`… filled in when rendered. */
  text: z.string().min(1).max(2000),
});
export type MessageTemplate = z.infer<typeof MessageTemplate>;

/** Every message the home-service lifecycle can send. */
export const templateKeys = [
  'inquiry.acknowledgement',
  'inquiry.follow_up',
  'missed_call.text_back',
  'booking.confirmation',
  'booking.reminder',
  'booking.rescheduled',
  'booking.cancelled',
  'booking.no_show',
  'invoice.issued',
  'review.request',
  'review.public_push',
  'collections.reminder',
  'collections.final_notice',
  'collections.payment_failed',
  'retention.outreach',
  'reactivation.outreach',
] as const;
export type TemplateKey = (typeof templateKeys)[number];

export const contractTemplateKeys = [
  'quote.sent',
  'quote.expired',
  'contract.welcome',
  'invoice.issued',
  'collections.reminder',
  'collections.final_notice',
  'collections.payment_failed',
  'renewal.notice',
  'renewal.renewed',
  'contract.churned',
  'winback.outreach',
  'wallet.low_balance',
] as const;
export type ContractTemplateKey = (typeof contractTemplateKeys)[number];

/** Wording every home-service trade starts from; a trade's playbook overrides what it says differently. */
export const defaultTemplates: Record<TemplateKey, MessageTemplate> = {
  'inquiry.acknowledgement': {
    channel: 'sms',
    purpose: 'transactional',
    text: 'Hi {{name}}, thanks for reaching out to {{business}}! We got your request and will get back to you shortly. Reply with a good time and we can book you in.',
  },
  'inquiry.follow_up': {
    channel: 'sms',
    purpose: 'marketing',
    text: 'Hi {{name}}, {{business}} here — still need a hand? Reply to pick a time and we will take care of it.',
  },
  'missed_call.text_back': {
    channel: 'sms',
    purpose: 'transactional',
    text: 'Hi, this is {{business}} — sorry we missed your call! How can we help? Reply here and we will get you booked.',
  },
  'booking.confirmation': {
    channel: 'sms',
    purpose: 'transactional',
    text: 'You are booked, {{name}}: {{service}} on {{scheduledAt}}. Reply C to change the time.',
  },
  'booking.reminder': {
    channel: 'sms',
    purpose: 'transactional',
    text: 'Reminder from {{business}}: {{service}} on {{scheduledAt}}. Reply C if you need to reschedule.',
  },
  'booking.rescheduled': {
    channel: 'sms',
    purpose: 'transactional',
    text: 'Done, {{name}}: {{service}} is now on {{scheduledAt}}.',
  },
  'booking.cancelled': {
    channel: 'sms',
    purpose: 'marketing',
    text: 'Your {{service}} appointment is cancelled, {{name}}. Whenever you are ready, reply with a time that suits you and we will rebook.',
  },
  'booking.no_show': {
    channel: 'sms',
    purpose: 'transactional',
    text: 'Hi {{name}}, we could not reach you for your {{service}} appointment at {{scheduledAt}}. Reply with a new time and we will be there.',
  },
  'invoice.issued': {
    channel: 'email',
    purpose: 'transactional',
    text: 'Thank you for choosing {{business}}, {{name}}. Invoice {{invoiceId}} for {{amount}} is due {{dueAt}}.',
  },
  'review.request': {
    channel: 'sms',
    purpose: 'marketing',
    text: 'Thanks again, {{name}}! How did we do on your {{service}}? A quick review helps neighbours find {{business}}.',
  },
  'review.public_push': {
    channel: 'sms',
    purpose: 'marketing',
    text: 'Thank you, {{name}}! Would you share that on Google? It takes a minute and helps neighbours find {{business}}.',
  },
  'collections.reminder': {
    channel: 'email',
    purpose: 'transactional',
    text: 'Friendly reminder, {{name}}: invoice {{invoiceId}} has {{amount}} outstanding (due {{dueAt}}).',
  },
  'collections.final_notice': {
    channel: 'email',
    purpose: 'transactional',
    text: 'Final notice, {{name}}: invoice {{invoiceId}} has {{amount}} outstanding since {{dueAt}}. Please pay now to avoid further action.',
  },
  'collections.payment_failed': {
    channel: 'email',
    purpose: 'transactional',
    text: 'Hi {{name}}, your payment for invoice {{invoiceId}} did not go through. {{amount}} is still outstanding; please try again or reply for help.',
  },
  'retention.outreach': {
    channel: 'sms',
    purpose: 'marketing',
    text: 'Hi {{name}}, it is time for your {{service}}. Reply with a time and {{business}} will take care of it.',
  },
  'reactivation.outreach': {
    channel: 'sms',
    purpose: 'marketing',
    text: 'Hi {{name}}, it has been a while! {{business}} is here whenever you need us — reply to book a visit.',
  },
};

/** Wording every contract playbook starts from. */
export const defaultContractTemplates: Record<ContractTemplateKey, MessageTemplate> = {
  'quote.sent': { channel: 'email', purpose: 'transactional', text: 'Hi {{name}}, your quote {{contractId}} from {{business}} is ready: {{total}} per year for {{term}}, starting {{start}}.' },
  'quote.expired': { channel: 'email', purpose: 'transactional', text: 'Hi {{name}}, quote {{contractId}} has expired. Reply and we will send a fresh one.' },
  'contract.welcome': { channel: 'email', purpose: 'transactional', text: 'Welcome aboard, {{name}}! Contract {{contractId}} runs from {{start}} to {{end}}.' },
  'invoice.issued': { channel: 'email', purpose: 'transactional', text: 'Invoice {{invoiceId}} for {{total}} is due {{dueAt}}.' },
  'collections.reminder': { channel: 'email', purpose: 'transactional', text: 'Reminder: invoice {{invoiceId}} has {{amount}} outstanding, due {{dueAt}}.' },
  'collections.final_notice': { channel: 'email', purpose: 'transactional', text: 'Final notice: invoice {{invoiceId}} has {{amount}} outstanding. Please pay now to avoid interruption.' },
  'collections.payment_failed': { channel: 'email', purpose: 'transactional', text: 'Your payment for invoice {{invoiceId}} did not go through. Please update your payment method; {{amount}} remains due.' },
  'renewal.notice': { channel: 'email', purpose: 'transactional', text: 'Hi {{name}}, contract {{contractId}} renews on {{end}}{{autoRenew}}. Let us know about any changes.' },
  'renewal.renewed': { channel: 'email', purpose: 'transactional', text: 'Contract {{contractId}} has renewed until {{end}}. Thank you for staying with {{business}}.' },
  'contract.churned': { channel: 'email', purpose: 'transactional', text: 'Contract {{contractId}} ended on {{end}}. Thank you for working with {{business}}.' },
  'winback.outreach': { channel: 'email', purpose: 'marketing', text: 'Hi {{name}}, a lot has changed at {{business}} since {{end}}. Could we show you what is new?' },
  'wallet.low_balance': { channel: 'email', purpose: 'transactional', text: 'Hi {{name}}, the prepaid balance of contract {{contractId}} is down to {{balance}} (below {{below}}). Top up to keep usage paid from it.' },
};

/** Each key's template, or its default wording when the playbook leaves it out. */
function templatesWithDefaults<K extends string>(defaults: Record<K, MessageTemplate>) {
  const shape = Object.fromEntries(Object.entries(defaults).map(([key, wording]) => [key, MessageTemplate.default(wording as MessageTemplate)]));
  // prefault: a playbook with no `templates` at all still gets every default filled in.
  const templates = z.strictObject(shape as Record<K, z.ZodDefault<typeof MessageTemplate>>);
  return templates.prefault({} as z.input<typeof templates>);
}

export const HomeServiceTemplates = templatesWithDefaults(defaultTemplates);
export const ContractTemplates = templatesWithDefaults(defaultContractTemplates);
