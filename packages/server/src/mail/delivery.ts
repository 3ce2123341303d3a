import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Queryable } from '../db/database.js';
import { linksOf } from './outbox.js';
import { DeliveryError, type MailTransport } from './transport.js';

export interface DeliverySettings {
  from: { name: string; address: string };
  /** Attempts before a message is marked failed. */
  maxAttempts: number;
  /** How long a claimed message is left to its worker before another may take it over. */
  leaseSeconds: number;
  /** How often the worker looks for due messages when nobody nudges it. */
  pollMs: number;
  /** Whether the development outbox may print links (never in production). */
  logLinks: boolean;
}

interface Claimed {
  id: string;
  template: string;
  recipient: string;
  sender_name: string;
  subject: string;
  text_body: string;
  html_body: string;
  message_id: string;
  attempts: number;
}

const BATCH = 20;

/** Seconds before attempt n + 1 after n failed attempts: 30 s, 1 min, 2 min, … at most an hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(30 * 2 ** Math.max(0, attempts - 1), 3600);
}

/**
 * The mail worker: claims due messages from the outbox, sends them, and records the outcome.
 * Several workers (processes) may run on one database: a claim is a row lock taken with SKIP
 * LOCKED and a lease, so a message goes to one worker at a time, and a worker that died holding
 * one leaves it to the next after the lease. A message is marked sent as soon as the SMTP server
 * accepts it; only a crash in that instant can send it twice, and then with the same Message-ID.
 *
 * Without a transport (no PAVISE_SMTP_URL) messages are kept in the development outbox: marked
 * `kept`, their links logged at info outside production, so a person on a laptop can follow them.
 */
export class MailDelivery {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Queryable,
    private readonly transport: MailTransport | undefined,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: DeliverySettings,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Look for due messages now (after a transaction that wrote one has committed). */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.transport?.close();
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delay);
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    this.running = this.drain()
      .catch((error) => this.logger.warn({ err: error }, 'mail delivery failed; retrying later'))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const again = this.again;
        this.again = false;
        this.schedule(again ? 0 : this.settings.pollMs);
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = await this.claim();
      for (const message of batch) await this.deliver(message);
      if (batch.length < BATCH) return;
    }
  }

  private claim(): Promise<Claimed[]> {
    return this.db.query<Claimed>(
      `UPDATE mail.outbox o SET status = 'sending', attempts = o.attempts + 1,
         lease_until = to_timestamp($1::float8 / 1000) + make_interval(secs => $2)
       WHERE o.id IN (
         SELECT id FROM mail.outbox
         WHERE (status = 'pending' AND next_attempt_at <= to_timestamp($1::float8 / 1000))
            OR (status = 'sending' AND lease_until <= to_timestamp($1::float8 / 1000))
         ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING o.id, o.template, o.recipient, o.sender_name, o.subject, o.text_body, o.html_body, o.message_id, o.attempts`,
      [this.clock.now(), this.settings.leaseSeconds, BATCH],
    );
  }

  private async deliver(message: Claimed): Promise<void> {
    if (!this.transport) return this.keep(message);
    try {
      await this.transport.send({
        from: { name: message.sender_name, address: this.settings.from.address },
        to: message.recipient,
        subject: message.subject,
        text: message.text_body,
        html: message.html_body,
        messageId: message.message_id,
      });
    } catch (error) {
      return this.failed(message, error);
    }
    // Delivered: the bodies held single-use links, which the database need not keep.
    await this.db.query(
      `UPDATE mail.outbox SET status = 'sent', delivered_at = to_timestamp($2::float8 / 1000), lease_until = NULL,
         last_error = NULL, text_body = '', html_body = '' WHERE id = $1`,
      [message.id, this.clock.now()],
    );
    this.logger.info({ mailId: message.id, template: message.template }, 'mail sent');
  }

  private async failed(message: Claimed, error: unknown): Promise<void> {
    const permanent = error instanceof DeliveryError && error.permanent;
    const giveUp = permanent || message.attempts >= this.settings.maxAttempts;
    const reason = error instanceof Error ? error.message : String(error);
    await this.db.query(
      `UPDATE mail.outbox SET status = $2, lease_until = NULL, last_error = $3,
         next_attempt_at = to_timestamp($4::float8 / 1000) + make_interval(secs => $5) WHERE id = $1`,
      [message.id, giveUp ? 'failed' : 'pending', reason, this.clock.now(), retryDelaySeconds(message.attempts)],
    );
    const entry = { mailId: message.id, template: message.template, attempts: message.attempts, reason };
    if (giveUp) this.logger.error(entry, 'mail could not be delivered; giving up');
    else this.logger.warn(entry, 'mail delivery failed; it will be retried');
  }

  private async keep(message: Claimed): Promise<void> {
    await this.db.query(
      `UPDATE mail.outbox SET status = 'kept', lease_until = NULL, delivered_at = to_timestamp($2::float8 / 1000) WHERE id = $1`,
      [message.id, this.clock.now()],
    );
    const entry: Record<string, unknown> = { mailId: message.id, template: message.template };
    if (this.settings.logLinks) entry.links = linksOf(message.text_body);
    this.logger.info(entry, `mail kept in the development outbox (no PAVISE_SMTP_URL): pavise mail show ${message.id}`);
  }
}
