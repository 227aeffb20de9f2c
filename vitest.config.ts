import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-runtime.ts'],
    // Forks, not threads: Temporal's native bridge is not safe across worker threads.
    pool: 'forks',
    // A file per core (at most four): vitest's default left one of two cores idle, and most files
    // spend their time waiting on Temporal's timers and timeouts, not on the CPU.
    maxWorkers: Math.min(4, availableParallelism()),
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
