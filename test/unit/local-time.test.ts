import { describe, expect, it } from 'vitest';
import { localParts, nextLocalDate, nextSendableInstant, zonedToUtc } from '../../domain/local-time';

const at = (iso: string) => Date.parse(iso);
const window = { start: '08:00', end: '20:00' };

describe('customer-local time', () => {
  it('converts local wall-clock times to UTC across daylight saving', () => {
    expect(zonedToUtc(2026, 1, 15, 9, 0, 'America/New_York')).toBe(at('2026-01-15T14:00:00Z'));
    expect(zonedToUtc(2026, 7, 15, 9, 0, 'America/New_York')).toBe(at('2026-07-15T13:00:00Z'));
    expect(zonedToUtc(2026, 7, 15, 9, 0, 'Australia/Sydney')).toBe(at('2026-07-14T23:00:00Z'));
    // 02:30 does not exist on the spring-forward night in New York; it resolves after the gap.
    expect(zonedToUtc(2026, 3, 8, 2, 30, 'America/New_York')).toBe(at('2026-03-08T07:30:00Z'));
  });

  it('lets a message inside the window go at once', () => {
    const noonChicago = at('2026-06-10T17:00:00Z');
    expect(nextSendableInstant(noonChicago, 'America/Chicago', window)).toBe(noonChicago);
  });

  it('holds a late-evening message until 08:00 the next local morning', () => {
    const ninePmChicago = at('2026-06-11T02:00:00Z'); // 21:00 CDT on June 10
    expect(nextSendableInstant(ninePmChicago, 'America/Chicago', window)).toBe(at('2026-06-11T13:00:00Z'));
  });

  it('holds an early-morning message until 08:00 the same local day', () => {
    const sixAmBerlin = at('2026-01-20T05:00:00Z');
    expect(nextSendableInstant(sixAmBerlin, 'Europe/Berlin', window)).toBe(at('2026-01-20T07:00:00Z'));
  });

  it('judges the same instant differently in different time zones', () => {
    const instant = at('2026-06-10T13:00:00Z'); // 09:00 in New York, 06:00 in Los Angeles
    expect(nextSendableInstant(instant, 'America/New_York', window)).toBe(instant);
    expect(nextSendableInstant(instant, 'America/Los_Angeles', window)).toBe(at('2026-06-10T15:00:00Z'));
  });

  it('sends at any time without a window', () => {
    expect(nextSendableInstant(at('2026-06-10T03:00:00Z'), 'UTC', null)).toBe(at('2026-06-10T03:00:00Z'));
  });

  it('finds the next local date for seasonal outreach', () => {
    expect(nextLocalDate(at('2026-06-10T00:00:00Z'), 3, 1, '10:00', 'America/Denver')).toBe(at('2027-03-01T17:00:00Z'));
    expect(nextLocalDate(at('2026-01-10T00:00:00Z'), 3, 1, '10:00', 'America/Denver')).toBe(at('2026-03-01T17:00:00Z'));
    expect(localParts(at('2026-03-01T17:00:00Z'), 'America/Denver')).toMatchObject({ month: 3, day: 1, hour: 10 });
  });
});
