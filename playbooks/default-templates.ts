import type { HomeServicePlaybookInput } from './schema';

/** Wording every home-service trade starts from; a trade's playbook overrides what it says differently. */
export const defaultTemplates: HomeServicePlaybookInput['templates'] = {
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
