import { homeService } from './home-service';
import type { HomeServicePlaybookInput } from './schema';

/** Electrical: net-15 terms for larger jobs and a safety inspection every other year. */
export const electrical = {
  ...homeService,
  id: 'electrical',
  name: 'Electrical',
  description: 'Electrical: net-15 invoices, a safety inspection 24 months after each service, generator check every October.',
  invoicing: { netTerms: 'P15D', issueWithin: 'P2D' },
  leakage: { averageTicket: 40_000, byService: {} },
  retention: {
    seasonal: [{ id: 'generator-check', month: 10, day: 1, at: '10:00', service: 'generator check before winter' }],
    afterService: [{ id: 'safety-inspection', after: 'P24M', service: 'electrical safety inspection' }],
  },
} satisfies HomeServicePlaybookInput;
