import { describe, expect, it } from 'vitest';
import { addDuration, durationInWords, durationMs, humanizeMs } from '../../domain/durations';
import { IsoDuration } from '../../domain/values';

const at = (iso: string) => Date.parse(iso);

describe('ISO-8601 durations', () => {
  it('adds exact units as real elapsed time', () => {
    expect(addDuration(at('2026-03-01T10:00:00Z'), 'PT15M')).toBe(at('2026-03-01T10:15:00Z'));
    expect(addDuration(at('2026-03-01T10:00:00Z'), 'P1DT2H')).toBe(at('2026-03-02T12:00:00Z'));
    expect(addDuration(at('2026-03-01T10:00:00Z'), 'P2W')).toBe(at('2026-03-15T10:00:00Z'));
    expect(addDuration(at('2026-03-02T12:00:00Z'), 'PT2H', -1)).toBe(at('2026-03-02T10:00:00Z'));
  });

  it('adds months and years on the calendar, clamping to the month end', () => {
    expect(addDuration(at('2026-01-31T09:00:00Z'), 'P1M')).toBe(at('2026-02-28T09:00:00Z'));
    expect(addDuration(at('2028-01-31T09:00:00Z'), 'P1M')).toBe(at('2028-02-29T09:00:00Z'));
    expect(addDuration(at('2026-05-10T09:00:00Z'), 'P12M')).toBe(at('2027-05-10T09:00:00Z'));
    expect(addDuration(at('2026-05-10T09:00:00Z'), 'P1Y6M')).toBe(at('2027-11-10T09:00:00Z'));
  });

  it('rejects what is not a duration', () => {
    for (const bad of ['P', 'PT', '15M', 'P1.5D', 'PT1H30', '1 day']) expect(IsoDuration.safeParse(bad).success, bad).toBe(false);
    for (const good of ['P0D', 'PT1M', 'P24M', 'P1Y2M3W4DT5H6M7S']) expect(IsoDuration.safeParse(good).success, good).toBe(true);
  });

  it('refuses a fixed length for calendar durations', () => {
    expect(durationMs('PT2H')).toBe(7_200_000);
    expect(() => durationMs('P1M')).toThrow(/calendar/);
  });

  it.each([
    ['P4D', '4 days'],
    ['P1D', '1 day'],
    ['PT30M', '30 min'],
    ['PT2H', '2 hours'],
    ['PT1H', '1 hour'],
    ['P18M', '18 months'],
    ['P1Y6M', '1 year 6 months'],
    ['P2W', '2 weeks'],
    ['P1DT12H', '1 day 12 hours'],
    ['PT45S', '45 s'],
    ['P0D', 'no time'],
  ])('says %s as “%s” for people reading a diagram', (iso, words) => {
    expect(durationInWords(iso)).toBe(words);
  });

  it('writes short spans for summaries', () => {
    expect(humanizeMs(2 * 3600_000)).toBe('2h');
    expect(humanizeMs(15 * 60_000)).toBe('15m');
    expect(humanizeMs(3 * 86_400_000)).toBe('3d');
  });

  it('refuses durations beyond a century, which no lifecycle schedules and no date can hold', () => {
    expect(IsoDuration.safeParse('P100Y').success).toBe(true);
    expect(IsoDuration.safeParse('P36500D').success).toBe(true);
    for (const huge of ['P101Y', 'P400000Y', 'PT99999999999H', `P${'9'.repeat(40)}D`]) expect(IsoDuration.safeParse(huge).success).toBe(false);
  });
});
