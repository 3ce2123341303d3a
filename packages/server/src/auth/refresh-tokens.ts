import type { Queryable } from '../db/database.js';
import { deriveSuccessorToken, generateToken, hashToken } from './tokens.js';
import { type UserRow, userColumnsOf } from './users.js';

/**
 * Refresh-token families. A sign-in starts a family (its id is the session's refreshTokenId);
 * every refresh rotates the family's token. Presenting the token just replaced within the grace
 * window yields the same successor (two tabs refreshing at once both stay signed in); presenting
 * any replaced token later is reuse of a stolen token and revokes the whole family.
 */

/**
 * Whose session a family is: an account's, or a data subject's (signed in by magic link at one
 * controller), whose access tokens carry the session claims stored with the family.
 */
export type FamilyOwner =
  | { kind: 'user'; user: UserRow }
  | { kind: 'subject'; subjectId: string; claims: Record<string, string> };

type OwnerColumns = UserRow & { family_subject_id: string | null; family_claims: Record<string, string> | null };

const OWNER_COLUMNS = (family: string) =>
  `${family}.data_subject_id AS family_subject_id, ${family}.session_claims AS family_claims, ${userColumnsOf('u')}`;

function ownerOf(row: OwnerColumns): FamilyOwner {
  const { family_subject_id: subjectId, family_claims: claims, ...user } = row;
  return subjectId ? { kind: 'subject', subjectId, claims: claims ?? {} } : { kind: 'user', user: user as UserRow };
}

export type Rotation =
  | { outcome: 'rotated'; familyId: string; owner: FamilyOwner; token: string }
  | { outcome: 'invalid' }
  | { outcome: 'reused' };

/** Starts a family at `now` (epoch ms, the server's clock), its token live for `expiresIn` seconds. */
export async function startFamily(
  db: Queryable,
  userId: string,
  expiresIn: number,
  now: number,
): Promise<{ id: string; token: string }> {
  const token = generateToken('rt');
  const rows = await db.query<{ id: string }>(
    `INSERT INTO auth.refresh_tokens (user_id, token_hash, created_at, expires_at)
     VALUES ($1, $2, to_timestamp($4::float8 / 1000), to_timestamp($4::float8 / 1000) + make_interval(secs => $3)) RETURNING id`,
    [userId, hashToken(token), expiresIn, now],
  );
  return { id: rows[0]!.id, token };
}

/** Starts a data subject's family, whose access tokens carry `claims`. */
export async function startSubjectFamily(
  db: Queryable,
  subjectId: string,
  claims: Record<string, string>,
  expiresIn: number,
  now: number,
): Promise<{ id: string; token: string }> {
  const token = generateToken('rt');
  const rows = await db.query<{ id: string }>(
    `INSERT INTO auth.refresh_tokens (data_subject_id, session_claims, token_hash, created_at, expires_at)
     VALUES ($1, $2::jsonb, $3, to_timestamp($5::float8 / 1000), to_timestamp($5::float8 / 1000) + make_interval(secs => $4))
     RETURNING id`,
    [subjectId, JSON.stringify(claims), hashToken(token), expiresIn, now],
  );
  return { id: rows[0]!.id, token };
}

/** Rotates the family of `token` at `now` (epoch ms, the server's clock). */
export async function rotate(
  db: Queryable,
  token: string,
  settings: { expiresIn: number; graceSeconds: number; rotationKey: string },
  now: number,
): Promise<Rotation> {
  const presentedHash = hashToken(token);
  const successor = deriveSuccessorToken(token, settings.rotationKey);
  const rotated = await db.query<OwnerColumns & { family_id: string }>(
    `WITH rotated AS (
       UPDATE auth.refresh_tokens
       SET token_hash = $2, previous_token_hash = $1, rotated_at = to_timestamp($4::float8 / 1000),
           expires_at = to_timestamp($4::float8 / 1000) + make_interval(secs => $3)
       WHERE token_hash = $1 AND expires_at > to_timestamp($4::float8 / 1000)
       RETURNING id, user_id, data_subject_id, session_claims
     ), retired AS (
       INSERT INTO auth.retired_refresh_tokens (token_hash, family_id, retired_at)
       SELECT $1, id, to_timestamp($4::float8 / 1000) FROM rotated
     )
     SELECT rotated.id AS family_id, ${OWNER_COLUMNS('rotated')}
     FROM rotated LEFT JOIN auth.users u ON u.id = rotated.user_id`,
    [presentedHash, hashToken(successor), settings.expiresIn, now],
    { name: 'auth.refresh-rotate' },
  );
  if (rotated[0]) {
    const { family_id: familyId, ...owner } = rotated[0];
    return { outcome: 'rotated', familyId, owner: ownerOf(owner), token: successor };
  }

  // Not the current token of any family: was it one a family has already replaced?
  const retired = await db.query<OwnerColumns & { family_id: string; in_grace: boolean }>(
    `SELECT f.id AS family_id,
            (f.previous_token_hash = $1 AND f.rotated_at > to_timestamp($3::float8 / 1000) - make_interval(secs => $2)
             AND f.expires_at > to_timestamp($3::float8 / 1000)) AS in_grace,
            ${OWNER_COLUMNS('f')}
     FROM auth.retired_refresh_tokens r
     JOIN auth.refresh_tokens f ON f.id = r.family_id
     LEFT JOIN auth.users u ON u.id = f.user_id
     WHERE r.token_hash = $1`,
    [presentedHash, settings.graceSeconds, now],
  );
  const hit = retired[0];
  if (!hit) return { outcome: 'invalid' };
  if (hit.in_grace) {
    const { family_id: familyId, in_grace: _, ...owner } = hit;
    return { outcome: 'rotated', familyId, owner: ownerOf(owner), token: successor };
  }
  await db.query('DELETE FROM auth.refresh_tokens WHERE id = $1', [hit.family_id]);
  return { outcome: 'reused' };
}

/** Whose session a family continues, as far as a caller deciding before it is used needs to know. */
export type FamilyHolder = { kind: 'user' } | { kind: 'subject'; claims: Record<string, string> };

/**
 * The holder of the family `token` belongs to (as its current or a replaced token), read without
 * rotating or ending anything; undefined when it belongs to none. Whether the token would still
 * refresh is rotate()'s to say.
 */
export async function familyHolder(db: Queryable, token: string): Promise<FamilyHolder | undefined> {
  const [family] = await db.query<{ data_subject_id: string | null; session_claims: Record<string, string> | null }>(
    `SELECT data_subject_id, session_claims FROM auth.refresh_tokens WHERE id IN (
       SELECT id FROM auth.refresh_tokens WHERE token_hash = $1
       UNION SELECT family_id FROM auth.retired_refresh_tokens WHERE token_hash = $1)`,
    [hashToken(token)],
  );
  if (!family) return undefined;
  return family.data_subject_id ? { kind: 'subject', claims: family.session_claims ?? {} } : { kind: 'user' };
}

/** Ends the family the token belongs to (whether it is its current or a replaced token). */
export async function endFamily(db: Queryable, token: string): Promise<void> {
  const hash = hashToken(token);
  await db.query(
    `DELETE FROM auth.refresh_tokens WHERE id IN (
       SELECT id FROM auth.refresh_tokens WHERE token_hash = $1
       UNION SELECT family_id FROM auth.retired_refresh_tokens WHERE token_hash = $1)`,
    [hash],
  );
}

export async function endAllFamilies(db: Queryable, userId: string): Promise<void> {
  await db.query('DELETE FROM auth.refresh_tokens WHERE user_id = $1', [userId]);
}

/** Ends every family of the user but `keepId` (the caller's own session), when given. */
export async function endOtherFamilies(db: Queryable, userId: string, keepId: string | undefined): Promise<void> {
  await db.query('DELETE FROM auth.refresh_tokens WHERE user_id = $1 AND ($2::uuid IS NULL OR id <> $2::uuid)', [
    userId,
    keepId ?? null,
  ]);
}

/** Drops the families expired at `now` (epoch ms); their replaced tokens go with them. */
export async function deleteExpiredFamilies(db: Queryable, now: number): Promise<void> {
  await db.query('DELETE FROM auth.refresh_tokens WHERE expires_at < to_timestamp($1::float8 / 1000)', [now]);
}
