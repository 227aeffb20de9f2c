import { z } from 'zod';

/**
 * Instants on the wire: UTC ISO-8601 with an offset. Revloop takes dates in the years 2000–2199
 * only: every date a lifecycle derives from them (a term end a decade on, a reminder, a renewal)
 * stays an ordinary four-digit-year instant that JavaScript and PostgreSQL both represent.
 */
export const EARLIEST_YEAR = 2000;
export const LATEST_YEAR = 2199;

export function inSupportedYears(iso: string): boolean {
  const year = new Date(iso).getUTCFullYear();
  return year >= EARLIEST_YEAR && year <= LATEST_YEAR;
}

const range = `must fall in the years ${EARLIEST_YEAR}–${LATEST_YEAR}`;

export const UtcTimestamp = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 timestamp, e.g. 2027-03-01T15:00:00Z' }).refine(inSupportedYears, range);

/** A calendar date (`2027-01-01`) or a UTC instant; dates start at 00:00 UTC. */
export const StartDate = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString())
  .refine(inSupportedYears, range);
