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
  reactivation: { idleAfter: 'P18M', messages: 3, interval: 'P14D' },
} satisfies HomeServicePlaybookInput;
