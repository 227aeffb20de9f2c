import { findBuiltinPlaybook, type HomeServicePlaybookInput } from '../../playbooks';

/**
 * The HVAC playbook with its timings cut to seconds, so a whole relationship plays out in under a
 * minute on a real server (`npm run demo`, and the HTTP story test). Calendar-bound seasonal
 * outreach cannot be shortened, so an after-service tune-up stands in for next March's.
 */
export const hvacInSeconds: HomeServicePlaybookInput = {
  ...findBuiltinPlaybook('hvac')!.definition,
  id: 'hvac-in-seconds',
  name: 'HVAC in seconds (demo)',
  quietHours: null,
  inquiry: { followUps: ['PT30S'], lostAfter: 'PT60S' },
  booking: { confirm: true, remindersBefore: ['PT4S', 'PT2S'], noShowAfter: 'PT30S' },
  review: { requestAfter: 'PT2S', windowAfterRequest: 'PT3S', serviceRecoveryAtOrBelow: 3 },
  collections: {
    steps: [
      { after: 'PT3S', action: 'reminder' },
      { after: 'PT60S', action: 'final_notice' },
      { after: 'PT120S', action: 'write_off' },
    ],
    paymentRetries: ['PT5S'],
  },
  retention: { seasonal: [], afterService: [{ id: 'ac-tune-up', after: 'PT3S', service: 'AC tune-up' }] },
  reactivation: { idleAfter: 'PT8S', messages: 3, interval: 'PT1S' },
};
