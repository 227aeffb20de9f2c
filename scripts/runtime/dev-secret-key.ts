import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The server key for `npm run dev` when REVLOOP_SECRET_KEY is unset: generated on the first run and
 * kept in .data/secret-key (gitignored, readable by its owner only), so what one run sealed in
 * .data/ the next one opens. Deleting the file makes sealed webhook secrets unreadable, as losing
 * a production key would.
 */
export function ensureDevSecretKey(file: string): string {
  if (existsSync(file)) {
    const remembered = readFileSync(file, 'utf8').trim();
    if (remembered.length >= 32) return remembered;
  }
  const key = randomBytes(48).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
