import type { B2BPlaybookInput } from './b2b-schema';
import { defaultContractTemplates } from './templates';

/** A SaaS business selling annual and multi-year subscriptions with usage add-ons. */
export const saasSubscription: B2BPlaybookInput = {
  id: 'saas-subscription',
  kind: 'b2b',
  name: 'SaaS subscription',
  description: 'Quote approval by discount, monthly or annual billing in advance, usage in arrears, net 30, renewals from 90 days out.',
  business: 'our team',
  currency: 'USD',
  defaultTimezone: 'UTC',
  guardrails: {
    autoApproveDiscountUpTo: 10,
    discountTiers: [
      { upTo: 25, role: 'sales_manager' },
      { upTo: 40, role: 'finance' },
    ],
    standardTerms: ['P12M', 'P24M', 'P36M'],
    nonStandardTermRole: 'legal',
  },
  approvals: {
    escalateAfter: 'P2D',
    escalation: { sales_manager: 'finance', finance: 'cfo', legal: 'general_counsel' },
    quoteExpiresAfter: 'P30D',
  },
  billing: {
    netTerms: 'P30D',
    anomaly: { trailingInvoices: 3, thresholdPercent: 50, firstInvoiceAbove: 5_000_000 },
  },
  collections: {
    steps: [
      { after: 'P7D', action: 'reminder' },
      { after: 'P14D', action: 'reminder' },
      { after: 'P30D', action: 'reminder' },
      { after: 'P45D', action: 'final_notice' },
      { after: 'P90D', action: 'write_off' },
    ],
    paymentRetries: ['P1D', 'P3D', 'P7D'],
  },
  renewal: { noticeBefore: ['P90D', 'P60D', 'P30D'], autoRenewUpliftPercent: 5 },
  winBack: { after: 'P90D' },
  templates: defaultContractTemplates,

};
