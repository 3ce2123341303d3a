import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import type { RenderedMail } from './message.js';

/**
 * The outbox (migration 0011): a message is written in the transaction of the change that causes
 * it, already rendered, and delivered later by the mail worker (delivery.ts). If the transaction
 * rolls back, the message was never written; if the process dies after the commit, the message
 * is still there for the next worker.
 */

export interface OutgoingMail extends RenderedMail {
  template: string;
  recipient: string;
  senderName: string;
  controllerId?: string | null;
}

/** Writes the message and returns its id. `domain` is the Message-ID's right-hand side. */
export async function enqueueMail(db: Queryable, mail: OutgoingMail, domain: string, now: number): Promise<string> {
  const [row] = await db.query<{ id: string }>(
    `INSERT INTO mail.outbox (template, data_controller_id, recipient, sender_name, subject, text_body, html_body,
       message_id, created_at, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9::float8 / 1000), to_timestamp($9::float8 / 1000))
     RETURNING id`,
    [
      mail.template,
      mail.controllerId ?? null,
      mail.recipient,
      mail.senderName,
      mail.subject,
      mail.text,
      mail.html,
      `<${randomUUID()}@${domain}>`,
      now,
    ],
  );
  return row!.id;
}

export interface OutboxEntry {
  id: string;
  createdAt: Date;
  template: string;
  recipient: string;
  subject: string;
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'kept';
  attempts: number;
  deliveredAt: Date | null;
  lastError: string | null;
}

export interface OutboxMessage extends OutboxEntry {
  senderName: string;
  messageId: string;
  text: string;
  html: string;
}

const ENTRY_COLUMNS = `id, created_at AS "createdAt", template, recipient, subject, status, attempts,
  delivered_at AS "deliveredAt", last_error AS "lastError"`;

/** The newest messages first, without their bodies. */
export function listOutbox(db: Queryable, limit: number): Promise<OutboxEntry[]> {
  return db.query<OutboxEntry>(`SELECT ${ENTRY_COLUMNS} FROM mail.outbox ORDER BY created_at DESC, id LIMIT $1`, [
    limit,
  ]);
}

/** One message with its bodies (empty once delivered by SMTP: they held credentials). */
export async function showOutboxMessage(db: Queryable, id: string): Promise<OutboxMessage | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const [row] = await db.query<OutboxMessage>(
    `SELECT ${ENTRY_COLUMNS}, sender_name AS "senderName", message_id AS "messageId", text_body AS text, html_body AS html
     FROM mail.outbox WHERE id = $1`,
    [id],
  );
  return row;
}

/** The links of a message's plain-text part: what the development outbox logs. */
export function linksOf(text: string): string[] {
  return [...new Set(text.match(/https?:\/\/[^\s<>"]+/g) ?? [])];
}

/** Drops messages finished (sent, failed, kept) more than `keepDays` before `now` (housekeeping). */
export async function purgeOutbox(db: Queryable, now: number, keepDays = 7): Promise<void> {
  await db.query(
    `DELETE FROM mail.outbox WHERE status IN ('sent', 'failed', 'kept')
       AND coalesce(delivered_at, created_at) < to_timestamp($1::float8 / 1000) - make_interval(days => $2)`,
    [now, keepDays],
  );
}
