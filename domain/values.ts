import { z } from 'zod';
import { ISO_DURATION_PATTERN, MAX_DURATION_YEARS, withinMaxDuration } from './durations';
import { CLIENT_ID_PATTERN } from './ids';
import { EARLIEST_YEAR, inSupportedYears, LATEST_YEAR } from './instants';
import { isValidTimeZone, LOCAL_TIME_PATTERN } from './local-time';
import { MAX_AMOUNT, type Money as MoneyValue } from './money';

/**
 * The zod schemas of Revloop's value types (money, ids, durations, zones, instants), as the API,
 * the OpenAPI document and playbook validation use them. The rules live beside the values
 * (`money.ts`, `durations.ts`, …), which stay free of zod: workflow code imports those, and a
 * schema library is half a megabyte of every cached workflow's sandbox (a test keeps it out).
 */

export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code in upper case, e.g. USD');

export const Money = z.strictObject({
  amount: z.number().int('must be an integer number of minor units').min(-MAX_AMOUNT).max(MAX_AMOUNT),
  currency: Currency,
}) satisfies z.ZodType<MoneyValue>;
export type Money = MoneyValue;

/** A price: zero or more. Credits are events of their own, never negative prices. */
export const NonNegativeMoney = z.strictObject({
  amount: z.number().int('must be an integer number of minor units').min(0, 'must not be negative').max(MAX_AMOUNT),
  currency: Currency,
});

export const PositiveMoney = z.strictObject({
  amount: z.number().int('must be an integer number of minor units').min(1, 'must be greater than zero').max(MAX_AMOUNT),
  currency: Currency,
});

export const IsoDuration = z
  .string()
  .max(40)
  .regex(ISO_DURATION_PATTERN, 'must be an ISO-8601 duration such as PT15M, P3D or P12M')
  .refine(withinMaxDuration, `must be at most ${MAX_DURATION_YEARS} years`);

export const ClientId = z
  .string()
  .min(1)
  .max(64)
  .regex(CLIENT_ID_PATTERN, 'may contain only letters, digits, ".", "_" and "-", starting with a letter or digit');

export const TenantId = ClientId;

export const TimeZone = z.string().refine(isValidTimeZone, 'must be an IANA time zone such as America/Chicago');

export const LocalTime = z.string().regex(LOCAL_TIME_PATTERN, 'must be a 24-hour local time HH:MM');

const supportedYears = `must fall in the years ${EARLIEST_YEAR}–${LATEST_YEAR}`;

export const UtcTimestamp = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 timestamp, e.g. 2027-03-01T15:00:00Z' }).refine(inSupportedYears, supportedYears);

/** A calendar date (`2027-01-01`) or a UTC instant; dates start at 00:00 UTC. */
export const StartDate = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString())
  .refine(inSupportedYears, supportedYears);
