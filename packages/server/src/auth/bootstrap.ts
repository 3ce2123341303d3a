import { type Clock, systemClock } from '../clock.js';
import type { Database, Queryable } from '../db/database.js';
import { SCHEMA_LOCK_KEY } from '../db/migrate.js';
import { getSetting, setSetting } from '../db/settings.js';
import { hashPassword } from './passwords.js';
import { createPersonalAccessToken } from './personal-access-tokens.js';
import { randomPassword } from './tokens.js';
import { insertUser } from './users.js';

export interface BootstrapCredentials {
  email: string;
  password: string;
  personalAccessToken: string;
  personalAccessTokenExpiresAt: Date;
  /** Lines other modules add to the block (label → value), e.g. the default data controller. */
  extra: Record<string, string>;
}

/** Lets other modules create what the owner starts with, in the same transaction. */
export type BootstrapExtension = (tx: Queryable, ownerId: string) => Promise<Record<string, string>>;

const BOOTSTRAP_DONE = 'bootstrap.completed_at';
const PAT_LIFETIME_DAYS = 365;

/**
 * On a database that has never been bootstrapped and has no account, creates the owner account
 * and a PAT and returns them (the only time they are in clear). Serialised with migrations by the
 * same advisory lock, so of two processes starting on an empty database exactly one bootstraps.
 * The PAT's year of validity is counted on `clock`.
 */
export async function bootstrapOwner(
  db: Database,
  email: string,
  extend?: BootstrapExtension,
  clock: Clock = systemClock,
): Promise<BootstrapCredentials | null> {
  const password = randomPassword();
  // Hash outside the transaction: argon2 is slow and the lock should be held briefly.
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
    if ((await getSetting(tx, BOOTSTRAP_DONE)) !== undefined) return null;
    const now = clock.now();
    await setSetting(tx, BOOTSTRAP_DONE, new Date(now).toISOString());
    const existing = await tx.query('SELECT 1 FROM auth.users LIMIT 1');
    if (existing.length > 0) return null; // accounts were made another way (e.g. `pavise user create`)
    const user = await insertUser(tx, { email, passwordHash, displayName: 'Owner', emailVerified: true });
    const expiresAt = new Date(now + PAT_LIFETIME_DAYS * 86_400_000);
    const pat = await createPersonalAccessToken(tx, user.id, expiresAt, { name: 'bootstrap' });
    const extra = extend ? await extend(tx, user.id) : {};
    return {
      email: user.email,
      password,
      personalAccessToken: pat.personalAccessToken,
      personalAccessTokenExpiresAt: expiresAt,
      extra,
    };
  });
}

/** The block printed once on first start: the credentials and the next step. */
export function formatBootstrapBlock(credentials: BootstrapCredentials, baseUrl: string): string {
  const rule = '='.repeat(78);
  return [
    '',
    rule,
    ' Pavise is set up. This is the only time these credentials are shown: store them now.',
    rule,
    `  Owner account     ${credentials.email}`,
    `  Password          ${credentials.password}`,
    `  Access token      ${credentials.personalAccessToken}`,
    `  (a personal access token, valid until ${credentials.personalAccessTokenExpiresAt.toISOString().slice(0, 10)})`,
    ...Object.entries(credentials.extra).map(([label, value]) => `  ${label.padEnd(17)} ${value}`),
    '',
    '  Next: exchange the token for a JWT, as in the first-request guide:',
    '',
    `  curl -X POST "${baseUrl}/v1/signin/pat" \\`,
    `    -H "Content-Type: application/json" \\`,
    `    -d '{"personalAccessToken": "${credentials.personalAccessToken}"}'`,
    rule,
    '',
  ].join('\n');
}
