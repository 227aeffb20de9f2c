/**
 * Polls until `probe` returns without throwing (and, if given, `until` holds), or fails with the
 * last error once the deadline passes. Tests wait for asynchronous effects this way, never by sleeping.
 */
export async function eventually<T>(probe: () => Promise<T> | T, options: { timeoutMs?: number; intervalMs?: number; until?: (value: T) => boolean } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (!options.until || options.until(value)) return value;
      lastError = new Error(`condition not met; last value: ${JSON.stringify(value)?.slice(0, 2000)}`);
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError;
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
