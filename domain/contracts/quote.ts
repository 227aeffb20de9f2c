import { z } from 'zod';
import { EmailAddress, NonBlank, PhoneNumber } from '../contact';
import { IsoDuration } from '../values';
import { ClientId } from '../values';
import { TimeZone } from '../values';
import { lineAmountIssue, termIssue } from './bounds';
import { StartDate } from '../values';
import { Currency } from '../values';
import { QuoteLine } from '../billing/quote-line';

/**
 * What `POST /v1/quotes` takes: a quote for one customer account, which becomes the contract when
 * signed. The quote id is the contract id (`contract:{tenant}:{id}`).
 */

export const QuoteInput = z
  .strictObject({
    /** The contract id; at most 48 characters, since invoice ids (`{id}.0001`) extend it. */
    id: ClientId.max(48).optional(),
    customer: z.strictObject({
      name: NonBlank(200),
      email: EmailAddress.optional(),
      phone: PhoneNumber.optional(),
      timezone: TimeZone.optional(),
    }),
    currency: Currency,
    lines: z.array(QuoteLine).min(1).max(50),
    /** The contract term, e.g. P12M; terms the playbook does not list as standard need legal approval. */
    term: IsoDuration,
    start: StartDate,
    autoRenew: z.boolean().default(true),
    /** The customer's notice period: renewal reminders also go out this long before the term ends. */
    renewalNotice: IsoDuration.optional(),
    playbook: z.string().min(2).max(64).default('saas-subscription'),
  })
  .superRefine((q, ctx) => {
    const term = termIssue(q.term);
    if (term) ctx.addIssue({ code: 'custom', path: ['term'], message: term });
    const seen = new Set<string>();
    const metrics = new Set<string>();
    q.lines.forEach((line, i) => {
      if (seen.has(line.lineId)) ctx.addIssue({ code: 'custom', path: ['lines', i, 'lineId'], message: 'line ids must be unique within a quote' });
      seen.add(line.lineId);
      const amount = lineAmountIssue(line);
      if (amount) ctx.addIssue({ code: 'custom', path: ['lines', i, 'quantity'], message: amount });
      if (line.listPrice.currency !== q.currency) ctx.addIssue({ code: 'custom', path: ['lines', i, 'listPrice', 'currency'], message: `must be the quote currency ${q.currency}` });
      if (line.usageMetric) {
        if (metrics.has(line.usageMetric)) ctx.addIssue({ code: 'custom', path: ['lines', i, 'usageMetric'], message: 'each usage metric is rated by one line' });
        metrics.add(line.usageMetric);
      }
    });
  });
export type QuoteInput = z.output<typeof QuoteInput>;
