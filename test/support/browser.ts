import { chromium, type Browser, type Page } from 'playwright-core';
import { inject } from 'vitest';

/**
 * Debian's Chromium (found or installed by the global setup) driven by playwright-core. The flags
 * keep it from reaching for Google's services, which a closed network refuses.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: inject('chromium'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Everything the page said went wrong: console errors and uncaught exceptions. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}
