import { fileURLToPath } from 'node:url';

/** The checkout's root, wherever the process was started from. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export function fromRoot(relative: string): string {
  return fileURLToPath(new URL(relative, new URL('../../', import.meta.url)));
}
