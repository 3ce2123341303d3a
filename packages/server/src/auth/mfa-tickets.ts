import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { AuthError } from './errors.js';
import { hashToken } from './tokens.js';

/**
 * The ticket between the two steps of a password sign-in with TOTP (docs/contracts.md §3.7):
 * `mfaTotp:` and 256 random bits, as Nhost shapes it, stored only as its SHA-256 digest. It lives
 * a few minutes on the server's clock, is used once, and MAX_FAILED_CODES wrong codes end it
 * (so a stolen password buys few guesses per ticket, on top of the sign-in rate limits).
 */
export const TICKET_LIFETIME_SECONDS = 300;
const MAX_FAILED_CODES = 5;
const PREFIX = 'mfaTotp:';

/** Issues a ticket for `userId` at `now` (epoch ms). */
export async function issueMfaTicket(db: Queryable, userId: string, now: number): Promise<string> {
  const ticket = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  await db.query(
    `INSERT INTO auth.mfa_tickets (ticket_hash, user_id, expires_at)
     VALUES ($1, $2, to_timestamp($3::float8 / 1000) + make_interval(secs => $4))`,
    [hashToken(ticket), userId, now, TICKET_LIFETIME_SECONDS],
  );
  return ticket;
}

/**
 * Inside the caller's transaction: the user of a live ticket, its row locked so that one
 * redemption at a time proceeds; invalid-ticket when it is unknown, used or expired at `now`.
 */
export async function lockMfaTicket(tx: Queryable, ticket: string, now: number): Promise<string> {
  const [row] = ticket.startsWith(PREFIX)
    ? await tx.query<{ user_id: string }>(
        `SELECT user_id FROM auth.mfa_tickets
         WHERE ticket_hash = $1 AND expires_at > to_timestamp($2::float8 / 1000) FOR UPDATE`,
        [hashToken(ticket), now],
      )
    : [];
  if (!row) throw new AuthError('invalid-ticket');
  return row.user_id;
}

/** The ticket has done its work: it cannot be used again. */
export async function spendMfaTicket(db: Queryable, ticket: string): Promise<void> {
  await db.query('DELETE FROM auth.mfa_tickets WHERE ticket_hash = $1', [hashToken(ticket)]);
}

/** Counts a wrong code against the ticket (locked by lockMfaTicket), ending it at the last one allowed. */
export async function failMfaTicket(tx: Queryable, ticket: string): Promise<void> {
  const [row] = await tx.query<{ failed_attempts: number }>(
    'UPDATE auth.mfa_tickets SET failed_attempts = failed_attempts + 1 WHERE ticket_hash = $1 RETURNING failed_attempts',
    [hashToken(ticket)],
  );
  if (row && row.failed_attempts >= MAX_FAILED_CODES) await spendMfaTicket(tx, ticket);
}

/** Ends every open ticket of the user (TOTP turned off, the password changed). */
export async function endMfaTickets(db: Queryable, userId: string): Promise<void> {
  await db.query('DELETE FROM auth.mfa_tickets WHERE user_id = $1', [userId]);
}

/** Drops the tickets expired at `now` (epoch ms). */
export async function deleteExpiredMfaTickets(db: Queryable, now: number): Promise<void> {
  await db.query('DELETE FROM auth.mfa_tickets WHERE expires_at < to_timestamp($1::float8 / 1000)', [now]);
}
