import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../api/observability/logger';
import { HttpMetrics } from '../../api/observability/metrics';
import { requestLog } from '../../api/observability/request-log';
import { temporalSdkMetricsFrom } from '../../api/observability/sdk-metrics';
import { eventually } from '../support/eventually';
import { valueOf } from '../support/prometheus';

// What Temporal Core's Prometheus exporter serves, abridged; plus one family Node's default
// metrics also report, which must not appear twice in the merged text.
const SDK_EXPOSITION = `# HELP temporal_request Count of client request successes by rpc name
# TYPE temporal_request counter
temporal_request{namespace="default",operation="PollWorkflowTaskQueue",service_name="temporal-core-sdk",task_queue="revloop"} 7
# HELP temporal_workflow_task_execution_latency Histogram of workflow task execution (not replay) latencies
# TYPE temporal_workflow_task_execution_latency histogram
temporal_workflow_task_execution_latency_bucket{namespace="default",le="1"} 0
temporal_workflow_task_execution_latency_bucket{namespace="default",le="+Inf"} 3
temporal_workflow_task_execution_latency_sum{namespace="default"} 42
temporal_workflow_task_execution_latency_count{namespace="default"} 3
# HELP process_cpu_user_seconds_total Total user CPU time spent in seconds.
# TYPE process_cpu_user_seconds_total counter
process_cpu_user_seconds_total 123456
`;

describe("the Temporal SDK's metrics in the API's /metrics", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** A real HTTP server standing in for Core's exporter; `answer` handles GET /metrics. */
  async function exporter(answer: (res: import('node:http').ServerResponse) => void): Promise<string> {
    const server = createServer((req, res) => (req.url === '/metrics' ? answer(res) : res.writeHead(404).end()));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const declarations = (text: string) => text.split('\n').filter((l) => /^# (HELP|TYPE) /.test(l));

  it("appends the SDK's families after the API's own, declaring no family twice", async () => {
    const address = await exporter((res) => res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(SDK_EXPOSITION));
    const text = await new HttpMetrics().exposition(temporalSdkMetricsFrom(address));

    expect(valueOf(text, 'temporal_request', { operation: 'PollWorkflowTaskQueue' })).toBe(7);
    expect(valueOf(text, 'temporal_workflow_task_execution_latency_count', {})).toBe(3);
    expect(text.indexOf('revloop_http_requests_total')).toBeLessThan(text.indexOf('temporal_request'));
    expect(declarations(text)).toEqual([...new Set(declarations(text))]);
    // The API's own process CPU time is kept; the SDK's copy of that family is left out, with a note.
    expect(valueOf(text, 'process_cpu_user_seconds_total', {})).not.toBe(123456);
    expect(text).toContain('# 1 metric families from the Temporal SDK left out');
  });

  it("serves the API's own metrics and a comment when the SDK's exporter answers with an error", async () => {
    const address = await exporter((res) => res.writeHead(500).end('boom'));
    const text = await new HttpMetrics().exposition(temporalSdkMetricsFrom(address));
    expect(text).toContain('# TYPE revloop_http_requests_total counter');
    expect(text).toMatch(/^# Temporal SDK metrics unavailable: .* answered 500$/m);
    expect(text).not.toContain('boom');
  });

  it('serves the API\'s own metrics and a comment when nothing listens on the port', async () => {
    const address = await exporter(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const text = await new HttpMetrics().exposition(temporalSdkMetricsFrom(address));
    expect(text).toContain('# TYPE revloop_http_requests_total counter');
    expect(text).toMatch(/^# Temporal SDK metrics unavailable: .*ECONNREFUSED$/m);
  });

  it('gives up on an exporter that never answers instead of holding the scrape', async () => {
    const address = await exporter(() => {
      // never answers
    });
    const text = await new HttpMetrics().exposition(temporalSdkMetricsFrom(address, 100));
    expect(text).toContain('# TYPE revloop_http_requests_total counter');
    expect(text).toMatch(/^# Temporal SDK metrics unavailable: .*timeout/m);
  });
});

describe('errors in the request log', () => {
  it("keeps a failed query's SQL and cause but never its bound parameters", () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const cause = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    const error = new DrizzleQueryError('select "tenant_id" from "api_keys" where "key_hash" = $1', ['hash-of-a-secret-key'], cause);
    logger.error({ requestId: 'r-1', err: error }, 'request finished');

    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('hash-of-a-secret-key');
    const line = JSON.parse(lines[0]!);
    expect(line.err).toMatchObject({ type: 'Error', message: expect.stringContaining('where "key_hash" = $1'), cause: { message: 'connection refused', code: 'ECONNREFUSED' } });
  });
});

describe('a request the client gives up on', () => {
  it('is logged and counted once, as 499 and aborted, under its route pattern', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const metrics = new HttpMetrics();
    let received!: () => void;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    const app = express();
    app.use(requestLog(createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) })));
    app.use(metrics.middleware());
    // Never answers, like a handler stuck on a slow dependency.
    app.get('/v1/slow/:id', () => received());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const client = new AbortController();
      const request = fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/slow/abc`, { signal: client.signal });
      await arrived;
      client.abort();
      await expect(request).rejects.toThrow();

      const line = await eventually(() => lines[0], { until: (l) => l !== undefined });
      expect(line).toMatchObject({ route: '/v1/slow/:id', path: '/v1/slow/abc', status: 499, aborted: true, msg: 'request aborted by the client' });
      const text = await metrics.exposition();
      expect(valueOf(text, 'revloop_http_requests_total', { route: '/v1/slow/:id', status: '499' })).toBe(1);
      expect(lines).toHaveLength(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
