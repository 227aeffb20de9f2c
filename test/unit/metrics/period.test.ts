import { describe, expect, it } from 'vitest';
import { previousPeriod, resolvePeriod } from '../../../api/reports/period';

describe('report periods in the tenant’s time zone', () => {
  // 2026-12-02 05:00 UTC is still Dec 1 in Chicago (UTC−6), and Dec 2 in UTC.
  const now = Date.parse('2026-12-02T05:00:00Z');

  it.each([
    // [query, zone, from, to]
    [{ from: '2026-09-01', to: '2026-11-30' }, 'America/Chicago', '2026-09-01T05:00:00.000Z', '2026-12-01T06:00:00.000Z'],
    [{ from: '2026-03-08', to: '2026-03-08' }, 'America/New_York', '2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z'],
    [{ from: '2026-09-01', to: '2026-11-30' }, 'UTC', '2026-09-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
    [{ from: '2026-01-01T12:00:00Z', to: '2026-01-02T00:00:00Z' }, 'Asia/Tokyo', '2026-01-01T12:00:00.000Z', '2026-01-02T00:00:00.000Z'],
    [{}, 'America/Chicago', '2026-11-02T06:00:00.000Z', '2026-12-02T06:00:00.000Z'],
    [{}, 'UTC', '2026-11-03T00:00:00.000Z', '2026-12-03T00:00:00.000Z'],
    [{ to: '2026-06-30' }, 'UTC', '2026-06-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z'],
    [{ days: 90 }, 'UTC', '2026-09-04T00:00:00.000Z', '2026-12-03T00:00:00.000Z'],
    // Across the change from daylight saving time: local midnights 91 days apart, not 90 × 24 h.
    [{ days: 91, to: '2026-11-30' }, 'America/Chicago', '2026-09-01T05:00:00.000Z', '2026-12-01T06:00:00.000Z'],
  ])('%j in %s is [%s, %s)', (query, tz, from, to) => {
    const resolved = resolvePeriod(query, tz, now);
    expect(resolved).toEqual({ period: { from: new Date(from), to: new Date(to), timezone: tz } });
  });

  it.each([
    [{ from: '2026-11-30', to: '2026-11-01' }, 'query.to'],
    [{ from: '2020-01-01', to: '2026-01-01' }, 'query.to'],
    [{ from: '1999-12-01', to: '2000-01-02' }, 'query.from'],
    [{ from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'query.to'],
    [{ from: '2026-01-01', days: 30 }, 'query.days'],
  ])('refuses %j (%s)', (query, path) => {
    const resolved = resolvePeriod(query, 'UTC', now);
    expect('issue' in resolved && resolved.issue.path).toBe(path);
  });

  it('compares with the period of the same length just before', () => {
    const resolved = resolvePeriod({ from: '2026-09-01', to: '2026-09-30' }, 'UTC', now);
    if (!('period' in resolved)) throw new Error('expected a period');
    expect(previousPeriod(resolved.period)).toEqual({ from: new Date('2026-08-02T00:00:00Z'), to: new Date('2026-09-01T00:00:00Z'), timezone: 'UTC' });
  });
});
