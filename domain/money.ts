/**
 * Money is an integer amount of the currency's minor unit (cents for USD) and an ISO 4217 code.
 * Floats never carry money: every calculation that can produce a fraction goes through
 * `roundMinor`, the one rounding rule of the project.
 */
/**
 * The largest amount Revloop takes or computes, in minor units (100 billion of the major unit):
 * every total of up to a few hundred such amounts is still an exact integer in a double.
 */
export const MAX_AMOUNT = 10_000_000_000_000;

/** Validated at the edge by the `Money` schema in `values.ts`; this module stays free of zod for the workflow bundle. */
export interface Money {
  /** Integer minor units, at most MAX_AMOUNT either way. */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
}

/** Half away from zero, to the minor unit: the rounding every invoice, credit and schedule uses. */
export function roundMinor(value: number): number {
  const rounded = Math.sign(value) * Math.round(Math.abs(value));
  return rounded === 0 ? 0 : rounded;
}

export function money(amount: number, currency: string): Money {
  return { amount, currency };
}

export function zero(currency: string): Money {
  return { amount: 0, currency };
}

export function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new Error(`currency mismatch: ${a.currency} and ${b.currency}`);
  }
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: a.amount + b.amount, currency: a.currency };
}

/** Formats for people (messages, summaries); never parse this back. */
export function formatMoney(m: Money): string {
  const digits = minorDigits(m.currency);
  const major = Math.abs(m.amount) / 10 ** digits;
  const sign = m.amount < 0 ? '-' : '';
  return `${sign}${major.toFixed(digits)} ${m.currency}`;
}

// ISO 4217 currencies whose minor unit is not the cent.
const MINOR_DIGITS: Record<string, number> = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, BHD: 3, KWD: 3, OMR: 3, JOD: 3, TND: 3 };

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}
