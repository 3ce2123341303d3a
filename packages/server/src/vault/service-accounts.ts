import { generateToken, hashToken, tokenHint } from '../auth/tokens.js';
import type { Database } from '../db/database.js';
import { type ProjectContext, requireCapability } from './access.js';
import { conflictIfTaken, notFound } from './errors.js';
import type { CreateServiceAccountInput, CreateServiceAccountKeyInput } from './inputs.js';
import { idOrUndefined } from './names.js';

/**
 * Machine identities for CI and servers, locked to one project. Their keys are shown once and
 * stored only as SHA-256 digests, like PATs.
 */
export interface ServiceAccount {
  id: string;
  name: string;
  description: string;
  permissions: string[];
  projectId: string;
  createdAt: string;
}

export interface ServiceAccountKey {
  id: string;
  hint: string;
  label: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

const iso = (value: Date | null) => (value === null ? null : new Date(value).toISOString());

/** The columns a row is read with, in SELECT and RETURNING alike. */
const ACCOUNT_COLUMNS = 'id, name, description, permissions, project_id, created_at';
type AccountRow = {
  id: string;
  name: string;
  description: string;
  permissions: string[];
  project_id: string;
  created_at: Date;
};
const toAccount = (row: AccountRow): ServiceAccount => ({
  id: row.id,
  name: row.name,
  description: row.description,
  permissions: row.permissions,
  projectId: row.project_id,
  createdAt: iso(row.created_at)!,
});

async function audit(
  db: Pick<Database, 'query'>,
  context: ProjectContext,
  action: string,
  metadata: Record<string, unknown>,
) {
  await db.query("SELECT vault.record_audit($1, $2, $3, $4::uuid, NULL, NULL, '{}', $5::jsonb)", [
    context.chain,
    context.caller.actor,
    action,
    context.project.id,
    JSON.stringify(metadata),
  ]);
}

export async function listServiceAccounts(db: Database, context: ProjectContext): Promise<ServiceAccount[]> {
  requireCapability(context, 'administer');
  const rows = await db.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM vault.service_accounts WHERE project_id = $1 ORDER BY created_at, id`,
    [context.project.id],
  );
  return rows.map(toAccount);
}

export async function createServiceAccount(
  db: Database,
  context: ProjectContext,
  { name, description, permissions }: CreateServiceAccountInput,
): Promise<ServiceAccount> {
  requireCapability(context, 'administer');
  return conflictIfTaken(`A service account named "${name}" already exists in this project`, () =>
    db.transaction(async (tx) => {
      const [row] = await tx.query<AccountRow>(
        `INSERT INTO vault.service_accounts (project_id, name, description, permissions, created_by) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${ACCOUNT_COLUMNS}`,
        [context.project.id, name, description, permissions, context.caller.userId ?? null],
      );
      await audit(tx, context, 'service-account.create', { serviceAccountId: row!.id, name, permissions });
      return toAccount(row!);
    }),
  );
}

export async function deleteServiceAccount(db: Database, context: ProjectContext, rawId: unknown): Promise<void> {
  requireCapability(context, 'administer');
  await db.transaction(async (tx) => {
    const rows = await tx.query('DELETE FROM vault.service_accounts WHERE id = $1 AND project_id = $2 RETURNING id', [
      idOrUndefined(rawId) ?? null,
      context.project.id,
    ]);
    if (rows.length === 0) throw notFound(`Service account ${String(rawId).slice(0, 64)} not found in this project`);
    await audit(tx, context, 'service-account.delete', { serviceAccountId: rawId });
  });
}

async function requireAccount(db: Pick<Database, 'query'>, context: ProjectContext, rawId: unknown): Promise<string> {
  const id = idOrUndefined(rawId);
  const rows = id
    ? await db.query('SELECT id FROM vault.service_accounts WHERE id = $1 AND project_id = $2', [
        id,
        context.project.id,
      ])
    : [];
  if (rows.length === 0) throw notFound(`Service account ${String(rawId).slice(0, 64)} not found in this project`);
  return id!;
}

export async function listServiceAccountKeys(
  db: Database,
  context: ProjectContext,
  rawAccountId: unknown,
): Promise<ServiceAccountKey[]> {
  requireCapability(context, 'administer');
  const accountId = await requireAccount(db, context, rawAccountId);
  const rows = await db.query<{
    id: string;
    key_hint: string;
    label: string;
    expires_at: Date | null;
    last_used_at: Date | null;
    created_at: Date;
  }>(
    'SELECT id, key_hint, label, expires_at, last_used_at, created_at FROM vault.service_account_keys WHERE service_account_id = $1 AND revoked_at IS NULL ORDER BY created_at, id',
    [accountId],
  );
  return rows.map((row) => ({
    id: row.id,
    hint: row.key_hint,
    label: row.label,
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    createdAt: iso(row.created_at)!,
  }));
}

/** Issues a key; its plaintext is returned here only. */
export async function createServiceAccountKey(
  db: Database,
  context: ProjectContext,
  rawAccountId: unknown,
  { label, expiresInDays: days }: CreateServiceAccountKeyInput,
): Promise<ServiceAccountKey & { key: string }> {
  requireCapability(context, 'administer');
  const accountId = await requireAccount(db, context, rawAccountId);
  const key = generateToken('sa');
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: string; label: string; expires_at: Date | null; created_at: Date }>(
      `INSERT INTO vault.service_account_keys (service_account_id, project_id, key_hash, key_hint, label, expires_at)
       VALUES ($1, $2, $3, $4, $5, to_timestamp($6::float8 / 1000))
       RETURNING id, label, expires_at, created_at`,
      [
        accountId,
        context.project.id,
        hashToken(key),
        tokenHint(key),
        label,
        // Counted from when the request was authenticated, on the vault's clock.
        days === null ? null : context.now + days * 86_400_000,
      ],
    );
    await audit(tx, context, 'service-account-key.create', { serviceAccountId: accountId, keyId: row!.id });
    return {
      id: row!.id,
      key,
      hint: tokenHint(key),
      label: row!.label,
      expiresAt: iso(row!.expires_at),
      lastUsedAt: null,
      createdAt: iso(row!.created_at)!,
    };
  });
}

export async function revokeServiceAccountKey(
  db: Database,
  context: ProjectContext,
  rawAccountId: unknown,
  rawKeyId: unknown,
): Promise<void> {
  requireCapability(context, 'administer');
  const accountId = await requireAccount(db, context, rawAccountId);
  await db.transaction(async (tx) => {
    const rows = await tx.query(
      'UPDATE vault.service_account_keys SET revoked_at = now() WHERE id = $1 AND service_account_id = $2 AND revoked_at IS NULL RETURNING id',
      [idOrUndefined(rawKeyId) ?? null, accountId],
    );
    if (rows.length === 0) throw notFound(`Key ${String(rawKeyId).slice(0, 64)} not found for this service account`);
    await audit(tx, context, 'service-account-key.revoke', { serviceAccountId: accountId, keyId: rawKeyId });
  });
}
