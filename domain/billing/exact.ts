import { roundMinor } from '../money';

/**
 * Exact fractions for billing arithmetic, so that `roundMinor` is applied to the true value and
 * not to a float that has already drifted. Floats round the wrong way at exactly the half-cent the
 * rounding rule is about: 7 % off 2.50 USD is 232.5 cents, but `250 * (1 - 7 / 100)` is
 * 232.49999999999997 and would round to 232. A price × quantity × discount × days/days chain is
 * kept as a fraction of BigInts and rounded once, at the end.
 *
 * BigInt arithmetic is deterministic, so this is safe inside Temporal workflow code.
 */
export interface Exact {
  /** numerator; the value is n / d */
  readonly n: bigint;
  /** denominator, always > 0 */
  readonly d: bigint;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/;

/**
 * The number as a person wrote it: 0.1 is one tenth, not the binary float nearest to it. JavaScript
 * prints every finite number as the shortest decimal that reads back to the same float, so that
 * decimal is taken as the intended value (quantities like 1234.5678 and discounts like 12.34 %).
 */
export function exact(value: number): Exact {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const m = DECIMAL.exec(String(value));
  if (!m) throw new RangeError(`cannot read ${value} as a decimal`);
  const [, sign, whole, fraction = '', exponent = '0'] = m;
  const shift = Number(exponent) - fraction.length;
  let n = BigInt(whole! + fraction);
  let d = 1n;
  if (shift >= 0) n *= 10n ** BigInt(shift);
  else d = 10n ** BigInt(-shift);
  return reduced(sign === '-' ? -n : n, d);
}

/**
 * A decimal written as text, exactly: "0.06" (cents: $0.0006 a call) is six hundredths, at any
 * number of places. Text, because a price of 12 decimal places is beyond what a float carries.
 */
export function exactDecimal(text: string): Exact {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new RangeError(`not a decimal: ${text}`);
  const [, sign, whole, fraction = ''] = m;
  const n = BigInt(whole! + fraction);
  return reduced(sign === '-' ? -n : n, 10n ** BigInt(fraction.length));
}

/** The smallest integer at least `value`: the whole packages `value` packages' worth of units takes. */
export function ceiling(value: Exact): bigint {
  const q = value.n / value.d;
  return value.n > 0n && value.n % value.d !== 0n ? q + 1n : q;
}

/** n / d for integers n and d (d ≠ 0): a day-count ratio, say. */
export function ratio(n: number, d: number): Exact {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d) || d === 0) throw new RangeError(`not an integer ratio: ${n}/${d}`);
  return reduced(BigInt(n), BigInt(d));
}

export const ZERO: Exact = { n: 0n, d: 1n };
export const ONE: Exact = { n: 1n, d: 1n };

export function plus(a: Exact, b: Exact): Exact {
  return reduced(a.n * b.d + b.n * a.d, a.d * b.d);
}

export function minus(a: Exact, b: Exact): Exact {
  return reduced(a.n * b.d - b.n * a.d, a.d * b.d);
}

export function times(a: Exact, b: Exact): Exact {
  return reduced(a.n * b.n, a.d * b.d);
}

/** 1 / a, for a ≠ 0. */
export function reciprocal(a: Exact): Exact {
  return reduced(a.d, a.n);
}

export function compare(a: Exact, b: Exact): -1 | 0 | 1 {
  const left = a.n * b.d;
  const right = b.n * a.d;
  return left < right ? -1 : left > right ? 1 : 0;
}

export function min(a: Exact, b: Exact): Exact {
  return compare(a, b) <= 0 ? a : b;
}

export function max(a: Exact, b: Exact): Exact {
  return compare(a, b) >= 0 ? a : b;
}

export function sum(values: Iterable<Exact>): Exact {
  let total = ZERO;
  for (const v of values) total = plus(total, v);
  return total;
}

/**
 * `roundMinor` applied to an exact value, giving integer minor units. The whole part is exact; of
 * the fraction only its side of ½ matters, so roundMinor is handed ¼, ½ or ¾ in its place and its
 * half-away-from-zero rule decides. (Handing it the fraction as a float could turn 0.49999… into
 * 0.5 for large amounts, which is the error this module exists to avoid.)
 */
export function roundMinorExact(value: Exact): number {
  const negative = value.n < 0n;
  const magnitude = negative ? -value.n : value.n;
  const whole = magnitude / value.d;
  const twiceRemainder = 2n * (magnitude % value.d);
  const fractionSide = twiceRemainder === 0n ? 0 : twiceRemainder < value.d ? 0.25 : twiceRemainder === value.d ? 0.5 : 0.75;
  const rounded = Number(whole) + roundMinor(fractionSide);
  if (!Number.isSafeInteger(rounded)) throw new RangeError('amount is too large to count in minor units exactly');
  return negative && rounded !== 0 ? -rounded : rounded;
}

/** The nearest integer, half away from zero, as a BigInt: for rounding to places beyond what a safe integer holds. */
export function roundHalfAway(value: Exact): bigint {
  const negative = value.n < 0n;
  const magnitude = negative ? -value.n : value.n;
  const rounded = magnitude / value.d + (2n * (magnitude % value.d) >= value.d ? 1n : 0n);
  return negative ? -rounded : rounded;
}

/** Converts back to a float, for display only (descriptions); never for money. */
export function toNumber(value: Exact): number {
  return Number(value.n) / Number(value.d);
}

function reduced(n: bigint, d: bigint): Exact {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n < 0n ? -n : n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** "n/d": an exact value as text, to cross an activity boundary (JSON has no BigInt). */
export function exactText(value: Exact): string {
  return `${value.n}/${value.d}`;
}

/** The value `exactText` wrote. */
export function exactFromText(text: string): Exact {
  const m = /^(-?\d+)\/(\d+)$/.exec(text);
  if (!m) throw new RangeError(`not an exact value: ${text}`);
  return reduced(BigInt(m[1]!), BigInt(m[2]!));
}
