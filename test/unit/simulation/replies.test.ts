import { describe, expect, it } from 'vitest';
import { anchorReplies, nthSent, replyDueAt } from '../../../simulation/replies';

const H = 3_600_000;
const D = 24 * H;
// One lead's real messages: acknowledgement at once, follow-ups after 15 min, a day and 3 days.
const sent = [
  { kind: 'inquiry.follow_up', sentAt: 3 * D },
  { kind: 'inquiry.acknowledgement', sentAt: 0 },
  { kind: 'inquiry.follow_up', sentAt: 15 * 60_000 },
  { kind: 'inquiry.follow_up', sentAt: D },
];

describe('which customer events answer a message', () => {
  it.each([
    { what: 'a booking an hour after the day-one follow-up answers the 2nd follow-up', event: { type: 'booking.requested', at: D + H }, anchor: { kind: 'inquiry.follow_up', ordinal: 2, delayMs: H } },
    { what: 'a booking 26 h after the last follow-up (after the lead was lost) answers the 3rd', event: { type: 'booking.requested', at: 4 * D + 2 * H }, anchor: { kind: 'inquiry.follow_up', ordinal: 3, delayMs: D + 2 * H } },
    { what: 'a booking more than two days after any message answers none', event: { type: 'booking.requested', at: 6 * D }, anchor: undefined },
    { what: 'the inquiry itself, before any message, answers none', event: { type: 'inquiry.received', at: 0 }, anchor: undefined },
    { what: 'an event at the very instant of a message is not its answer', event: { type: 'booking.requested', at: D }, anchor: { kind: 'inquiry.follow_up', ordinal: 1, delayMs: D - 15 * 60_000 } },
    { what: 'what the business does (a job started) answers nothing', event: { type: 'job.started', at: D + H }, anchor: undefined },
    { what: 'a payment the morning after a reminder answers it', event: { type: 'payment.received', at: 3 * D + 10 * H }, anchor: { kind: 'inquiry.follow_up', ordinal: 3, delayMs: 10 * H } },
  ])('$what', ({ event, anchor }) => {
    expect(anchorReplies([event], sent)[0]).toEqual(anchor);
  });

  it('a narrower window makes fewer answers', () => {
    expect(anchorReplies([{ type: 'booking.requested', at: 4 * D + 2 * H }], sent, D)).toEqual([undefined]);
  });
});

describe('when a reply comes in a run', () => {
  const anchor = { kind: 'inquiry.follow_up', ordinal: 3, delayMs: D + 2 * H };
  it.each([
    { what: 'the same prompt: when it was recorded', prompt: 3 * D, due: 4 * D + 2 * H },
    { what: 'a prompt two days sooner: two days sooner', prompt: D, due: 2 * D + 2 * H },
    { what: 'a later prompt: never later than recorded', prompt: 5 * D, due: 4 * D + 2 * H },
    { what: 'no such prompt: when it was recorded', prompt: undefined, due: 4 * D + 2 * H },
  ])('$what', ({ prompt, due }) => {
    expect(replyDueAt(4 * D + 2 * H, anchor, prompt)).toBe(due);
  });

  it("finds the run's n-th message of a kind whatever order its rows come in", () => {
    expect(nthSent(sent, 'inquiry.follow_up', 2)).toBe(D);
    expect(nthSent(sent, 'inquiry.follow_up', 4)).toBeUndefined();
  });
});
