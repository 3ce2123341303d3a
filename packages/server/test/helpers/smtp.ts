import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message the test SMTP server accepted, parsed. */
export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The links of the plain-text part. */
  links: string[];
  parsed: ParsedMail;
}

/**
 * A real SMTP server on 127.0.0.1 (npm smtp-server), for tests: Pavise delivers to it through
 * PAVISE_SMTP_URL as it would to any mail server, and the test reads what arrived. `refuse`
 * makes it answer the next messages with an SMTP error (a temporary 451 by default).
 */
export interface TestSmtpServer {
  url: string;
  received: ReceivedMail[];
  /** The next message to `address` (one already received and not yet taken counts). */
  next(address: string, timeoutMs?: number): Promise<ReceivedMail>;
  refuse(count: number, code?: number): void;
  /** From now on, read messages but never answer them (a server that hangs mid-transaction). */
  hang(): void;
  /** Messages that arrived while hanging (never accepted). */
  readonly hung: number;
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters: { address: string; resolve: (mail: ReceivedMail) => void }[] = [];
  let refusals: { count: number; code: number } = { count: 0, code: 451 };
  let hanging = false;
  let hung = 0;

  const deliver = (mail: ReceivedMail) => {
    received.push(mail);
    const index = waiters.findIndex((waiter) => mail.to.includes(waiter.address));
    if (index >= 0) {
      taken.add(mail);
      waiters.splice(index, 1)[0]!.resolve(mail);
    }
  };

  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      if (hanging) {
        hung++;
        stream.resume();
        return;
      }
      if (refusals.count > 0) {
        refusals.count--;
        stream.resume();
        const error = Object.assign(new Error('Test server refuses this message'), { responseCode: refusals.code });
        stream.on('end', () => callback(error));
        return;
      }
      simpleParser(stream)
        .then((parsed) => {
          const text = parsed.text ?? '';
          deliver({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()),
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            text,
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
            links: [...new Set(text.match(/https?:\/\/[^\s<>"]+/g) ?? [])],
            parsed,
          });
          callback();
        })
        .catch(callback);
    },
  });
  // A client that goes away mid-session (a killed Pavise, in the crash test) resets its
  // connection: that is the client's doing, not a failure of this server.
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') throw error;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    next(address, timeoutMs = 10_000) {
      const wanted = address.toLowerCase();
      const waiting = received.find((mail) => !taken.has(mail) && mail.to.includes(wanted));
      if (waiting) {
        taken.add(waiting);
        return Promise.resolve(waiting);
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          address: wanted,
          resolve: (mail: ReceivedMail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        };
        // A wait that timed out must not take a later message from the next wait.
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no mail to ${address} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    refuse(count, code = 451) {
      refusals = { count, code };
    },
    hang() {
      hanging = true;
    },
    get hung() {
      return hung;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // A hanging session would hold close() open forever.
        for (const connection of (server as unknown as { connections: Set<{ close(): void }> }).connections ?? [])
          connection.close();
        server.close(() => resolve());
      }),
  };
}
