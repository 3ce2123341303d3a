import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../clock.js';
import type { Config } from '../config/config.js';
import { isEmail } from '../config/config.js';
import type { KeyEncryptionProvider } from '../crypto/key-provider.js';
import type { Database, Queryable } from '../db/database.js';
import { getOrCreateSetting } from '../db/settings.js';
import type { Mailer } from '../mail/mailer.js';
import { emailVerification } from '../mail/templates/email-verification.js';
import { passwordReset } from '../mail/templates/password-reset.js';
import { signInLink } from '../mail/templates/sign-in-link.js';
import { AuthError } from './errors.js';
import { JwtKeys, type VerifiedToken } from './jwt.js';
import {
  deleteExpiredMfaTickets,
  endMfaTickets,
  failMfaTicket,
  issueMfaTicket,
  lockMfaTicket,
  spendMfaTicket,
} from './mfa-tickets.js';
import { checkNewPassword } from './password-rule.js';
import { hashPassword, verifyPassword } from './passwords.js';
import {
  createPersonalAccessToken,
  listPersonalAccessTokens,
  livePatCondition,
  type PersonalAccessTokenInfo,
  revokePersonalAccessToken,
} from './personal-access-tokens.js';
import {
  deleteExpiredFamilies,
  endAllFamilies,
  endFamily,
  endOtherFamilies,
  type FamilyHolder,
  type FamilyOwner,
  familyHolder,
  rotate,
  startFamily,
  startSubjectFamily,
} from './refresh-tokens.js';
import { deleteSpentTickets, issueTicket, redeemTicket, revokeTickets, ticketKind } from './tickets.js';
import { generateToken, hashToken, isWellFormedToken } from './tokens.js';
import { TotpFactors } from './totp-factors.js';
import {
  findUserByEmail,
  findUserById,
  insertUser,
  type NewUser,
  subjectUser,
  toUser,
  type User,
  type UserRow,
  userColumnsOf,
} from './users.js';

/** How long a magic link lives: 15 minutes. */
export const SIGN_IN_LINK_SECONDS = 15 * 60;
/** How long a password-reset link lives: 1 hour. */
export const PASSWORD_RESET_SECONDS = 60 * 60;
/** How long an e-mail verification link lives: 24 hours. */
export const EMAIL_VERIFY_SECONDS = 24 * 60 * 60;

/** The links mailed to an account that `GET /v1/verify` follows (its `type` is the ticket's kind). */
export type AccountLinkType = 'signinPasswordless' | 'passwordReset' | 'emailVerify';
export const ACCOUNT_LINK_TYPES: readonly AccountLinkType[] = ['signinPasswordless', 'passwordReset', 'emailVerify'];

/** The role and claims of a data subject's session (docs/contracts.md §3.8). */
export const SUBJECT_ROLE = 'dataSubject';
export interface SubjectSessionClaims {
  subjectId: string;
  controllerId: string;
}

/** Nhost's Session object. */
export interface Session {
  accessToken: string;
  accessTokenExpiresIn: number;
  refreshToken: string;
  refreshTokenId: string;
  user: User;
}

/**
 * What a password sign-in answers (Nhost's shape): a session, or, for an account with TOTP
 * active, no session yet and the ticket to redeem with a code (docs/contracts.md §3.7).
 */
export type PasswordSignIn = { session: Session; mfa: null } | { session: null; mfa: { ticket: string } };

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
    /** Without the master keys (some CLI commands), TOTP cannot be set up or checked. */
    private readonly totp: TotpFactors | undefined,
    private readonly mailer: Mailer | undefined,
  ) {}

  static async create(
    db: Database,
    config: Pick<
      Config,
      'jwtSecret' | 'accessTokenExpiresIn' | 'refreshTokenExpiresIn' | 'refreshGraceSeconds' | 'signup' | 'cacheBudgets'
    >,
    clock: Clock = systemClock,
    /** The master keys that wrap TOTP secrets (the vault's, app.ts). */
    masterKeys?: KeyEncryptionProvider,
    mailer?: Mailer,
  ): Promise<AuthService> {
    const keys = await JwtKeys.load(config.jwtSecret, db, clock, config.cacheBudgets.verifiedTokens);
    const rotationKey = await getOrCreateSetting(db, 'auth.refresh_rotation_key', () =>
      randomBytes(32).toString('base64url'),
    );
    const totp = masterKeys ? new TotpFactors(db, masterKeys, clock) : undefined;
    return new AuthService(db, keys, rotationKey, config, clock, totp, mailer);
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

  async signInWithPassword(email: string, password: string): Promise<PasswordSignIn> {
    const user = await findUserByEmail(this.db, email);
    const valid = await verifyPassword(user?.password_hash, password);
    if (!user || !valid) throw new AuthError('invalid-email-password');
    if (user.disabled) throw new AuthError('disabled-user');
    const now = this.clock.now();
    if (user.active_mfa_type === 'totp')
      return { session: null, mfa: { ticket: await issueMfaTicket(this.db, user.id, now) } };
    return { session: await this.startSession(user, now), mfa: null };
  }

  /**
   * The second step of a password sign-in: the ticket it answered and a code of the user's TOTP.
   * A wrong code counts against the ticket; a right one spends it (and its time step).
   */
  async signInWithTotp(ticket: string, code: string): Promise<Session> {
    const totp = this.requireTotp();
    const now = this.clock.now();
    // Refusals are returned, not thrown, so that the wrong code's count is committed.
    const outcome = await this.db.transaction(async (tx): Promise<{ userId: string } | { refused: AuthError }> => {
      const userId = await lockMfaTicket(tx, ticket, now);
      try {
        await totp.verify(tx, userId, code);
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        await failMfaTicket(tx, ticket);
        return { refused: error };
      }
      await spendMfaTicket(tx, ticket);
      return { userId };
    });
    if ('refused' in outcome) throw outcome.refused;
    const user = await findUserById(this.db, outcome.userId);
    if (!user) throw new AuthError('invalid-ticket');
    if (user.disabled) throw new AuthError('disabled-user');
    return this.startSession(user, now);
  }

  /** A new session of an enabled account that has just proven itself another way (an accepted invitation). */
  async startSessionFor(userId: string): Promise<Session> {
    return this.startSession(await this.activeUser(userId), this.clock.now());
  }

  private async startSession(user: UserRow, now: number): Promise<Session> {
    const family = await startFamily(this.db, user.id, this.settings.refreshTokenExpiresIn, now);
    await this.db.query('UPDATE auth.users SET last_seen = to_timestamp($2::float8 / 1000) WHERE id = $1', [
      user.id,
      now,
    ]);
    return this.session(user, family.id, family.token);
  }

  /**
   * A new account and its first session. With a mailer (the server's), the mail that confirms the
   * address is written in the same transaction as the account; the address is not required to be
   * verified to sign in. `redirectTo` (already allowed) is where that mail's link leads.
   */
  async signUp(input: SignUpInput, redirectTo?: string): Promise<Session> {
    if (this.settings.signup === 'closed') throw new AuthError('signup-disabled');
    const newUser = await this.newUser(input);
    const now = this.clock.now();
    const { user, family } = await this.db.transaction(async (tx) => {
      const user = await insertUser(tx, newUser);
      const family = await startFamily(tx, user.id, this.settings.refreshTokenExpiresIn, now);
      if (this.mailer) await this.mailAccountLink(tx, this.mailer, user, 'emailVerify', redirectTo ?? null, now);
      return { user, family };
    });
    this.mailer?.nudge();
    return this.session(user, family.id, family.token);
  }

  /**
   * Creates an account (the CLI, bootstrap, an accepted invitation: in the caller's transaction
   * `db`; no mail); the e-mail is taken as verified only when told.
   */
  async createUser(input: SignUpInput & { emailVerified?: boolean }, db: Queryable = this.db): Promise<UserRow> {
    return insertUser(db, await this.newUser(input));
  }

  /** Checks a new account's address and password (the rule), and hashes the password. */
  private async newUser(input: SignUpInput & { emailVerified?: boolean }): Promise<NewUser> {
    if (!isEmail(input.email.trim().toLowerCase()))
      throw new AuthError('invalid-request', 'The email address is not valid');
    checkNewPassword(input.password);
    return {
      email: input.email,
      passwordHash: await hashPassword(input.password),
      displayName: input.displayName ?? '',
      locale: input.locale ?? 'en',
      metadata: input.metadata ?? {},
      emailVerified: input.emailVerified ?? false,
    };
  }

  // --- password change --------------------------------------------------------------------

  /**
   * Sets the caller's password (which must meet the rule) and ends every other session of the
   * account: its other refresh-token families, and the second-step tickets the old password
   * earned. The caller's own session (`keepSessionId`, the access token's `sid`) goes on; PATs
   * are kept, as by sign-out everywhere. A reset by ticket (no session) is resetPassword.
   */
  async changePassword(userId: string, newPassword: string, keepSessionId?: string): Promise<void> {
    const user = await this.activeUser(userId);
    checkNewPassword(newPassword);
    const passwordHash = await hashPassword(newPassword);
    await this.db.transaction(async (tx) => {
      await tx.query('UPDATE auth.users SET password_hash = $2 WHERE id = $1', [user.id, passwordHash]);
      await endOtherFamilies(tx, user.id, keepSessionId && UUID.test(keepSessionId) ? keepSessionId : undefined);
      await endMfaTickets(tx, user.id);
    });
  }

  /**
   * Nhost's reset form: the ticket of a password-reset link instead of a session. The rule is
   * checked before the ticket is used, so a refused password leaves the link working. Then, in
   * one transaction, the ticket is used up, the password set and every session of the account
   * ended (all its refresh-token families and second-step tickets): nobody keeps a session the
   * old password opened. PATs are kept, as by a password change.
   */
  async resetPassword(ticket: string, newPassword: string): Promise<void> {
    if (ticketKind(ticket) !== 'passwordReset') throw new AuthError('invalid-ticket');
    checkNewPassword(newPassword);
    const passwordHash = await hashPassword(newPassword);
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const redeemed = await redeemTicket(tx, ticket, ['passwordReset'], now);
      const user = redeemed?.userId ? await findUserById(tx, redeemed.userId) : undefined;
      if (!redeemed || !user) throw new AuthError('invalid-ticket');
      if (user.disabled) throw new AuthError('disabled-user');
      // The link reached the address: it is verified, as by any link mailed to it.
      await tx.query('UPDATE auth.users SET password_hash = $2, email_verified = true WHERE id = $1', [
        user.id,
        passwordHash,
      ]);
      await endAllFamilies(tx, user.id);
      await endMfaTickets(tx, user.id);
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
    const { owner } = rotation;
    if (owner.kind === 'user' && owner.user.disabled) throw new AuthError('disabled-user');
    return this.session(owner, rotation.familyId, rotation.token);
  }

  // --- links mailed to an account (magic links, password resets, e-mail verification) --------

  /**
   * Mails a sign-in link to the account of `email`, if there is one and it is enabled; nothing
   * otherwise. The caller answers the same either way (and should not wait for this: the time
   * it takes would tell the two apart). `redirectTo` must already be allowed.
   */
  async sendSignInLink(email: string, redirectTo: string): Promise<void> {
    const mailer = this.requireMailer();
    const user = await findUserByEmail(this.db, email);
    if (!user || user.disabled) return;
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const ticket = await issueTicket(
        tx,
        { kind: 'signinPasswordless', userId: user.id, redirectTo },
        SIGN_IN_LINK_SECONDS,
        now,
      );
      const url = mailer.link('/v1/verify', { ticket, type: 'signinPasswordless', redirectTo });
      await mailer.enqueue(
        tx,
        signInLink,
        { url, expiresInMinutes: SIGN_IN_LINK_SECONDS / 60, audience: 'account' },
        { address: user.email },
        now,
      );
    });
    mailer.nudge();
  }

  /**
   * Mails a password-reset link (live 1 hour) to the enabled account of `email`; nothing for an
   * unknown or disabled one. The account's earlier unused reset links stop working. As for
   * sendSignInLink, the caller answers before this runs, and `redirectTo` is already allowed.
   */
  async sendPasswordReset(email: string, redirectTo: string): Promise<void> {
    const mailer = this.requireMailer();
    const user = await findUserByEmail(this.db, email);
    if (!user || user.disabled) return;
    const now = this.clock.now();
    await this.db.transaction((tx) => this.mailAccountLink(tx, mailer, user, 'passwordReset', redirectTo, now));
    mailer.nudge();
  }

  /**
   * Mails an e-mail verification link (live 24 hours) to the enabled account of `email` whose
   * address is not verified yet; nothing otherwise. Earlier unused verification links stop working.
   */
  async sendVerificationEmail(email: string, redirectTo: string): Promise<void> {
    const mailer = this.requireMailer();
    const user = await findUserByEmail(this.db, email);
    if (!user || user.disabled || user.email_verified) return;
    const now = this.clock.now();
    await this.db.transaction((tx) => this.mailAccountLink(tx, mailer, user, 'emailVerify', redirectTo, now));
    mailer.nudge();
  }

  /**
   * In the caller's transaction: ends the account's unused links of `kind`, issues a new one and
   * writes its mail to the outbox (the caller nudges the mailer once committed). The user's row
   * is locked first, so two requests at once cannot leave two live links.
   */
  private async mailAccountLink(
    tx: Queryable,
    mailer: Mailer,
    user: UserRow,
    kind: 'passwordReset' | 'emailVerify',
    redirectTo: string | null,
    now: number,
  ): Promise<void> {
    await tx.query('SELECT id FROM auth.users WHERE id = $1 FOR UPDATE', [user.id]);
    await revokeTickets(tx, { kind, userId: user.id }, now);
    const lifetime = kind === 'passwordReset' ? PASSWORD_RESET_SECONDS : EMAIL_VERIFY_SECONDS;
    const ticket = await issueTicket(tx, { kind, userId: user.id, redirectTo }, lifetime, now);
    const url = mailer.link('/v1/verify', { ticket, type: kind, ...(redirectTo === null ? {} : { redirectTo }) });
    const to = { address: user.email };
    if (kind === 'passwordReset')
      await mailer.enqueue(tx, passwordReset, { url, expiresInMinutes: lifetime / 60 }, to, now);
    else await mailer.enqueue(tx, emailVerification, { url, expiresInHours: lifetime / 3600 }, to, now);
  }

  /**
   * Uses the ticket of a link mailed to an account, if it is of the kind `type` names: a
   * session (a normal one), and the address counts as verified (the link reached it). A magic
   * link, a password-reset link (the client then asks for a new password and sets it with the
   * session) and an e-mail verification link differ only in what the client does next.
   */
  async redeemAccountLink(
    ticket: string,
    type: AccountLinkType,
  ): Promise<{ session: Session; redirectTo: string | null }> {
    const now = this.clock.now();
    const redeemed = await redeemTicket(this.db, ticket, [type], now);
    const user = redeemed?.userId ? await findUserById(this.db, redeemed.userId) : undefined;
    if (!redeemed || !user) throw new AuthError('invalid-ticket');
    if (user.disabled) throw new AuthError('disabled-user');
    await this.db.query(
      'UPDATE auth.users SET email_verified = true, last_seen = to_timestamp($2::float8 / 1000) WHERE id = $1',
      [user.id, now],
    );
    const family = await startFamily(this.db, user.id, this.settings.refreshTokenExpiresIn, now);
    return {
      session: await this.session({ kind: 'user', user: { ...user, email_verified: true } }, family.id, family.token),
      redirectTo: redeemed.redirectTo,
    };
  }

  /**
   * A data subject's session (after the privacy domain has checked its proof): role
   * dataSubject only, with the subject and its controller as session claims.
   */
  async startSubjectSession({ subjectId, controllerId }: SubjectSessionClaims): Promise<Session> {
    const claims = { 'x-hasura-data-controller-id': controllerId, 'x-hasura-data-subject-id': subjectId };
    const family = await startSubjectFamily(
      this.db,
      subjectId,
      claims,
      this.settings.refreshTokenExpiresIn,
      this.clock.now(),
    );
    return this.session({ kind: 'subject', subjectId, claims }, family.id, family.token);
  }

  private requireMailer(): Mailer {
    if (!this.mailer) throw new Error('the auth service was made without a mailer');
    return this.mailer;
  }

  /**
   * Whose session a refresh token continues (an account's, or a data subject's with its claims),
   * without using it; undefined for a token of no session, malformed ones included.
   */
  refreshTokenHolder(refreshToken: string): Promise<FamilyHolder | undefined> {
    if (!isWellFormedToken(refreshToken, 'rt')) return Promise.resolve(undefined);
    return familyHolder(this.db, refreshToken);
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

  /** The Nhost User object of the caller's account (or of the data subject a session is of). */
  async user(token: Readonly<VerifiedToken>): Promise<User> {
    if (token.defaultRole === SUBJECT_ROLE && token.sessionVariables['x-hasura-data-subject-id'] === token.userId)
      return subjectUser(token.userId);
    return toUser(await this.activeUser(token.userId));
  }

  /** The caller's account, which must still exist and be enabled. */
  async activeUser(userId: string): Promise<UserRow> {
    const user = UUID.test(userId) ? await findUserById(this.db, userId) : undefined;
    if (!user) throw new AuthError('unauthorized', 'The account of this access token no longer exists');
    if (user.disabled) throw new AuthError('disabled-user');
    return user;
  }

  // --- two-factor sign-in (TOTP) ----------------------------------------------------------

  /** A new pending TOTP secret for the caller, with its QR code (Nhost's GET /mfa/totp/generate). */
  async generateTotp(userId: string): Promise<{ imageUrl: string; totpSecret: string }> {
    const user = await this.activeUser(userId);
    return this.requireTotp().generate(user.id, user.email);
  }

  /** Turns the caller's TOTP on with a code of the pending secret, or off (`activeMfaType` null) with a current code. */
  async setActiveMfaType(userId: string, activeMfaType: 'totp' | null, code: string): Promise<void> {
    const user = await this.activeUser(userId);
    const totp = this.requireTotp();
    if (activeMfaType === 'totp') await totp.activate(user.id, code);
    else await totp.deactivate(user.id, code);
  }

  private requireTotp(): TotpFactors {
    if (!this.totp) throw new Error('TOTP needs the master keys: AuthService.create was given none');
    return this.totp;
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

  async deleteExpired(): Promise<void> {
    const now = this.clock.now();
    await deleteExpiredFamilies(this.db, now);
    await deleteExpiredMfaTickets(this.db, now);
    await deleteSpentTickets(this.db, now);
  }

  private async session(owner: FamilyOwner | UserRow, refreshTokenId: string, refreshToken: string): Promise<Session> {
    const of: FamilyOwner = 'kind' in owner ? owner : { kind: 'user', user: owner };
    const claims =
      of.kind === 'user'
        ? {
            userId: of.user.id,
            allowedRoles: of.user.roles,
            defaultRole: of.user.default_role,
            sessionId: refreshTokenId,
          }
        : {
            userId: of.subjectId,
            allowedRoles: [SUBJECT_ROLE],
            defaultRole: SUBJECT_ROLE,
            extra: of.claims,
            sessionId: refreshTokenId,
          };
    const accessToken = await this.keys.sign(claims, this.settings.accessTokenExpiresIn);
    return {
      accessToken,
      accessTokenExpiresIn: this.settings.accessTokenExpiresIn,
      refreshToken,
      refreshTokenId,
      user: of.kind === 'user' ? toUser(of.user) : subjectUser(of.subjectId),
    };
  }
}
