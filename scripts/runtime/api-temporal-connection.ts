import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

/**
 * The API's connection to Temporal. Lazy, so the API starts (and /readyz says why it is not ready)
 * while Temporal is still coming up. Its retries are short: the SDK's default retries an
 * unreachable server for about 40 s, while an HTTP caller is better served by a 503 with
 * Retry-After in about a second. An UNAVAILABLE call never reached the server, so that 503 can
 * truthfully say nothing changed.
 */
export function apiTemporalConnection(address: string): Connection {
  return Connection.lazy({
    address,
    connectTimeout: 2_000,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 4, maxIntervalMs: () => 500 }))],
  });
}
