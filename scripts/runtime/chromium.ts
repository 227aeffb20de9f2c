import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The browser the dashboard's tests drive: Debian's Chromium (`apt-get install chromium`),
 * installed here when it is missing and this process may install packages (root, or sudo without
 * a password). playwright-core drives it; no browser is ever downloaded.
 */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** Headless, and kept from reaching for Google's services, which a closed network refuses. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const log = (m: string) => process.stderr.write(`chromium: ${m}\n`);

function canRun(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function ensureChromium(): string {
  const path = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
  if (existsSync(path)) return path;
  if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH=${path} does not exist`);
  if (!canRun('apt-get')) throw new Error(`No Chromium at ${path} and no apt-get to install it: install Chromium and set CHROMIUM_PATH.`);
  const asRoot = process.getuid?.() === 0 ? [] : canRun('sudo') ? ['sudo', '-n'] : null;
  if (!asRoot) throw new Error(`No Chromium at ${path}: install it with "apt-get install chromium" (as root), or set CHROMIUM_PATH.`);
  const apt = (...args: string[]) => {
    const [command, ...rest] = [...asRoot, 'apt-get', ...args];
    execFileSync(command!, rest, { stdio: ['ignore', process.stderr, process.stderr], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  log(`installing Debian's chromium (apt-get install chromium)`);
  try {
    apt('install', '-y', '--no-install-recommends', 'chromium');
  } catch {
    apt('update');
    apt('install', '-y', '--no-install-recommends', 'chromium');
  }
  if (!existsSync(path)) throw new Error(`apt-get installed chromium but ${path} is not there`);
  return path;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(ensureChromium());
}
