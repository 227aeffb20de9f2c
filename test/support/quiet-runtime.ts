import { installQuietTemporalRuntime } from '../../scripts/runtime/temporal-runtime';

// Workers log every state change at INFO; tests only need to hear about trouble.
try {
  installQuietTemporalRuntime();
} catch {
  // Already installed in this process by an earlier test file.
}
