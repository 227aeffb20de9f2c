import { randomBytes } from 'node:crypto';

/**
 * Ids the server chooses when the client did not (`cus_…`, `evt_…`, `ten_…`, `key_…`, `whk_…`). Base64url
 * keeps them valid client ids, so they can stand inside workflow ids such as `customer:{tenant}:{id}`.
 */
export function newId(prefix: 'cus' | 'evt' | 'ten' | 'key' | 'whk' | 'qte' | 'dec'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** A 256-bit secret shown once: API keys (`rvl_…`) and webhook signing secrets (`whsec_…`). */
export function newSecret(prefix: 'rvl' | 'whsec'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * The id a request would have chosen at random, derived instead from its Idempotency-Key seed, so a
 * request that runs again after a crash names the same customer or event (see api/http/idempotency.ts).
 */
export function idFor(prefix: 'cus' | 'evt' | 'qte' | 'dec', seed: string | undefined): string {
  return seed ? `${prefix}_${seed}` : newId(prefix);
}
