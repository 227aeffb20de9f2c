import { z } from 'zod';

/**
 * A number with at most `places` decimal places (quantities, percentages). zod's `multipleOf`
 * states the rule in the OpenAPI document, but it forgives floating-point error in proportion to
 * the value, so a non-zero value far below one step (1e-300) passes it. A non-zero multiple of the
 * step is at least the step, and the refinement says so.
 */
export function decimalNumber(places: number) {
  const step = Number(`1e-${places}`);
  const message = `may have at most ${places} decimal places`;
  return z
    .number()
    .multipleOf(step, message)
    .refine((v) => v === 0 || Math.abs(v) >= step, message);
}
