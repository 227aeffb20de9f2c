/**
 * A Ctrl-C reaches a process more than once: the terminal signals the whole process group, and
 * npm forwards the same signal to its child as well. Signals arriving within this window of the
 * first are copies of one request; one after it means "stop now".
 */
export const REPEATED_SIGNAL_WINDOW_MS = 2_000;

/** What a signal asks of a process that may already be shutting down. */
export function signalMeaning(stoppingSince: number | undefined, now: number): 'stop' | 'copy' | 'force' {
  if (stoppingSince === undefined) return 'stop';
  return now - stoppingSince < REPEATED_SIGNAL_WINDOW_MS ? 'copy' : 'force';
}

/**
 * Runs the given steps once, in order, on SIGINT or SIGTERM (or when asked), then exits. Another
 * signal while shutting down exits at once, unless it is a copy of the first (see above).
 */
export function onShutdown(steps: Array<() => Promise<void>>, log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)) {
  let stopping: Promise<void> | undefined;
  let stoppingSince: number | undefined;
  const stop = (reason: string, exitCode = 0) => {
    if (stopping) return stopping;
    stoppingSince = Date.now();
    log(`revloop: ${reason}, shutting down…`);
    stopping = (async () => {
      for (const step of steps) {
        try {
          await step();
        } catch (error) {
          log(`revloop: shutdown step failed: ${(error as Error).message}`);
          exitCode = exitCode || 1;
        }
      }
      log('revloop: stopped');
      process.exit(exitCode);
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      const meaning = signalMeaning(stoppingSince, Date.now());
      if (meaning === 'force') {
        log(`revloop: ${signal} again, exiting without finishing the shutdown`);
        process.exit(130);
      }
      if (meaning === 'stop') void stop(`${signal} received`);
    });
  }
  /** True once shutdown has begun: errors from parts stopping on their own are expected then. */
  return Object.assign(stop, { isStopping: () => stoppingSince !== undefined });
}
