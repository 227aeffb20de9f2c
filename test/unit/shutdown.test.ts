import { describe, expect, it } from 'vitest';
import { REPEATED_SIGNAL_WINDOW_MS, signalMeaning } from '../../scripts/runtime/shutdown';

describe('what a signal asks of a process', () => {
  it.each([
    { since: undefined, at: 1_000, meaning: 'stop', why: 'the first signal starts the shutdown' },
    { since: 1_000, at: 1_000, meaning: 'copy', why: 'npm forwards the Ctrl-C the group already got' },
    { since: 1_000, at: 1_000 + REPEATED_SIGNAL_WINDOW_MS - 1, meaning: 'copy', why: 'a late copy from a busy parent' },
    { since: 1_000, at: 1_000 + REPEATED_SIGNAL_WINDOW_MS, meaning: 'force', why: 'a second Ctrl-C later means stop now' },
  ] as const)('$why', ({ since, at, meaning }) => {
    expect(signalMeaning(since, at)).toBe(meaning);
  });
});
