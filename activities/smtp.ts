import nodemailer from 'nodemailer';

/**
 * Email over the tenant's own SMTP server (nodemailer). The outcome is what the server said:
 * accepted; refused for good (a 5xx answer, the recipient or the message: a hard bounce, not
 * worth retrying); or refused for now (4xx, a dropped connection: retried with backoff).
 */
export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /** `Harbor Heating <office@harbor.example>`. */
  from: string;
  username?: string;
}

export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `List-Unsubscribe` and `Message-ID` headers. */
  unsubscribeUrl: string;
  messageId: string;
}

export type SmtpOutcome = { kind: 'accepted'; response: string } | { kind: 'bounced'; reason: string } | { kind: 'deferred'; reason: string };

export async function sendEmail(settings: SmtpSettings, password: string | undefined, email: Email): Promise<SmtpOutcome> {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    ...(settings.username ? { auth: { user: settings.username, pass: password ?? '' } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  try {
    const info = await transport.sendMail({
      from: settings.from,
      to: email.to,
      subject: email.subject,
      text: email.text,
      html: email.html,
      messageId: email.messageId,
      headers: { 'List-Unsubscribe': `<${email.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    });
    // Every recipient refused is a bounce even though the server took the connection.
    if (info.rejected.length > 0 && info.accepted.length === 0) return { kind: 'bounced', reason: `refused ${info.rejected.join(', ')}: ${info.response}` };
    return { kind: 'accepted', response: info.response };
  } catch (error) {
    const e = error as { responseCode?: number; response?: string; message: string };
    if (e.responseCode && e.responseCode >= 500) return { kind: 'bounced', reason: `${e.responseCode} ${e.response ?? e.message}`.slice(0, 300) };
    return { kind: 'deferred', reason: (e.response ?? e.message).slice(0, 300) };
  } finally {
    transport.close();
  }
}

/** The HTML part: the template's text, escaped, in paragraphs, with the unsubscribe link. */
export function htmlBody(text: string, unsubscribeUrl: string): string {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const paragraphs = text
    .split(/\n{2,}/)
    .map((p) => `<p>${escape(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
  return `<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">\n${paragraphs}\n<p style="color:#777;font-size:12px"><a href="${escape(unsubscribeUrl)}">Unsubscribe from these emails</a></p>\n</body></html>`;
}
