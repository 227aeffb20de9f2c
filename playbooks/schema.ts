import { z } from 'zod';
import { addDuration } from '../domain/durations';
import { IsoDuration } from '../domain/values';
import { LocalTime, TimeZone } from '../domain/values';
import { MAX_AMOUNT } from '../domain/money';
import { Currency } from '../domain/values';
import { HomeServiceTemplates } from './templates';

export { MessageChannel, MessagePurpose, MessageTemplate, templateKeys, type TemplateKey } from './templates';

/**
 * A home-service lifecycle playbook: every timing, template and threshold the `customer`
 * workflow follows. Adding a trade is a new file of data validated by this schema, never a change
 * to workflow code. Durations are ISO-8601; local times are the customer's wall clock.
 */

export const PlaybookId = z
  .string()
  .min(2)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and "-"');

// Offsets compared from a fixed instant, so calendar units (P1M) order correctly against exact ones (P30D).
const REFERENCE = Date.UTC(2001, 0, 1);
// Refinements also run when a field already failed its own check; an invalid duration is simply not compared.
const offset = (d: string) => (IsoDuration.safeParse(d).success ? addDuration(REFERENCE, d) - REFERENCE : NaN);
const isIncreasing = (list: string[]) => list.every((d, i) => i === 0 || !(offset(d) <= offset(list[i - 1]!)));

export const CollectionsStep = z.strictObject({
  /** Measured from the invoice's due date. */
  after: IsoDuration,
  action: z.enum(['reminder', 'final_notice', 'write_off']),
});

export const SeasonalOutreach = z.strictObject({
  id: PlaybookId,
  /** 1–12, in the customer's time zone. */
  month: z.number().int().min(1).max(12),
  day: z.number().int().min(1).max(31).default(1),
  at: LocalTime.default('10:00'),
  /** Shown in the message, e.g. "AC tune-up". */
  service: z.string().min(1).max(100),
});

export const AfterServiceOutreach = z.strictObject({
  id: PlaybookId,
  /** Measured from the completion of any job. */
  after: IsoDuration,
  service: z.string().min(1).max(100),
});

export const HomeServicePlaybook = z
  .strictObject({
    id: PlaybookId,
    kind: z.literal('home-service'),
    name: z.string().min(1).max(100),
    description: z.string().max(2000).default(''),
    business: z.string().min(1).max(100).default('our team'),
    currency: Currency.default('USD'),
    /** Used when a customer has no time zone of their own. */
    defaultTimezone: TimeZone.default('America/New_York'),
    /** No message leaves outside this customer-local window; it waits for the window to open. Null: any time. */
    quietHours: z.strictObject({ start: LocalTime, end: LocalTime }).nullable().default({ start: '08:00', end: '20:00' }),
    speedToLead: z.strictObject({
      acknowledgeInquiry: z.boolean().default(true),
      missedCallTextBackWithin: IsoDuration.default('PT1M'),
    }),
    inquiry: z.strictObject({
      /** Measured from the inquiry; each one is sent only while the inquiry is still unbooked. */
      followUps: z.array(IsoDuration).max(10),
      /** Measured from the inquiry: still unbooked by then, the customer is `lost`. */
      lostAfter: IsoDuration,
    }),
    booking: z.strictObject({
      confirm: z.boolean().default(true),
      /** Measured back from the appointment. */
      remindersBefore: z.array(IsoDuration).max(5),
      /** No `job.started` this long after the slot: no-show outreach offering a new slot. */
      noShowAfter: IsoDuration,
    }),
    invoicing: z.strictObject({
      /** Due date = issue date + this; `P0D` is due on receipt. */
      netTerms: IsoDuration.default('P0D'),
      /** The promise: an invoice issued later than this after the job was done is a late invoice in the leakage ledger. */
      issueWithin: IsoDuration.default('P1D'),
    }),
    /**
     * What a lead or a booking is worth to the leakage ledger when nothing better is known (no
     * estimate, no invoice yet): the business's average ticket, in minor units, overall and per
     * service. Rows valued with it are marked `estimated`.
     */
    leakage: z
      .strictObject({
        averageTicket: z.number().int().min(0).max(MAX_AMOUNT).default(0),
        byService: z.record(z.string().min(1).max(200), z.number().int().min(0).max(MAX_AMOUNT)).default({}),
      })
      .default({ averageTicket: 0, byService: {} }),
    review: z.strictObject({
      requestAfter: IsoDuration,
      /** A request unanswered this long stops counting as a pending review. */
      windowAfterRequest: IsoDuration.default('P7D'),
      /** Ratings at or below this open a service-recovery task instead of a public-review push. */
      serviceRecoveryAtOrBelow: z.number().int().min(1).max(5).default(3),
    }),
    collections: z.strictObject({
      steps: z.array(CollectionsStep).min(1).max(12),
      /** Retry outreach after `payment.failed`, measured from the failure. */
      paymentRetries: z.array(IsoDuration).max(6).default(['P1D', 'P3D']),
    }),
    retention: z.strictObject({
      seasonal: z.array(SeasonalOutreach).max(12).default([]),
      afterService: z.array(AfterServiceOutreach).max(12).default([]),
    }),
    reactivation: z.strictObject({
      /** No activity for this long: start the reactivation sequence. */
      idleAfter: IsoDuration,
      messages: z.number().int().min(1).max(6).default(3),
      interval: IsoDuration.default('P14D'),
    }),
    /** Every message's wording; a key left out (or added by a later release) takes the default wording. */
    templates: HomeServiceTemplates,
  })
  .superRefine((p, ctx) => {
    if (!isIncreasing(p.inquiry.followUps)) {
      ctx.addIssue({ code: 'custom', path: ['inquiry', 'followUps'], message: 'follow-ups must be in increasing order' });
    }
    const latestFollowUp = Math.max(...p.inquiry.followUps.map(offset));
    if (latestFollowUp >= offset(p.inquiry.lostAfter)) {
      ctx.addIssue({ code: 'custom', path: ['inquiry', 'lostAfter'], message: 'must come after the last follow-up' });
    }
    if (!isIncreasing(p.collections.steps.map((s) => s.after))) {
      ctx.addIssue({ code: 'custom', path: ['collections', 'steps'], message: 'steps must be in increasing order of `after`' });
    }
    if (!isIncreasing(p.collections.paymentRetries)) {
      ctx.addIssue({ code: 'custom', path: ['collections', 'paymentRetries'], message: 'retries must be in increasing order' });
    }
    const writeOff = p.collections.steps.findIndex((s) => s.action === 'write_off');
    if (writeOff !== -1 && writeOff !== p.collections.steps.length - 1) {
      ctx.addIssue({ code: 'custom', path: ['collections', 'steps', writeOff], message: 'write_off must be the last step' });
    }
    const ids = [...p.retention.seasonal, ...p.retention.afterService].map((r) => r.id);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['retention'], message: `outreach id "${dup}" is used twice` });
  });

export type HomeServicePlaybookInput = z.input<typeof HomeServicePlaybook>;
export type HomeServicePlaybook = z.output<typeof HomeServicePlaybook>;

/** A playbook pinned to one version: what a workflow run receives and follows. */
export interface ResolvedPlaybook<Definition = HomeServicePlaybook> {
  id: string;
  version: number;
  /** `builtin` or the owning tenant. */
  owner: string;
  definition: Definition;
}
