import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../api/observability/logger';
import { eventually } from '../support/eventually';
import { valueOf, samplesOf } from '../support/prometheus';
import { call, startStack, type Stack, type TenantClient } from '../support/stack';

describe('request logs and /metrics (dev server, worker, API, PostgreSQL)', () => {
  let stack: Stack;
  let acme: TenantClient;
  // What the API's pino logger writes, one parsed JSON line each.
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    const logger = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) });
    stack = await startStack({ logger });
    acme = await stack.tenant('Observed Heating');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const scrape = () => call(stack.api.url, null, 'GET', '/metrics');
  const requests = (text: string, route: string, status: number) =>
    valueOf(text, 'revloop_http_requests_total', { method: 'GET', route, status: String(status) });

  it('counts requests by route pattern and status, never by the ids in the path', async () => {
    expect((await acme.request('GET', '/v1/playbooks/hvac')).status).toBe(200);
    expect((await acme.request('GET', '/v1/playbooks/plumbing')).status).toBe(200);
    expect((await acme.request('GET', '/v1/no-such-thing/42')).status).toBe(404);
    expect((await acme.request('GET', `/v1/playbooks/${'x'.repeat(65)}`)).status).toBe(400);

    // A request is counted when its response has gone out, which may be just after the client has it.
    const metrics = await eventually(scrape, {
      until: (r) => requests(r.body, '/v1/playbooks/:id', 200) === 2 && requests(r.body, 'unmatched', 404) === 1 && requests(r.body, '/v1/playbooks/:id', 400) === 1,
    });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text: string = metrics.body;
    expect(valueOf(text, 'revloop_http_request_duration_seconds_count', { method: 'GET', route: '/v1/playbooks/:id', status: '200' })).toBe(2);
    expect(valueOf(text, 'revloop_http_requests_total', { method: 'POST', route: '/v1/tenants', status: '201' })).toBe(1);

    const routes = new Set(samplesOf(text).flatMap((s) => (s.name.startsWith('revloop_http_') ? [s.labels.route] : [])));
    expect([...routes].sort()).toEqual(['/v1/playbooks/:id', '/v1/tenants', 'unmatched']);
    // Node's process metrics come along, from the app's own registry.
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    // `npm run api` alone has no worker in its process, so no Temporal SDK metrics.
    expect(text).not.toContain('temporal_');
  });

  it("echoes the client's Request-Id and logs the request under it, with the route pattern and status", async () => {
    const requestId = `obs-${Date.now()}`;
    const answered = await acme.request('GET', '/v1/playbooks/hvac', undefined, { 'Request-Id': requestId });
    expect(answered.status).toBe(200);
    expect(answered.headers.get('request-id')).toBe(requestId);

    const line = await eventually(() => logLines.find((l) => l.requestId === requestId), { until: (l) => l !== undefined });
    expect(line).toMatchObject({
      level: 30,
      service: 'revloop-api',
      method: 'GET',
      route: '/v1/playbooks/:id',
      path: '/v1/playbooks/hvac',
      status: 200,
      tenantId: acme.tenantId,
      msg: 'request finished',
    });
    expect(line!.keyId).toEqual(expect.any(String));
    expect(line!.durationMs).toEqual(expect.any(Number));
    expect(logLines.filter((l) => l.requestId === requestId)).toHaveLength(1);

    const unmatched = await acme.request('GET', '/v1/no-such-thing/7');
    const unmatchedLine = await eventually(() => logLines.find((l) => l.requestId === unmatched.headers.get('request-id')), { until: (l) => l !== undefined });
    expect(unmatchedLine).toMatchObject({ route: 'unmatched', path: '/v1/no-such-thing/7', status: 404 });

    // Keys and the operator token travel in Authorization headers, which are never logged.
    const everything = JSON.stringify(logLines);
    expect(everything).not.toContain(acme.key);
    expect(everything.toLowerCase()).not.toContain('authorization');
  });
});
