import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { open, seal } from '../crypto/aes-gcm.js';
import type { Queryable } from '../db/database.js';

/**
 * Single-use tickets (auth.tickets, migration 0011): what a magic link, a password reset, an
 * e-mail verification or an invitation carries. A ticket is `<kind>:<43 random characters>`, as
 * Nhost's are `<kind>:<uuid>`; only its SHA-256 digest is stored, and using it marks it used in
 * the same statement that finds it, so two clicks on one link cannot both succeed.
 *
 * `sealed` holds what only the ticket's holder may read (a magic link's e-mail address for a
 * subject who registers by clicking it): sealed under a key derived from the ticket itself,
 * so the database alone cannot open it.
 */
export type TicketKind = 'signinPasswordless' | 'subjectSignin' | 'passwordReset' | 'emailVerify' | 'invitation';

export interface TicketGrant {
  kind: TicketKind;
  userId?: string | null;
  controllerId?: string | null;
  subjectId?: string | null;
  redirectTo?: string | null;
  payload?: Record<string, unknown>;
  sealed?: string;
}

export interface RedeemedTicket {
  id: string;
  kind: TicketKind;
  userId: string | null;
  controllerId: string | null;
  subjectId: string | null;
  redirectTo: string | null;
  payload: Record<string, unknown>;
  /** The sealed text, opened with the ticket. */
  sealed: string | null;
}

const TICKET = /^([A-Za-z]+):([A-Za-z0-9_-]{43})$/;

const digest = (ticket: string) => createHash('sha256').update(ticket).digest('hex');
const sealKey = (ticket: string) =>
  Buffer.from(hkdfSync('sha256', Buffer.from(ticket), Buffer.alloc(0), 'pavise-auth:ticket-seal', 32));

/** The kind a ticket says it is, or undefined when it is not shaped like a ticket at all. */
export function ticketKind(ticket: string): string | undefined {
  return TICKET.exec(ticket)?.[1];
}

/** Stores a ticket live for `ttlSeconds` from `now` (epoch ms) and returns it: shown once, in a link. */
export async function issueTicket(db: Queryable, grant: TicketGrant, ttlSeconds: number, now: number): Promise<string> {
  const ticket = `${grant.kind}:${randomBytes(32).toString('base64url')}`;
  await db.query(
    `INSERT INTO auth.tickets (ticket_hash, kind, user_id, data_controller_id, data_subject_id, redirect_to, payload, sealed,
       created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, to_timestamp($9::float8 / 1000),
       to_timestamp($9::float8 / 1000) + make_interval(secs => $10))`,
    [
      digest(ticket),
      grant.kind,
      grant.userId ?? null,
      grant.controllerId ?? null,
      grant.subjectId ?? null,
      grant.redirectTo ?? null,
      JSON.stringify(grant.payload ?? {}),
      grant.sealed === undefined ? null : seal(sealKey(ticket), Buffer.from(grant.sealed, 'utf8'), grant.kind),
      now,
      ttlSeconds,
    ],
  );
  return ticket;
}

interface TicketRow {
  id: string;
  kind: TicketKind;
  user_id: string | null;
  data_controller_id: string | null;
  data_subject_id: string | null;
  redirect_to: string | null;
  payload: Record<string, unknown>;
  sealed: Buffer | null;
}
const TICKET_COLUMNS = 'id, kind, user_id, data_controller_id, data_subject_id, redirect_to, payload, sealed';
const LIVE = `ticket_hash = $1 AND kind = ANY ($2::text[]) AND used_at IS NULL AND expires_at > to_timestamp($3::float8 / 1000)`;

function redeemed(ticket: string, row: TicketRow | undefined): RedeemedTicket | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    kind: row.kind,
    userId: row.user_id,
    controllerId: row.data_controller_id,
    subjectId: row.data_subject_id,
    redirectTo: row.redirect_to,
    payload: row.payload,
    sealed: row.sealed ? open(sealKey(ticket), row.sealed, row.kind).toString('utf8') : null,
  };
}

/**
 * Uses the ticket if it is of one of `kinds`, unused and live at `now`; undefined otherwise
 * (unknown, forged, used, expired: the caller answers all alike).
 */
export async function redeemTicket(
  db: Queryable,
  ticket: string,
  kinds: readonly TicketKind[],
  now: number,
): Promise<RedeemedTicket | undefined> {
  if (!TICKET.test(ticket)) return undefined;
  const [row] = await db.query<TicketRow>(
    `UPDATE auth.tickets SET used_at = to_timestamp($3::float8 / 1000) WHERE ${LIVE} RETURNING ${TICKET_COLUMNS}`,
    [digest(ticket), kinds, now],
  );
  return redeemed(ticket, row);
}

/**
 * What a live ticket grants, without using it (a page that shows an invitation before it is
 * accepted); undefined as for redeemTicket.
 */
export async function peekTicket(
  db: Queryable,
  ticket: string,
  kinds: readonly TicketKind[],
  now: number,
): Promise<RedeemedTicket | undefined> {
  if (!TICKET.test(ticket)) return undefined;
  const [row] = await db.query<TicketRow>(`SELECT ${TICKET_COLUMNS} FROM auth.tickets WHERE ${LIVE}`, [
    digest(ticket),
    kinds,
    now,
  ]);
  return redeemed(ticket, row);
}

/** Makes the unused tickets matching `where` unusable (a resent invitation replaces the old link). */
export async function revokeTickets(
  db: Queryable,
  where: { kind: TicketKind; userId?: string; controllerId?: string; payload?: Record<string, unknown> },
  now: number,
): Promise<void> {
  await db.query(
    `UPDATE auth.tickets SET used_at = to_timestamp($5::float8 / 1000)
     WHERE kind = $1 AND used_at IS NULL
       AND ($2::uuid IS NULL OR user_id = $2) AND ($3::uuid IS NULL OR data_controller_id = $3)
       AND payload @> $4::jsonb`,
    [where.kind, where.userId ?? null, where.controllerId ?? null, JSON.stringify(where.payload ?? {}), now],
  );
}

/** Drops the tickets expired or used before `now` (housekeeping). */
export async function deleteSpentTickets(db: Queryable, now: number): Promise<void> {
  await db.query(
    'DELETE FROM auth.tickets WHERE expires_at < to_timestamp($1::float8 / 1000) OR used_at < to_timestamp($1::float8 / 1000)',
    [now],
  );
}
