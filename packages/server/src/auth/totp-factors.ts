import type { Clock } from '../clock.js';
import type { KeyEncryptionProvider } from '../crypto/key-provider.js';
import type { WrappedKeyTable } from '../crypto/wrapped-keys.js';
import type { Database, Queryable } from '../db/database.js';
import { AuthError } from './errors.js';
import { endMfaTickets } from './mfa-tickets.js';
import { newTotpSecret, totpEnrolment, totpStepOf } from './totp.js';

/**
 * Users' TOTP factors (docs/contracts.md §3.7): a secret is generated (pending), confirmed by a
 * code (active), and removed with a code. Each secret is wrapped by the master key, bound to its
 * user by the wrap context, so the database holds no secret in clear (architecture §5). A code is
 * accepted once: the step it belongs to is recorded, and no code of that step or an earlier one
 * passes again.
 */
export const TOTP_SECRETS: WrappedKeyTable = {
  table: 'auth.totp_secrets',
  idColumn: 'user_id',
  context: (userId) => `auth.totp:${userId}`,
};

interface FactorRow {
  active_mfa_type: string | null;
  wrapped_key: Buffer | null;
  master_key_id: string | null;
  last_used_step: string | null;
}

const NO_SECRET = () =>
  new AuthError('no-totp-secret', 'User does not have a TOTP secret: generate one first (GET /v1/mfa/totp/generate)');

export class TotpFactors {
  constructor(
    private readonly db: Database,
    private readonly keys: KeyEncryptionProvider,
    private readonly clock: Clock,
  ) {}

  /** A new pending secret for the user (replacing a pending one), to be confirmed by activate. */
  async generate(userId: string, accountName: string): Promise<{ imageUrl: string; totpSecret: string }> {
    const factor = await this.factor(this.db, userId);
    if (factor.active_mfa_type !== null) throw alreadyActive();
    const secret = newTotpSecret();
    const { wrapped, keyId } = await this.keys.wrap(secret, TOTP_SECRETS.context(userId));
    await this.db.query(
      `INSERT INTO auth.totp_secrets (user_id, wrapped_key, master_key_id) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET wrapped_key = excluded.wrapped_key, master_key_id = excluded.master_key_id,
         created_at = now(), rewrapped_at = NULL, last_used_step = NULL`,
      [userId, wrapped, keyId],
    );
    return totpEnrolment(secret, accountName);
  }

  /** Confirms the pending secret with a code from it: from now on, password sign-in asks for one. */
  async activate(userId: string, code: string): Promise<void> {
    const factor = await this.factor(this.db, userId);
    if (factor.active_mfa_type !== null) throw alreadyActive();
    await this.consume(this.db, userId, factor, code);
    await this.db.query("UPDATE auth.users SET active_mfa_type = 'totp' WHERE id = $1", [userId]);
  }

  /** Turns TOTP off, proved by a current code: the secret and any sign-in tickets go. */
  async deactivate(userId: string, code: string): Promise<void> {
    const factor = await this.factor(this.db, userId);
    if (factor.active_mfa_type === null) throw new AuthError('disabled-mfa-totp');
    await this.consume(this.db, userId, factor, code);
    await this.db.transaction(async (tx) => {
      await tx.query('UPDATE auth.users SET active_mfa_type = NULL WHERE id = $1', [userId]);
      await tx.query('DELETE FROM auth.totp_secrets WHERE user_id = $1', [userId]);
      await endMfaTickets(tx, userId);
    });
  }

  /** For the second step of sign-in: the user's active factor accepts `code` (once), else invalid-totp. */
  async verify(db: Queryable, userId: string, code: string): Promise<void> {
    const factor = await this.factor(db, userId);
    if (factor.active_mfa_type === null) throw new AuthError('disabled-mfa-totp');
    await this.consume(db, userId, factor, code);
  }

  private async factor(db: Queryable, userId: string): Promise<FactorRow> {
    const [row] = await db.query<FactorRow>(
      `SELECT u.active_mfa_type, s.wrapped_key, s.master_key_id, s.last_used_step
       FROM auth.users u LEFT JOIN auth.totp_secrets s ON s.user_id = u.id WHERE u.id = $1`,
      [userId],
    );
    if (!row) throw new AuthError('unauthorized', 'The account of this access token no longer exists');
    return row;
  }

  /**
   * Accepts `code` when it belongs to a step within the skew of now that is later than the last
   * step used, and records that step, in one conditional update: of two requests with the same
   * code, one passes.
   */
  private async consume(db: Queryable, userId: string, factor: FactorRow, code: string): Promise<void> {
    if (!factor.wrapped_key || !factor.master_key_id) throw NO_SECRET();
    const secret = await this.keys.unwrap(
      Buffer.from(factor.wrapped_key),
      factor.master_key_id,
      TOTP_SECRETS.context(userId),
    );
    const step = totpStepOf(secret, code, this.clock.now());
    if (step === undefined) throw new AuthError('invalid-totp');
    const used = await db.query(
      `UPDATE auth.totp_secrets SET last_used_step = $2
       WHERE user_id = $1 AND (last_used_step IS NULL OR last_used_step < $2) RETURNING user_id`,
      [userId, step],
    );
    if (used.length === 0) throw new AuthError('invalid-totp');
  }
}

const alreadyActive = () =>
  new AuthError('totp-already-active', 'TOTP MFA is already active: deactivate it first to enrol a new secret');
