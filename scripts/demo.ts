import { readFileSync } from 'node:fs';
import { hvacInSeconds } from './demo/hvac-in-seconds';
import { loadConfig } from './runtime/config';
import { join } from 'node:path';

/**
 * `npm run demo` (with `npm run dev` running): an HVAC customer's whole relationship in about a
 * minute, through the HTTP API, on a playbook whose timings are seconds. Prints what happened and
 * where to see it in the Temporal UI.
 */
const config = loadConfig();
const api = process.env.REVLOOP_API_URL ?? `http://localhost:${config.port}`;
const key = config.devApiKey ?? readFileSync(join(config.dataDir, 'dev-api-key'), 'utf8').trim();
const customerId = process.argv[2] ?? `demo-${Date.now().toString(36)}`;

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = await response.json().catch(() => undefined);
  if (response.status >= 400) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`);
  return json as any;
}
const event = (body: Record<string, unknown>) => call('POST', `/v1/customers/${customerId}/events`, body);
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
async function until(what: string, probe: () => Promise<boolean>, seconds = 30) {
  const deadline = Date.now() + seconds * 1000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`  ✓ ${what}`);
}
const sent = async (kind: string, count = 1) => (await call('GET', `/v1/customers/${customerId}/messages?limit=200`)).data.filter((m: { kind: string }) => m.kind === kind).length >= count;

await call('POST', '/v1/playbooks', hvacInSeconds);
const created = await call('POST', '/v1/customers', { id: customerId, name: 'Maria Lopez', phone: '+15125550123', email: 'maria@example.com', timezone: 'America/Chicago', playbook: hvacInSeconds.id });
console.log(`customer ${customerId}: ${created.links.temporalUi}`);

await event({ type: 'call.missed', from: '+15125550123' });
await until('missed call texted back', () => sent('missed_call.text_back'));
await event({ type: 'booking.requested', jobId: 'job-1', service: 'AC not cooling', scheduledAt: inSeconds(6) });
await until('confirmation and two reminders', () => sent('booking.reminder', 2));
await event({ type: 'job.started', jobId: 'job-1' });
await event({ type: 'job.completed', jobId: 'job-1', lineItems: [{ description: 'Capacitor', quantity: 1, unitPrice: { amount: 18500, currency: 'USD' } }] });
await until('invoice issued at once', () => sent('invoice.issued'));
await until('review request', () => sent('review.request'));
await until('collections reminder', () => sent('collections.reminder'));
await event({ type: 'payment.received', invoiceId: 'inv-job-1', amount: { amount: 18500, currency: 'USD' } });
await until('tune-up outreach', () => sent('retention.outreach'));
await event({ type: 'booking.requested', jobId: 'job-2', service: 'furnace check', scheduledAt: inSeconds(3) });
await event({ type: 'job.started', jobId: 'job-2' });
await event({ type: 'job.completed', jobId: 'job-2', lineItems: [{ description: 'Furnace check', quantity: 1, unitPrice: { amount: 8900, currency: 'USD' } }] });
await until('second invoice', async () => (await call('GET', `/v1/customers/${customerId}/invoices`)).data.length === 2);
await event({ type: 'payment.received', invoiceId: 'inv-job-2', amount: { amount: 8900, currency: 'USD' } });
await until('three reactivation messages after the quiet spell', () => sent('reactivation.outreach', 3));
await until('dormant', async () => (await call('GET', `/v1/customers/${customerId}`)).stage === 'dormant');

const timeline = (await call('GET', `/v1/customers/${customerId}/timeline?limit=200`)).data as Array<{ occurredAt: string; kind: string; summary: string }>;
console.log('\ntimeline:');
for (const e of timeline) console.log(`  ${e.occurredAt}  ${e.kind === 'event' ? '→' : ' '} ${e.summary}`);
console.log(`\nTemporal UI: ${created.links.temporalUi}`);
