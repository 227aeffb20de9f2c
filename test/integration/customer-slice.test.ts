import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerWorkflowId } from '../../domain/ids';
import { RevloopStage, RevloopTenant } from '../../workflows/search-attributes';
import { zoneInDaytime } from '../support/daytime';
import { eventually } from '../support/eventually';
import { ADMIN_TOKEN, call, startStack, type Stack, type TenantClient } from '../support/stack';

describe('the customer slice over HTTP (dev server, worker, API, PostgreSQL)', () => {
  let stack: Stack;
  let acme: TenantClient;

  beforeAll(async () => {
    stack = await startStack();
    acme = await stack.tenant('Acme Heating');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const signalCount = async (tenantId: string, customerId: string) => {
    const history = await stack.env.client.workflow.getHandle(customerWorkflowId(tenantId, customerId)).fetchHistory();
    return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
  };

  it('creates a customer, takes an inquiry and answers the live stage from the workflow', async () => {
    const created = await acme.request('POST', '/v1/customers', { id: 'jane', name: 'Jane Doe', phone: '+15551230000', playbook: 'hvac', timezone: zoneInDaytime() });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'jane', stage: 'inquiry', playbook: { id: 'hvac', version: 1 } });
    expect(created.body.links.temporalUi).toContain(encodeURIComponent(`customer:${acme.tenantId}:jane`));

    const again = await acme.request('POST', '/v1/customers', { id: 'jane', name: 'Someone Else', playbook: 'hvac' });
    expect(again.status).toBe(200);
    expect(again.body.name).toBe('Jane Doe');

    const accepted = await acme.request('POST', '/v1/customers/jane/events', { type: 'inquiry.received', channel: 'web', eventId: 'web-form-1', message: 'No heat' });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ eventId: 'web-form-1', type: 'inquiry.received', duplicate: false, status: 'accepted' });

    const state = await eventually(() => acme.request('GET', '/v1/customers/jane'), { until: (r) => r.body.eventsApplied === 1 });
    expect(state.body.stage).toBe('inquiry');
    expect(state.body.nextActions.map((a: { summary: string }) => a.summary)).toEqual([
      'inquiry follow-up 1/3',
      'inquiry follow-up 2/3',
      'inquiry follow-up 3/3',
      'unbooked inquiry becomes lost',
      'reactivation after P18M without activity',
    ]);

    const timeline = await eventually(() => acme.request('GET', '/v1/customers/jane/timeline'), {
      until: (r) => r.body.data.some((e: { type: string }) => e.type === 'message.sent' || e.type === 'message.suppressed'),
    });
    expect(timeline.body.data.map((e: { type: string }) => e.type).slice(0, 2)).toEqual(['customer.created', 'inquiry.received']);

    // Paging one entry at a time walks the same timeline, in the same order.
    const paged: string[] = [];
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page = await acme.request('GET', `/v1/customers/jane/timeline?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.body.data.map((e: { id: string }) => e.id));
      cursor = page.body.next;
    }
    const all = (await acme.request('GET', '/v1/customers/jane/timeline')).body.data.map((e: { id: string }) => e.id);
    expect(paged).toEqual(all);
    expect((await acme.request('GET', '/v1/customers/jane/timeline?cursor=not-a-cursor')).status).toBe(400);

    const list = await acme.request('GET', '/v1/customers?stage=inquiry');
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual(['jane']);
  });

  it('counts customers per stage from PostgreSQL, every stage named, the tenant’s own only', async () => {
    const globex = await stack.tenant('Globex Cooling');
    await globex.request('POST', '/v1/customers', { id: 'hank', name: 'Hank Scorpio', playbook: 'hvac', timezone: zoneInDaytime() });
    await acme.request('POST', '/v1/customers', { id: 'jane', name: 'Jane Doe', playbook: 'hvac', timezone: zoneInDaytime() });
    const counts = await eventually(() => acme.request('GET', '/v1/customers/stages'), { until: (r) => r.body.total >= 1 });
    expect(counts.status).toBe(200);
    expect(Object.keys(counts.body.stages)).toContain('collections');
    expect(counts.body.stages.collections).toBe(0);
    // Jane (and only Acme's customers): Globex's Hank is not counted.
    const listed = (await acme.request('GET', '/v1/customers?limit=100')).body.data as Array<{ stage: string }>;
    expect(counts.body.total).toBe(listed.length);
    expect(counts.body.stages.inquiry).toBe(listed.filter((c) => c.stage === 'inquiry').length);
    const theirs = await eventually(() => globex.request('GET', '/v1/customers/stages'), { until: (r) => r.body.total === 1 });
    expect(theirs.body.stages.inquiry).toBe(1);
  });

  it('gives a customer who names no time zone the business’s zone, else the playbook’s default', async () => {
    const phoenix = await stack.tenant('Desert Cooling', { timezone: 'America/Phoenix' });
    expect((await phoenix.request('POST', '/v1/customers', { id: 'pat', name: 'Pat', playbook: 'hvac' })).status).toBe(201);
    expect((await phoenix.request('POST', '/v1/customers', { id: 'kim', name: 'Kim', playbook: 'hvac', timezone: 'America/Denver' })).status).toBe(201);
    expect((await acme.request('POST', '/v1/customers', { id: 'lee', name: 'Lee', playbook: 'hvac' })).status).toBe(201);
    const zoneOf = async (tenant: TenantClient, id: string) => (await tenant.request('GET', '/v1/customers')).body.data.find((c: { id: string }) => c.id === id)?.timezone;
    expect(await eventually(() => zoneOf(phoenix, 'pat'), { until: Boolean })).toBe('America/Phoenix');
    expect(await eventually(() => zoneOf(phoenix, 'kim'), { until: Boolean })).toBe('America/Denver');
    expect(await eventually(() => zoneOf(acme, 'lee'), { until: Boolean })).toBe('America/New_York');

    const badZone = await call(stack.api.url, ADMIN_TOKEN, 'POST', '/v1/tenants', { name: 'Nowhere', timezone: 'Mars/Olympus' });
    expect(badZone.status).toBe(400);
    expect(badZone.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.timezone']);
  });

  it('shows the customer in the Temporal UI with its tenant, stage and summary', async () => {
    await acme.request('POST', '/v1/customers', { id: 'ui-visible', name: 'Omar Haddad', playbook: 'plumbing' });
    const handle = stack.env.client.workflow.getHandle(customerWorkflowId(acme.tenantId, 'ui-visible'));
    const description = await eventually(() => handle.describe(), { until: (d) => d.typedSearchAttributes.get(RevloopStage) === 'inquiry' });
    expect(description.typedSearchAttributes.get(RevloopTenant)).toBe(acme.tenantId);
    expect(await description.staticSummary()).toBe('Customer Omar Haddad (ui-visible) · Plumbing playbook');
    const listed = await eventually(
      async () => {
        const found: string[] = [];
        for await (const w of stack.env.client.workflow.list({ query: `RevloopTenant = "${acme.tenantId}" AND RevloopStage = "inquiry"` })) found.push(w.workflowId);
        return found;
      },
      { until: (found) => found.includes(customerWorkflowId(acme.tenantId, 'ui-visible')) },
    );
    expect(listed).toContain(customerWorkflowId(acme.tenantId, 'ui-visible'));
  });

  it('rejects a malformed event with every issue listed, and signals and writes nothing', async () => {
    await acme.request('POST', '/v1/customers', { id: 'strict', name: 'Lee Park', playbook: 'electrical' });
    await eventually(() => acme.request('GET', '/v1/customers/strict/timeline'), { until: (r) => r.status === 200 && r.body.data.length >= 1 });
    const signalsBefore = await signalCount(acme.tenantId, 'strict');
    const timelineBefore = (await acme.request('GET', '/v1/customers/strict/timeline')).body.data.length;

    const rejected = await acme.request('POST', '/v1/customers/strict/events', {
      type: 'job.completed',
      jobId: 'has spaces',
      lineItems: [{ description: '', quantity: -1, unitPrice: { amount: 12.5, currency: 'usd' } }],
      surprise: true,
    });
    expect(rejected.status).toBe(400);
    expect(rejected.headers.get('content-type')).toContain('application/problem+json');
    expect(rejected.body).toMatchObject({ status: 400, title: 'Invalid request' });
    const paths = rejected.body.errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(
      expect.arrayContaining([
        'body.jobId',
        'body.lineItems.0.description',
        'body.lineItems.0.quantity',
        'body.lineItems.0.unitPrice.amount',
        'body.lineItems.0.unitPrice.currency',
      ]),
    );

    expect(await signalCount(acme.tenantId, 'strict')).toBe(signalsBefore);
    expect((await acme.request('GET', '/v1/customers/strict/timeline')).body.data.length).toBe(timelineBefore);
  });

  it('answers problem details for bad JSON, unknown customers, missing keys and other tenants', async () => {
    const badJson = await acme.request('POST', '/v1/customers/jane/events', '{"type": "inquiry.received",', { 'Content-Type': 'application/json' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.title).toBe('Malformed JSON');

    const unknown = await acme.request('POST', '/v1/customers/nobody/events', { type: 'inquiry.received', channel: 'sms' });
    expect(unknown.status).toBe(404);

    const anonymous = await call(stack.api.url, null, 'GET', '/v1/customers/jane');
    expect(anonymous.status).toBe(401);

    const globex = await stack.tenant('Globex Plumbing');
    const foreign = await globex.request('GET', '/v1/customers/jane');
    expect(foreign.status).toBe(404);
    const foreignEvent = await globex.request('POST', '/v1/customers/jane/events', { type: 'inquiry.received', channel: 'sms' });
    expect(foreignEvent.status).toBe(404);
  });

  it('answers health and readiness', async () => {
    expect((await call(stack.api.url, null, 'GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await call(stack.api.url, null, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ postgres: 'ok', temporal: 'ok' });
  });
});
