import type { B2BPlaybookInput } from './b2b-schema';

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
  templates: {
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
  },
};
