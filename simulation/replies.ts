/**
 * The what-if's model of how customers answer Revloop's messages. A replay keeps what a customer
 * did, but some of what a customer did was an answer: the lead who booked an hour after the
 * day-one follow-up, the customer who paid the morning after the reminder. Replaying those at
 * their recorded times would say a sooner follow-up changes nothing, which is the one thing a
 * playbook author wants to know about.
 *
 * So an event the customer makes (a booking, a new inquiry, a payment, a review) that came within
 * `windowMs` of a message to them is a reply to that message: to the n-th message of its kind the
 * customer had received, `delayMs` after it. In a run, the reply comes `delayMs` after that run's
 * n-th message of the kind, or at its recorded time, whichever is first. A sooner prompt brings the
 * answer sooner; a later or missing prompt never delays or drops it, since nothing recorded says
 * the customer would not have called anyway. Everything else the customer or the business did
 * stays at its recorded time.
 */

/** Events a customer makes of their own accord, and so may be answers to a message. */
export const REPLY_EVENT_TYPES: ReadonlySet<string> = new Set(['booking.requested', 'inquiry.received', 'payment.received', 'review.submitted']);

/** The same for a contract's customer: paying (after a reminder), signing (after the quote), renewing (after the notice). */
export const CONTRACT_REPLY_EVENT_TYPES: ReadonlySet<string> = new Set(['payment.received', 'contract.signed', 'contract.renewed']);

/** Default: an event within two days of a message to the customer answers it. */
export const DEFAULT_REPLY_WINDOW_MS = 2 * 24 * 3_600_000;

export interface SentMessage {
  kind: string;
  sentAt: number;
}

export interface ReplyAnchor {
  /** The kind of message it answers, and which of them (1 = the customer's first of that kind). */
  kind: string;
  ordinal: number;
  /** How long after that message the customer answered. */
  delayMs: number;
}

/**
 * For each of one customer's events (in recorded order), the message it answers, or undefined.
 * `messages` are the customer's real messages, any order; suppressed ones never reached them and
 * are left out by the caller.
 */
export function anchorReplies(
  events: ReadonlyArray<{ type: string; at: number }>,
  messages: readonly SentMessage[],
  windowMs = DEFAULT_REPLY_WINDOW_MS,
  replyTypes: ReadonlySet<string> = REPLY_EVENT_TYPES,
): Array<ReplyAnchor | undefined> {
  const sent = [...messages].sort((a, b) => a.sentAt - b.sentAt || a.kind.localeCompare(b.kind));
  return events.map((event) => {
    if (!replyTypes.has(event.type)) return undefined;
    // The latest message strictly before the event: one sent at the same instant was its consequence.
    let last = -1;
    for (let i = 0; i < sent.length && sent[i]!.sentAt < event.at; i++) last = i;
    if (last < 0) return undefined;
    const prompt = sent[last]!;
    if (event.at - prompt.sentAt > windowMs) return undefined;
    const ordinal = sent.slice(0, last + 1).filter((m) => m.kind === prompt.kind).length;
    return { kind: prompt.kind, ordinal, delayMs: event.at - prompt.sentAt };
  });
}

/** When a reply comes in a run: after the run's prompt if it came sooner, else when it was recorded. */
export function replyDueAt(recordedAt: number, anchor: ReplyAnchor, promptSentAt: number | undefined): number {
  return promptSentAt === undefined ? recordedAt : Math.min(recordedAt, promptSentAt + anchor.delayMs);
}

/** The run's n-th message of a kind to one customer, from its messages in any order. */
export function nthSent(messages: readonly SentMessage[], kind: string, ordinal: number): number | undefined {
  const times = messages
    .filter((m) => m.kind === kind)
    .map((m) => m.sentAt)
    .sort((a, b) => a - b);
  return times[ordinal - 1];
}

/** Prompts faster than this are answered up to this late in a run (each look is a query). */
export const REPLY_LOOK_AGAIN_MS = 15 * 60_000;

/**
 * When each run's next event comes due: at its recorded time, or sooner after the prompt it
 * answers (`prompts`: each run's messages so far, by `key`); and when to look again for a prompt
 * not sent yet, when one sent from now on could first be answered.
 */
export function dueTimes<Q>(heads: ReadonlyArray<{ q: Q; key: string; recordedAt: number; anchor: ReplyAnchor | undefined }>, prompts: ReadonlyMap<string, readonly SentMessage[]>, now: number): { due: Array<{ q: Q; at: number }>; wakeAt: number } {
  let wakeAt = Infinity;
  const due = heads.map(({ q, key, recordedAt, anchor }) => {
    if (!anchor) return { q, at: recordedAt };
    const prompt = nthSent(prompts.get(key) ?? [], anchor.kind, anchor.ordinal);
    if (prompt === undefined) wakeAt = Math.min(wakeAt, now + Math.max(anchor.delayMs, REPLY_LOOK_AGAIN_MS));
    return { q, at: replyDueAt(recordedAt, anchor, prompt) };
  });
  return { due, wakeAt };
}
