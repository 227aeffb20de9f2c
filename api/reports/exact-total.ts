import { Problem } from '../http/problem';

/**
 * A sum of minor units as PostgreSQL computed it (numeric, as text) or as BigInt: a JSON number
 * when it is exact as one, which every real business's report is. A sum beyond 2^53 minor units
 * is refused rather than rounded.
 */
export function exactTotal(value: string | bigint): number {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Problem(500, 'total-too-large', 'Total too large', 'A total in this report exceeds 2^53 minor units and cannot be given exactly; ask for a shorter period.');
  }
  return Number(big);
}
