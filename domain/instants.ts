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
