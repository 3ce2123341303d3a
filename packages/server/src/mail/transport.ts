import type { Transporter } from 'nodemailer';

/** What the worker hands to SMTP: one rendered message with its fixed Message-ID. */
export interface Envelope {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/** Why a send failed, and whether trying again later can help. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface MailTransport {
  send(envelope: Envelope): Promise<void>;
  close(): void;
}

/**
 * SMTP through nodemailer (the mail library Node projects use; it handles MIME, encodings of
 * names and subjects, STARTTLS and authentication). `url` is PAVISE_SMTP_URL, e.g.
 * smtp://user:pass@mail.example.com:587 or smtps://…:465; nodemailer reads options from its
 * query string too (?pool=true).
 */
export async function smtpTransport(url: string): Promise<MailTransport> {
  const nodemailer = await import('nodemailer');
  const transporter: Transporter = nodemailer.createTransport(url);
  return {
    async send(envelope) {
      try {
        await transporter.sendMail({
          from: envelope.from,
          to: envelope.to,
          subject: envelope.subject,
          text: envelope.text,
          html: envelope.html,
          messageId: envelope.messageId,
        });
      } catch (error) {
        const { responseCode, code } = error as { responseCode?: number; code?: string };
        // 5xx: the server refused this message for good (bad address, policy); anything else
        // (4xx, a connection that failed or timed out) may work on a later attempt.
        const permanent = typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600;
        const reason = responseCode ? `SMTP ${responseCode}` : (code ?? 'connection failed');
        throw new DeliveryError(`${reason}: ${(error as Error).message}`.slice(0, 500), permanent);
      }
    },
    close() {
      transporter.close();
    },
  };
}
