import type { Queryable } from '../db/database.js';
import { AuthError } from './errors.js';

export interface UserRow {
  id: string;
  created_at: Date;
  email: string;
  display_name: string;
  avatar_url: string;
  locale: string;
  password_hash: string | null;
  email_verified: boolean;
  disabled: boolean;
  default_role: string;
  roles: string[];
  metadata: Record<string, unknown>;
  /** 'totp' once a TOTP secret is confirmed (docs/contracts.md §3.9). */
  active_mfa_type: 'totp' | null;
}

/** The Nhost `User` object, keys in Nhost's order. */
export interface User {
  activeMfaType: 'totp' | null;
  avatarUrl: string;
  createdAt: string;
  defaultRole: string;
  displayName: string;
  email?: string;
  emailVerified: boolean;
  id: string;
  isAnonymous: false;
  locale: string;
  metadata: Record<string, unknown>;
  phoneNumberVerified: false;
  roles: string[];
}

export const USER_COLUMNS =
  'id, created_at, email, display_name, avatar_url, locale, password_hash, email_verified, disabled, default_role, roles, metadata, active_mfa_type';

/** USER_COLUMNS qualified with a table alias, for joins. */
export function userColumnsOf(alias: string): string {
  return USER_COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');
}

export const DEFAULT_ROLE = 'user';
export const DEFAULT_ALLOWED_ROLES = ['user', 'me'];

export function toUser(row: UserRow): User {
  return {
    activeMfaType: row.active_mfa_type,
    avatarUrl: row.avatar_url,
    createdAt: new Date(row.created_at).toISOString(),
    defaultRole: row.default_role,
    displayName: row.display_name,
    email: row.email,
    emailVerified: row.email_verified,
    id: row.id,
    isAnonymous: false,
    locale: row.locale,
    metadata: row.metadata,
    phoneNumberVerified: false,
    roles: row.roles,
  };
}

/**
 * The User object of a data subject's session: the subject has no account, no name and, here,
 * no address (only its keyed hash is stored), so Nhost's optional `email` is left out.
 */
export function subjectUser(subjectId: string): User {
  return {
    activeMfaType: null,
    avatarUrl: '',
    createdAt: new Date(0).toISOString(),
    defaultRole: 'dataSubject',
    displayName: '',
    emailVerified: true,
    id: subjectId,
    isAnonymous: false,
    locale: 'en',
    metadata: {},
    phoneNumberVerified: false,
    roles: ['dataSubject'],
  };
}

export interface NewUser {
  email: string;
  passwordHash: string | null;
  displayName?: string;
  locale?: string;
  metadata?: Record<string, unknown>;
  emailVerified?: boolean;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function insertUser(db: Queryable, user: NewUser): Promise<UserRow> {
  const rows = await db.query<UserRow>(
    `INSERT INTO auth.users (email, password_hash, display_name, locale, metadata, email_verified, default_role, roles)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
     ON CONFLICT (email) DO NOTHING
     RETURNING ${USER_COLUMNS}`,
    [
      normaliseEmail(user.email),
      user.passwordHash,
      user.displayName ?? '',
      user.locale ?? 'en',
      JSON.stringify(user.metadata ?? {}),
      user.emailVerified ?? false,
      DEFAULT_ROLE,
      DEFAULT_ALLOWED_ROLES,
    ],
  );
  if (!rows[0]) throw new AuthError('email-already-in-use');
  return rows[0];
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM auth.users WHERE email = $1`,
    [normaliseEmail(email)],
    {
      name: 'auth.user-by-email',
    },
  );
  return rows[0];
}

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM auth.users WHERE id = $1`, [id], {
    name: 'auth.user-by-id',
  });
  return rows[0];
}
