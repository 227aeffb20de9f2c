import { homeService } from './home-service';
import type { HomeServicePlaybookInput } from './schema';

/** Heating and cooling: two tune-up seasons a year and a shorter road to reactivation. */
export const hvac = {
  ...homeService,
  id: 'hvac',
  name: 'HVAC',
  description: 'Heating and cooling: AC tune-up outreach every March, furnace checks every September, reactivation after 18 idle months.',
  retention: {
    seasonal: [
      { id: 'ac-tune-up', month: 3, day: 1, at: '10:00', service: 'AC tune-up' },
      { id: 'furnace-check', month: 9, day: 1, at: '10:00', service: 'furnace check' },
    ],
    afterService: [],
  },
  leakage: { averageTicket: 35_000, byService: { 'AC tune-up': 12_900, 'furnace check': 11_900, 'AC repair': 45_000, 'furnace repair': 52_000 } },
  reactivation: { idleAfter: 'P18M', messages: 3, interval: 'P14D' },
} satisfies HomeServicePlaybookInput;
