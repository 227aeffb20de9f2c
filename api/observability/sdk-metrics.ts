/**
 * Reads the Prometheus text that the worker's Temporal Core exporter serves on `address`
 * (`host:port`), so that `npm run dev`, where worker and API share a process, shows the SDK's
 * metrics in the API's `/metrics`. The timeout is short because a scrape waits on it.
 */
export function temporalSdkMetricsFrom(address: string, timeoutMs = 1_000): () => Promise<string> {
  const url = `http://${address}/metrics`;
  return async () => {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      // fetch only says "fetch failed"; the reason (ECONNREFUSED, a timeout) is in its cause.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return response.text();
  };
}
