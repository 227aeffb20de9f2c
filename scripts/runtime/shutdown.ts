/**
 * Runs the given steps once, in order, on SIGINT or SIGTERM (or when asked), then exits. A second
 * signal while shutting down exits at once.
 */
export function onShutdown(steps: Array<() => Promise<void>>, log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)) {
  let stopping: Promise<void> | undefined;
  const stop = (reason: string, exitCode = 0) => {
    if (stopping) return stopping;
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
      if (stopping) process.exit(130);
      void stop(`${signal} received`);
    });
  }
  return stop;
}
