import { homeService } from './home-service';
import type { HomeServicePlaybookInput } from './schema';

/** Plumbing: a yearly water-heater flush keeps the customer who called about a faucet. */
export const plumbing = {
  ...homeService,
  id: 'plumbing',
  name: 'Plumbing',
  description: 'Plumbing: yearly water-heater flush outreach twelve months after each service.',
  leakage: { averageTicket: 30_000, byService: { 'yearly water-heater flush': 15_000 } },
  retention: {
    seasonal: [],
    afterService: [{ id: 'water-heater-flush', after: 'P12M', service: 'yearly water-heater flush' }],
  },
} satisfies HomeServicePlaybookInput;
