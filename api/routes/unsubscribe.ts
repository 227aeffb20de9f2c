import { createHash } from 'node:crypto';
import { z } from 'zod';
import { readUnsubscribeToken } from '../../activities/unsubscribe';
import { deliverCustomerEvent } from '../customers/service';
import { defineRoute } from '../http/route';

const UnsubscribeQuery = z.strictObject({ token: z.string().min(10).max(2000) });

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><meta name="viewport" content="width=device-width"></head><body style="font-family:sans-serif;max-width:32rem;margin:4rem auto;line-height:1.5"><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * The link in every email (activities/unsubscribe.ts): following it records `contact.opted_out`
 * for email on the customer it names, once however often it is followed (the event id is the
 * token's own), and the lifecycle sends no more email. No sign-in: the token is signed by the
 * server key and names exactly one customer of one tenant. POST serves mail clients' one-click
 * unsubscribe (RFC 8058).
 */
function unsubscribeRoute(method: 'get' | 'post') {
  return defineRoute({
    method,
    path: '/v1/unsubscribe',
    operationId: method === 'get' ? 'unsubscribe' : 'unsubscribeOneClick',
    summary: 'Follow an email’s unsubscribe link: the customer is opted out of email',
    tag: 'Messaging',
    access: { kind: 'public' },
    query: UnsubscribeQuery,
    responses: { 200: { description: 'An HTML page saying so' }, 404: { description: 'A link this server did not make' } },
    async handler({ query, deps }) {
      const ref = readUnsubscribeToken(deps.secrets, query.token);
      if (!ref || ref.subjectType !== 'customer') {
        return { status: 404, body: page('Link not recognised', 'This unsubscribe link was not made by this service. Reply to the email and we will take you off the list.'), contentType: 'text/html' };
      }
      const eventId = `unsubscribe-${createHash('sha256').update(query.token).digest('hex').slice(0, 24)}`;
      await deliverCustomerEvent(deps, ref.tenantId, ref.subjectId, { type: 'contact.opted_out', channel: 'email', eventId }, undefined);
      return { status: 200, body: page('You are unsubscribed', 'You will get no more emails from us. Appointment and invoice messages by text, if you receive them, are not affected.'), contentType: 'text/html' };
    },
  });
}

export const unsubscribeRoutes = [unsubscribeRoute('get'), unsubscribeRoute('post')];
