import type { Queryable } from '../db/database.js';
import { generateToken, hashToken, tokenHint } from './tokens.js';

export interface PersonalAccessTokenInfo {
  id: string;
  hint: string;
  metadata: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
}

interface PatRow {
  id: string;
  token_hint: string;
  metadata: Record<string, unknown>;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
}

/**
 * The rule that makes a PAT usable: the row with this digest, not revoked and not yet expired at
 * `now`. A SQL condition on `auth.personal_access_tokens` (columns qualified by `alias` when
 * given); `tokenHash` and `now` are SQL expressions from code, normally placeholders, `now` in
 * epoch milliseconds (the server's clock, architecture §6). Written only here: PAT sign-in
 * (`PAT_SIGN_IN_SQL`) and the callers other domains authenticate (`callers.ts`) both use it.
 */
export function livePatCondition({
  alias,
  tokenHash,
  now,
}: {
  alias?: string;
  tokenHash: string;
  now: string;
}): string {
  const column = (name: string) => (alias ? `${alias}.${name}` : name);
  return `${column('token_hash')} = ${tokenHash} AND ${column('revoked_at')} IS NULL AND ${column('expires_at')} > to_timestamp(${now}::float8 / 1000)`;
}

const iso = (value: Date | null) => (value === null ? null : new Date(value).toISOString());

/** Creates a PAT and returns its plaintext, which is never stored and never shown again. */
export async function createPersonalAccessToken(
  db: Queryable,
  userId: string,
  expiresAt: Date,
  metadata: Record<string, unknown>,
): Promise<{ id: string; personalAccessToken: string }> {
  const token = generateToken('pat');
  const rows = await db.query<{ id: string }>(
    `INSERT INTO auth.personal_access_tokens (user_id, token_hash, token_hint, metadata, expires_at)
     VALUES ($1, $2, $3, $4::jsonb, $5) RETURNING id`,
    [userId, hashToken(token), tokenHint(token), JSON.stringify(metadata), expiresAt],
  );
  return { id: rows[0]!.id, personalAccessToken: token };
}

/** The user's PATs that have not been revoked (expired ones included, so they can be cleaned up). */
export async function listPersonalAccessTokens(db: Queryable, userId: string): Promise<PersonalAccessTokenInfo[]> {
  const rows = await db.query<PatRow>(
    `SELECT id, token_hint, metadata, created_at, expires_at, last_used_at
     FROM auth.personal_access_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at, id`,
    [userId],
  );
  return rows.map((row) => ({
    id: row.id,
    hint: row.token_hint,
    metadata: row.metadata,
    createdAt: iso(row.created_at)!,
    expiresAt: iso(row.expires_at)!,
    lastUsedAt: iso(row.last_used_at),
  }));
}

/** Revokes one of the user's PATs; false when the user has no such active token. */
export async function revokePersonalAccessToken(db: Queryable, userId: string, id: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE auth.personal_access_tokens SET revoked_at = now()
     WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`,
    [id, userId],
  );
  return rows.length > 0;
}
