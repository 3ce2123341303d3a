import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import type { Config } from '../config/config.js';
import { isEmail } from '../config/config.js';
import type { Database } from '../db/database.js';
import { getOrCreateSetting } from '../db/settings.js';
import { AuthError } from './errors.js';
import { JwtKeys, type VerifiedToken } from './jwt.js';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js';
import {
  createPersonalAccessToken,
  listPersonalAccessTokens,
  livePatCondition,
  type PersonalAccessTokenInfo,
  revokePersonalAccessToken,
} from './personal-access-tokens.js';
import { deleteExpiredFamilies, endAllFamilies, endFamily, rotate, startFamily } from './refresh-tokens.js';
import { generateToken, hashToken, isWellFormedToken } from './tokens.js';
import { findUserByEmail, findUserById, insertUser, toUser, type User, type UserRow, userColumnsOf } from './users.js';

/** Nhost's Session object. */
export interface Session {
  accessToken: string;
  accessTokenExpiresIn: number;
  refreshToken: string;
  refreshTokenId: string;
  user: User;
}

export interface SignUpInput {
  email: string;
  password: string;
  displayName?: string;
  locale?: string;
  metadata?: Record<string, unknown>;
}

/**
 * PAT sign-in in one statement: find the PAT live at $4 (epoch ms, the server's clock) and note
 * its use, note the user's visit, and start a refresh-token family unless the account is
 * disabled. Exported for the benchmark's baseline, which must run exactly what a sign-in runs.
 */
export const PAT_SIGN_IN_SQL = `WITH pat AS (
  UPDATE auth.personal_access_tokens SET last_used_at = to_timestamp($4::float8 / 1000)
  WHERE ${livePatCondition({ tokenHash: '$1', now: '$4' })}
  RETURNING user_id
), usr AS (
  UPDATE auth.users u SET last_seen = to_timestamp($4::float8 / 1000) FROM pat WHERE u.id = pat.user_id
  RETURNING ${userColumnsOf('u')}
), family AS (
  INSERT INTO auth.refresh_tokens (user_id, token_hash, created_at, expires_at)
  SELECT id, $2, to_timestamp($4::float8 / 1000), to_timestamp($4::float8 / 1000) + make_interval(secs => $3)
  FROM usr WHERE NOT disabled
  RETURNING id
)
SELECT usr.*, family.id AS refresh_token_id FROM usr LEFT JOIN family ON true`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Users, passwords, personal access tokens, refresh tokens and access tokens. Knows nothing of
 * HTTP: the routes in http/ and the commands in cli/ both call it. Every lifetime and expiry is
 * counted on the clock it is given.
 */
export class AuthService {
  private constructor(
    private readonly db: Database,
    readonly keys: JwtKeys,
    private readonly rotationKey: string,
    private readonly settings: Pick<
      Config,
      'accessTokenExpiresIn' | 'refreshTokenExpiresIn' | 'refreshGraceSeconds' | 'signup'
    >,
    private readonly clock: Clock,
  ) {}

  static async create(
    db: Database,
    config: Pick<
      Config,
      'jwtSecret' | 'accessTokenExpiresIn' | 'refreshTokenExpiresIn' | 'refreshGraceSeconds' | 'signup' | 'cacheBudgets'
    >,
    clock: Clock = systemClock,
  ): Promise<AuthService> {
    const keys = await JwtKeys.load(config.jwtSecret, db, clock, config.cacheBudgets.verifiedTokens);
    const rotationKey = await getOrCreateSetting(db, 'auth.refresh_rotation_key', () =>
      randomBytes(32).toString('base64url'),
    );
    return new AuthService(db, keys, rotationKey, config, clock);
  }

  // --- sign-in ---------------------------------------------------------------------------

  async signInWithPat(personalAccessToken: string): Promise<Session> {
    if (!isWellFormedToken(personalAccessToken, 'pat')) {
      throw new AuthError(
        'invalid-request',
        'The personal access token is malformed: check that it was copied completely',
      );
    }
    const refresh = generateToken('rt');
    const rows = await this.db.query<UserRow & { refresh_token_id: string | null }>(
      PAT_SIGN_IN_SQL,
      [hashToken(personalAccessToken), hashToken(refresh), this.settings.refreshTokenExpiresIn, this.clock.now()],
      { name: 'auth.signin-pat' },
    );
    const row = rows[0];
    if (!row) throw new AuthError('invalid-pat');
    const { refresh_token_id: familyId, ...user } = row;
    if (user.disabled || !familyId) throw new AuthError('disabled-user');
    return this.session(user, familyId, refresh);
  }

  async signInWithPassword(email: string, password: string): Promise<Session> {
    const user = await findUserByEmail(this.db, email);
    const valid = await verifyPassword(user?.password_hash, password);
    if (!user || !valid) throw new AuthError('invalid-email-password');
    if (user.disabled) throw new AuthError('disabled-user');
    const now = this.clock.now();
    const family = await startFamily(this.db, user.id, this.settings.refreshTokenExpiresIn, now);
    await this.db.query('UPDATE auth.users SET last_seen = to_timestamp($2::float8 / 1000) WHERE id = $1', [
      user.id,
      now,
    ]);
    return this.session(user, family.id, family.token);
  }

  async signUp(input: SignUpInput): Promise<Session> {
    if (this.settings.signup === 'closed') throw new AuthError('signup-disabled');
    const user = await this.createUser(input);
    const family = await startFamily(this.db, user.id, this.settings.refreshTokenExpiresIn, this.clock.now());
    return this.session(user, family.id, family.token);
  }

  /** Creates an account (sign-up, the CLI and bootstrap); the e-mail is taken as verified only when told. */
  async createUser(input: SignUpInput & { emailVerified?: boolean }): Promise<UserRow> {
    if (!isEmail(input.email.trim().toLowerCase()))
      throw new AuthError('invalid-request', 'The email address is not valid');
    if (input.password.length < MIN_PASSWORD_LENGTH) {
      throw new AuthError(
        'password-too-short',
        `Password is too short: use at least ${MIN_PASSWORD_LENGTH} characters`,
      );
    }
    if (input.password.length > MAX_PASSWORD_LENGTH) {
      throw new AuthError('invalid-request', `The password is longer than ${MAX_PASSWORD_LENGTH} characters`);
    }
    return insertUser(this.db, {
      email: input.email,
      passwordHash: await hashPassword(input.password),
      displayName: input.displayName ?? '',
      locale: input.locale ?? 'en',
      metadata: input.metadata ?? {},
      emailVerified: input.emailVerified ?? false,
    });
  }

  // --- refresh and sign-out ----------------------------------------------------------------

  async refresh(refreshToken: string): Promise<Session> {
    if (!isWellFormedToken(refreshToken, 'rt')) {
      throw new AuthError('invalid-request', 'The refresh token is malformed: check that it was copied completely');
    }
    const rotation = await rotate(
      this.db,
      refreshToken,
      {
        expiresIn: this.settings.refreshTokenExpiresIn,
        graceSeconds: this.settings.refreshGraceSeconds,
        rotationKey: this.rotationKey,
      },
      this.clock.now(),
    );
    if (rotation.outcome !== 'rotated') throw new AuthError('invalid-refresh-token');
    if (rotation.user.disabled) throw new AuthError('disabled-user');
    return this.session(rotation.user, rotation.familyId, rotation.token);
  }

  async signOut(refreshToken: string): Promise<void> {
    if (!isWellFormedToken(refreshToken, 'rt')) {
      throw new AuthError('invalid-request', 'The refresh token is malformed: check that it was copied completely');
    }
    await endFamily(this.db, refreshToken);
  }

  /** Ends every session of the user. Personal access tokens are kept: they are revoked one by one. */
  async signOutEverywhere(userId: string): Promise<void> {
    await endAllFamilies(this.db, userId);
  }

  // --- access tokens ---------------------------------------------------------------------

  /**
   * Verifies a Bearer access token (remembered until it expires: auth/jwt.ts); rejects with an
   * InvalidTokenError, an AuthError('unauthorized') that also carries Hasura's code and reason.
   */
  authenticate(accessToken: string): Promise<Readonly<VerifiedToken>> {
    return this.keys.verify(accessToken);
  }

  /** The Nhost User object of the caller's account. */
  async user(userId: string): Promise<User> {
    return toUser(await this.activeUser(userId));
  }

  /** The caller's account, which must still exist and be enabled. */
  async activeUser(userId: string): Promise<UserRow> {
    const user = UUID.test(userId) ? await findUserById(this.db, userId) : undefined;
    if (!user) throw new AuthError('unauthorized', 'The account of this access token no longer exists');
    if (user.disabled) throw new AuthError('disabled-user');
    return user;
  }

  // --- personal access tokens ------------------------------------------------------------

  /** Creates a PAT that expires at `expiresAt`, which must be in the future (on the service's clock). */
  async createPat(userId: string, expiresAt: Date, metadata: Record<string, unknown> = {}) {
    if (!(expiresAt.getTime() > this.clock.now()))
      throw new AuthError('invalid-request', 'The request payload is incorrect: expiresAt must be in the future');
    return createPersonalAccessToken(this.db, userId, expiresAt, metadata);
  }

  listPats(userId: string): Promise<PersonalAccessTokenInfo[]> {
    return listPersonalAccessTokens(this.db, userId);
  }

  async revokePat(userId: string, id: string): Promise<void> {
    if (!UUID.test(id) || !(await revokePersonalAccessToken(this.db, userId, id))) {
      throw new AuthError('not-found', 'Personal access token not found');
    }
  }

  // --- housekeeping ----------------------------------------------------------------------

  deleteExpired(): Promise<void> {
    return deleteExpiredFamilies(this.db, this.clock.now());
  }

  private async session(user: UserRow, refreshTokenId: string, refreshToken: string): Promise<Session> {
    const accessToken = await this.keys.sign(
      { userId: user.id, allowedRoles: user.roles, defaultRole: user.default_role },
      this.settings.accessTokenExpiresIn,
    );
    return {
      accessToken,
      accessTokenExpiresIn: this.settings.accessTokenExpiresIn,
      refreshToken,
      refreshTokenId,
      user: toUser(user),
    };
  }
}
