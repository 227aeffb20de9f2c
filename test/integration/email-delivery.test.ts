import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBuiltinPlaybook } from '../../playbooks';
import { eventually } from '../support/eventually';
import { startStack, type Stack, type TenantClient } from '../support/stack';
import { MINUTE } from '../support/suite';

/** A number the tenant's SMS bridge refuses for good (its provider answers "landline"). */
const LANDLINE = '+15555550100';

/** One message as the SMTP server received it. */
interface Received {
  from: string;
  to: string[];
  raw: string;
}

/**
 * Email over SMTP, end to end: a real SMTP server (the `smtp-server` package) on loopback takes
 * what the tenant's lifecycle sends through nodemailer and refuses one address for good; the API,
 * worker and time-skipping Temporal server are the real ones.
 */
describe('email channel: SMTP delivery, unsubscribe link and bounces', () => {
  let smtp: SMTPServer;
  let smtpPort: number;
  const received: Received[] = [];
  let stack: Stack;
  let shop: TenantClient;
  // The tenant's SMS provider, behind the signed webhook: what it was asked to text.
  let texts: Server;
  const texted: Array<{ id: string; channel: string; recipient: string; body: string; kind: string }> = [];

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address === 'gone@example.com') {
          const refused = Object.assign(new Error('5.1.1 <gone@example.com>: mailbox unavailable'), { responseCode: 550 });
          return callback(refused);
        }
        callback();
      },
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
        stream.on('end', () => {
          received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    smtpPort = (smtp.server.address() as AddressInfo).port;

    texts = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      req.on('end', () => {
        const text = JSON.parse(raw) as (typeof texted)[number];
        texted.push(text);
        // The bridge's provider knows this number for a landline: it can never take a text.
        res.writeHead(text.channel === 'sms' && text.recipient === LANDLINE ? 422 : 204).end();
      });
    });
    await new Promise<void>((resolve) => texts.listen(0, '127.0.0.1', resolve));
    const textsUrl = `http://127.0.0.1:${(texts.address() as AddressInfo).port}/texts`;

    // Loopback addresses for the webhook are this test's, not a deployment's.
    stack = await startStack({ timeSkipping: true, api: { webhookTargets: 'any' }, activities: { webhookTargets: 'any' } });
    shop = await stack.tenant('Harbor Heating');
    const base = findBuiltinPlaybook('home-service')!.definition;
    const email = (text: string, purpose: 'transactional' | 'marketing') => ({ channel: 'email', purpose, text });
    const playbook = {
      ...base,
      id: 'email-first',
      name: 'Email first',
      quietHours: null,
      templates: {
        ...base.templates,
        'inquiry.acknowledgement': email('Hi {{name}}, thanks for writing to {{business}}!\n\nWe will call you back within the hour.', 'transactional'),
        'inquiry.follow_up': email('Hi {{name}}, {{business}} here: still need a hand?', 'marketing'),
      },
    };
    expect((await shop.request('POST', '/v1/playbooks', playbook)).status).toBe(201);
    // Texts first: the home-service templates, answered at any hour.
    expect((await shop.request('POST', '/v1/playbooks', { ...base, id: 'text-first', name: 'Text first', quietHours: null })).status).toBe(201);
    const settings = await shop.request('PUT', '/v1/messaging', { transport: 'smtp', smtp: { host: '127.0.0.1', port: smtpPort, from: 'Harbor Heating <office@harbor.example>' }, webhookUrl: textsUrl });
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({ transport: 'smtp', smtp: { host: '127.0.0.1', port: smtpPort, secure: false, passwordSet: false } });
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await new Promise<void>((resolve) => texts.close(() => resolve()));
  });

  const timeline = async (customerId: string) => (await shop.request('GET', `/v1/customers/${customerId}/timeline?limit=100`)).body.data as Array<{ type: string; summary: string }>;

  it('sends a real email with plain and HTML parts, and its unsubscribe link opts the customer out', async () => {
    expect((await shop.request('POST', '/v1/customers', { id: 'dana', name: 'Dana Reyes', email: 'dana@example.com', playbook: 'email-first', timezone: 'America/Chicago' })).status).toBe(201);
    expect((await shop.request('POST', '/v1/customers/dana/events', { type: 'inquiry.received', channel: 'email' })).status).toBe(202);

    const mail = await eventually(async () => received.find((r) => r.to.includes('dana@example.com')), { until: (m) => m !== undefined });
    expect(mail!.from).toBe('office@harbor.example');
    expect(mail!.raw).toMatch(/Content-Type: text\/plain/);
    expect(mail!.raw).toMatch(/Content-Type: text\/html/);
    expect(mail!.raw).toContain('Hi Dana Reyes, thanks for writing to');
    const link = /List-Unsubscribe: <([^>]+)>/.exec(mail!.raw.replace(/=\r?\n/g, '').replace(/\r?\n\s+/g, ' '))?.[1];
    expect(link).toMatch(/\/v1\/unsubscribe\?token=/);
    await eventually(() => timeline('dana'), { until: (t) => t.some((e) => e.type === 'message.delivered') });

    // The customer follows the link (twice, as people do): opted out of email once.
    const path = new URL(link!).pathname + new URL(link!).search;
    for (let i = 0; i < 2; i++) {
      const page = await fetch(`${stack.api.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('You are unsubscribed');
    }
    const optedOut = await eventually(() => timeline('dana'), { until: (t) => t.some((e) => e.type === 'contact.opted_out') });
    expect(optedOut.filter((e) => e.type === 'contact.opted_out')).toHaveLength(1);
    const forged = await fetch(`${stack.api.url}/v1/unsubscribe?token=${encodeURIComponent(path.split('token=')[1]!.replace(/.$/, 'x'))}`);
    expect(forged.status).toBe(404);

    // The follow-up is marketing: now suppressed, not sent.
    await stack.env.sleep(20 * MINUTE);
    const messages = await eventually(async () => (await shop.request('GET', '/v1/customers/dana/messages')).body.data as Array<{ kind: string; status: string }>, {
      until: (m) => m.some((x) => x.kind === 'inquiry.follow_up'),
    });
    expect(messages.find((m) => m.kind === 'inquiry.follow_up')!.status).toBe('suppressed');
    expect(received.filter((r) => r.to.includes('dana@example.com'))).toHaveLength(1);
  });

  it('records a hard bounce at once: the message fails, the timeline and the leakage ledger say so', async () => {
    expect((await shop.request('POST', '/v1/customers', { id: 'gus', name: 'Gus Fring', email: 'gone@example.com', playbook: 'email-first', timezone: 'America/Chicago' })).status).toBe(201);
    expect((await shop.request('POST', '/v1/customers/gus/events', { type: 'inquiry.received', channel: 'email' })).status).toBe(202);
    const bounced = await eventually(() => timeline('gus'), { until: (t) => t.some((e) => e.type === 'message.bounced') });
    expect(bounced.find((e) => e.type === 'message.bounced')!.summary).toContain('550');
    const [ack] = (await shop.request('GET', '/v1/customers/gus/messages')).body.data as Array<{ kind: string; status: string; statusReason: string; attempts: number }>;
    expect(ack).toMatchObject({ kind: 'inquiry.acknowledgement', status: 'failed', attempts: 1 });
    expect(ack!.statusReason).toMatch(/^bounced: 550/);
    const leaks = await eventually(async () => (await shop.request('GET', '/v1/metrics/leakage/entries?limit=100')).body.data as Array<{ kind: string; subject: { id: string } }>, {
      until: (rows) => rows.some((r) => r.kind === 'message_undeliverable'),
    });
    expect(leaks.filter((r) => r.kind === 'message_undeliverable').length).toBeGreaterThan(0);
    expect(received.some((r) => r.to.includes('gone@example.com'))).toBe(false);
  });

  it('a hard bounce falls back to a text where the customer has a number and has not opted out of texts', async () => {
    expect((await shop.request('POST', '/v1/customers', { id: 'hank', name: 'Hank Schrader', email: 'gone@example.com', phone: '+15555550123', playbook: 'email-first', timezone: 'America/Chicago' })).status).toBe(201);
    expect((await shop.request('POST', '/v1/customers/hank/events', { type: 'inquiry.received', channel: 'email' })).status).toBe(202);
    const text = await eventually(async () => texted.find((t) => t.recipient === '+15555550123' && t.kind === 'inquiry.acknowledgement'), { until: (t) => t !== undefined });
    expect(text).toMatchObject({ channel: 'sms', body: 'We will call you back within the hour.' });
    const story = await eventually(() => timeline('hank'), { until: (t) => t.some((e) => e.type === 'message.delivered') });
    expect(story.find((e) => e.type === 'message.bounced')!.summary).toContain('sent by SMS to +15555550123 instead');
    expect(story.find((e) => e.type === 'message.delivered')!.summary).toContain('(sms)');
    const sent = (await shop.request('GET', '/v1/customers/hank/messages')).body.data as Array<{ kind: string; channel: string; status: string }>;
    expect(sent.filter((m) => m.kind === 'inquiry.acknowledgement').map((m) => `${m.channel} ${m.status}`).sort()).toEqual(['email failed', 'sms delivered']);
    // It reached the customer after all: no undeliverable message in the ledger, and one text.
    const leaks = (await shop.request('GET', '/v1/metrics/leakage/entries?limit=100')).body.data as Array<{ kind: string; subject: { id: string } }>;
    expect(leaks.filter((r) => r.kind === 'message_undeliverable' && r.subject.id === 'hank')).toEqual([]);
    expect(texted.filter((t) => t.recipient === '+15555550123' && t.kind === 'inquiry.acknowledgement')).toHaveLength(1);

    // Opted out of texts: the bounce stays a bounce, in the ledger, and nothing is texted.
    expect((await shop.request('POST', '/v1/customers', { id: 'ivy', name: 'Ivy Tran', email: 'gone@example.com', phone: '+15555550188', playbook: 'email-first', timezone: 'America/Chicago' })).status).toBe(201);
    expect((await shop.request('POST', '/v1/customers/ivy/events', { type: 'contact.opted_out', channel: 'sms' })).status).toBe(202);
    await eventually(() => timeline('ivy'), { until: (t) => t.some((e) => e.type === 'contact.opted_out') });
    expect((await shop.request('POST', '/v1/customers/ivy/events', { type: 'inquiry.received', channel: 'email' })).status).toBe(202);
    await eventually(async () => (await shop.request('GET', '/v1/metrics/leakage/entries?limit=100')).body.data as Array<{ kind: string; subject: { id: string } }>, {
      until: (rows) => rows.some((r) => r.kind === 'message_undeliverable' && r.subject.id === 'ivy'),
    });
    expect(texted.filter((t) => t.recipient === '+15555550188')).toEqual([]);
  });

  it('takes a bounce reported after the email was accepted: the message fails, falls back to a text once, and says so', async () => {
    expect((await shop.request('POST', '/v1/customers', { id: 'jo', name: 'Jo March', email: 'jo@example.com', phone: '+15555550177', playbook: 'email-first', timezone: 'America/Chicago' })).status).toBe(201);
    expect((await shop.request('POST', '/v1/customers/jo/events', { type: 'inquiry.received', channel: 'email' })).status).toBe(202);
    const mail = await eventually(async () => received.find((r) => r.to.includes('jo@example.com')), { until: (m) => m !== undefined });
    await eventually(() => timeline('jo'), { until: (t) => t.some((e) => e.type === 'message.delivered') });
    // The bounce quotes the Message-ID the email went out with.
    const header = /^Message-ID:\s*(<[^>]+>)/im.exec(mail!.raw.replace(/\r?\n\s+/g, ' '))![1]!;
    const report = { bounces: [{ messageId: header, kind: 'hard', reason: '550 5.1.1 mailbox full for good' }] };
    const first = await shop.request('POST', '/v1/messaging/bounces', report);
    expect(first.status).toBe(200);
    expect(first.body.results[0].outcome).toBe('fell_back_to_sms');
    const text = await eventually(async () => texted.find((t) => t.recipient === '+15555550177'), { until: (t) => t !== undefined });
    expect(text).toMatchObject({ channel: 'sms', body: 'We will call you back within the hour.' });
    const story = await timeline('jo');
    expect(story.find((e) => e.type === 'message.bounced')!.summary).toContain('bounced after it was sent: 550 5.1.1 mailbox full for good; sent by SMS to +15555550177 instead');
    const sent = (await shop.request('GET', '/v1/customers/jo/messages')).body.data as Array<{ kind: string; channel: string; status: string }>;
    expect(sent.filter((m) => m.kind === 'inquiry.acknowledgement').map((m) => `${m.channel} ${m.status}`).sort()).toEqual(['email failed', 'sms delivered']);

    // Reported again (providers retry their webhooks): nothing more happens.
    expect((await shop.request('POST', '/v1/messaging/bounces', report)).body.results[0].outcome).toBe('already_bounced');
    expect(texted.filter((t) => t.recipient === '+15555550177')).toHaveLength(1);
    // A soft bounce is noted; a message of no one this tenant knows is unknown, and so is another tenant's.
    const dana = ((await shop.request('GET', '/v1/customers/dana/messages')).body.data as Array<{ id: string; channel: string; status: string }>).find((m) => m.channel === 'email' && m.status === 'delivered')!;
    const other = await stack.tenant('Someone Else');
    expect((await other.request('POST', '/v1/messaging/bounces', { bounces: [{ messageId: dana.id, kind: 'hard', reason: 'x' }] })).body.results[0].outcome).toBe('unknown');
    const mixed = await shop.request('POST', '/v1/messaging/bounces', { bounces: [{ messageId: dana.id, kind: 'soft', reason: '452 mailbox full' }, { messageId: 'no-such-message', kind: 'hard', reason: 'x' }] });
    expect(mixed.body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['noted', 'unknown']);
    expect((await timeline('dana')).some((e) => e.type === 'message.soft_bounced')).toBe(true);
  });

  it('a text the SMS bridge refuses for good (422) goes by email instead, once, where the customer has an address', async () => {
    expect((await shop.request('POST', '/v1/customers', { id: 'lena', name: 'Lena Park', phone: LANDLINE, email: 'lena@example.com', playbook: 'text-first', timezone: 'America/Chicago' })).status).toBe(201);
    expect((await shop.request('POST', '/v1/customers/lena/events', { type: 'inquiry.received', channel: 'web' })).status).toBe(202);
    const mail = await eventually(async () => received.find((r) => r.to.includes('lena@example.com')), { until: (m) => m !== undefined });
    const unfolded = mail!.raw.replace(/=\r?\n/g, '').replace(/\r?\n\s+/g, ' ');
    expect(unfolded).toMatch(/^Subject: Inquiry acknowledgement/im);
    expect(unfolded).toContain('Hi Lena Park, thanks for reaching out to our team!');
    const story = await eventually(() => timeline('lena'), { until: (t) => t.some((e) => e.type === 'message.delivered') });
    expect(story.find((e) => e.type === 'message.bounced')!.summary).toBe(
      `inquiry.acknowledgement to ${LANDLINE} bounced: the webhook answered 422: this number cannot take it; sent by email to lena@example.com instead`,
    );
    expect(story.find((e) => e.type === 'message.delivered')!.summary).toBe('inquiry.acknowledgement delivered to lena@example.com by email');
    const sent = (await shop.request('GET', '/v1/customers/lena/messages')).body.data as Array<{ id: string; kind: string; channel: string; status: string }>;
    const ack = sent.filter((m) => m.kind === 'inquiry.acknowledgement');
    expect(ack.map((m) => `${m.channel} ${m.status}`).sort()).toEqual(['email delivered', 'sms failed']);
    expect(ack.find((m) => m.channel === 'email')!.id).toBe(`${ack.find((m) => m.channel === 'sms')!.id}~email`);
    // Refused for good is asked once, not retried; the email reached the customer, so nothing leaked.
    expect(texted.filter((t) => t.recipient === LANDLINE && t.kind === 'inquiry.acknowledgement')).toHaveLength(1);
    expect(received.filter((r) => r.to.includes('lena@example.com'))).toHaveLength(1);
    const leaks = (await shop.request('GET', '/v1/metrics/leakage/entries?limit=100')).body.data as Array<{ kind: string; subject: { id: string } }>;
    expect(leaks.filter((r) => r.kind === 'message_undeliverable' && r.subject.id === 'lena')).toEqual([]);

    // No address to fall back to: the bounce is the end of it, a row in the ledger.
    expect((await shop.request('POST', '/v1/customers', { id: 'milo', name: 'Milo Grant', phone: LANDLINE, playbook: 'text-first', timezone: 'America/Chicago' })).status).toBe(201);
    expect((await shop.request('POST', '/v1/customers/milo/events', { type: 'inquiry.received', channel: 'web' })).status).toBe(202);
    await eventually(async () => (await shop.request('GET', '/v1/metrics/leakage/entries?limit=100')).body.data as Array<{ kind: string; subject: { id: string } }>, {
      until: (rows) => rows.some((r) => r.kind === 'message_undeliverable' && r.subject.id === 'milo'),
    });
    expect((await timeline('milo')).find((e) => e.type === 'message.bounced')!.summary).not.toContain('instead');
  });

  it('takes an SMS delivery receipt that says undelivered: the text fails and goes by email, once', async () => {
    expect((await shop.request('POST', '/v1/customers', { id: 'nora', name: 'Nora Quinn', phone: '+15555550144', email: 'nora@example.com', playbook: 'text-first', timezone: 'America/Chicago' })).status).toBe(201);
    expect((await shop.request('POST', '/v1/customers/nora/events', { type: 'inquiry.received', channel: 'web' })).status).toBe(202);
    await eventually(() => timeline('nora'), { until: (t) => t.some((e) => e.type === 'message.delivered') });
    const text = ((await shop.request('GET', '/v1/customers/nora/messages')).body.data as Array<{ id: string; kind: string; channel: string }>).find((m) => m.kind === 'inquiry.acknowledgement')!;
    expect(text.channel).toBe('sms');
    // A phone switched off is a soft bounce: noted, and the text stands.
    const soft = await shop.request('POST', '/v1/messaging/bounces', { bounces: [{ messageId: text.id, kind: 'soft', reason: 'handset off' }] });
    expect(soft.body.results).toEqual([{ messageId: text.id, outcome: 'noted' }]);
    expect((await timeline('nora')).find((e) => e.type === 'message.soft_bounced')!.summary).toBe('inquiry.acknowledgement to +15555550144 soft-bounced: handset off');
    expect(received.some((r) => r.to.includes('nora@example.com'))).toBe(false);
    const report = { bounces: [{ messageId: text.id, kind: 'hard', reason: 'carrier: 30003 unreachable destination handset' }] };
    const first = await shop.request('POST', '/v1/messaging/bounces', report);
    expect(first.body.results).toEqual([{ messageId: text.id, outcome: 'fell_back_to_email' }]);
    const mail = await eventually(async () => received.find((r) => r.to.includes('nora@example.com')), { until: (m) => m !== undefined });
    expect(mail!.raw.replace(/=\r?\n/g, '')).toContain('thanks for reaching out to our team!');
    const story = await timeline('nora');
    expect(story.find((e) => e.type === 'message.bounced')!.summary).toBe(
      'inquiry.acknowledgement to +15555550144 bounced after it was sent: carrier: 30003 unreachable destination handset; sent by email to nora@example.com instead',
    );
    const sent = (await shop.request('GET', '/v1/customers/nora/messages')).body.data as Array<{ kind: string; channel: string; status: string }>;
    expect(sent.filter((m) => m.kind === 'inquiry.acknowledgement').map((m) => `${m.channel} ${m.status}`).sort()).toEqual(['email delivered', 'sms failed']);
    // Reported again (providers retry their callbacks): nothing more.
    expect((await shop.request('POST', '/v1/messaging/bounces', report)).body.results[0].outcome).toBe('already_bounced');
    expect(received.filter((r) => r.to.includes('nora@example.com'))).toHaveLength(1);
  });
});
