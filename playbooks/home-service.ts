import { defaultTemplates } from './templates';
import type { HomeServicePlaybookInput } from './schema';

/** The generic home-service lifecycle: the defaults a residential service business would recognise. */
export const homeService = {
  id: 'home-service',
  kind: 'home-service',
  name: 'Home service (generic)',
  description: 'Speed to lead, booking reminders, instant invoicing, review requests, collections and reactivation for any residential trade.',
  speedToLead: { acknowledgeInquiry: true, missedCallTextBackWithin: 'PT1M' },
  inquiry: { followUps: ['PT15M', 'P1D', 'P3D'], lostAfter: 'P4D' },
  booking: { confirm: true, remindersBefore: ['P1D', 'PT2H'], noShowAfter: 'PT30M' },
  invoicing: { netTerms: 'P0D', issueWithin: 'P1D' },
  // What a lead or a booking is worth when nothing better is known: set your own (minor units).
  leakage: { averageTicket: 25_000, byService: {} },
  review: { requestAfter: 'PT2H', serviceRecoveryAtOrBelow: 3 },
  collections: {
    steps: [
      { after: 'P7D', action: 'reminder' },
      { after: 'P14D', action: 'reminder' },
      { after: 'P30D', action: 'reminder' },
      { after: 'P45D', action: 'final_notice' },
      { after: 'P90D', action: 'write_off' },
    ],
    paymentRetries: ['P1D', 'P3D'],
  },
  retention: { seasonal: [], afterService: [] },
  reactivation: { idleAfter: 'P24M', messages: 3, interval: 'P14D' },
  templates: defaultTemplates,
} satisfies HomeServicePlaybookInput;
