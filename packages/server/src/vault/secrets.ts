import type { Database } from '../db/database.js';
import { type ProjectContext, requireBranch, requireCapability } from './access.js';
import type { AuditRecorder } from './audit-recorder.js';
import type { DataKeys } from './crypto/data-keys.js';
import { decryptValue } from './crypto/secret-values.js';
import { notFound } from './errors.js';

/**
 * Secrets of one (environment, branch). A branch is an overlay on main: for each key, the
 * branch's row wins when it exists (a tombstone hides the key), otherwise main's row shows
 * through. Versions count per row and never go down, so check-and-set stays sound.
 */
export interface SecretsDependencies {
  db: Database;
  dataKeys: DataKeys;
  audit: AuditRecorder;
}

export interface SecretEntry {
  value: string;
  version: number;
  updatedAt: string;
  /** True when a branch read shows main's value. */
  inherited: boolean;
}

// Main alone: its live rows. A branch: for each key, the branch's row when it has one, else
// main's; tombstones hide. A plain read fetches only names and ciphertexts (parsing a timestamp
// per row is a measurable share of a 100-secret read); a detailed one adds versions and times.
function readSql(branch: 'main' | 'overlay', detailed: boolean): string {
  const columns = detailed ? 'key, ciphertext, version, updated_at, from_main' : 'key, ciphertext, from_main';
  if (branch === 'main') {
    return `SELECT ${columns} FROM (SELECT *, true AS from_main FROM vault.secrets
      WHERE project_id = $1::uuid AND environment = $2::text AND branch_id = $3::uuid AND NOT deleted
        AND ($4::text IS NULL OR key = $4::text)) main ORDER BY key`;
  }
  return `SELECT ${columns} FROM (
    SELECT DISTINCT ON (s.key) s.key, s.ciphertext, s.version, s.deleted, s.updated_at, s.branch_id = $3::uuid AS from_main
    FROM vault.secrets s
    WHERE s.project_id = $1::uuid AND s.environment = $2::text AND (s.branch_id = $3::uuid OR s.branch_id = $5::uuid)
      AND ($4::text IS NULL OR s.key = $4::text)
    ORDER BY s.key, s.branch_id = $5::uuid DESC
  ) visible WHERE NOT deleted ORDER BY key`;
}

const READ_STATEMENTS = {
  main: { plain: readSql('main', false), detailed: readSql('main', true) },
  overlay: { plain: readSql('overlay', false), detailed: readSql('overlay', true) },
};

interface VisibleRow {
  key: string;
  ciphertext: Uint8Array;
  from_main: boolean;
  version?: number;
  updated_at?: Date;
}

export interface ReadOptions {
  /** Only this secret. */
  onlyKey?: string;
  /** With versions and times (SecretEntry); otherwise values only. */
  detailed?: boolean;
}

/**
 * Reads the environment through the branch. The read is on record in the audit trail before
 * anything is returned; values are decrypted only then.
 */
async function readRows(
  deps: SecretsDependencies,
  context: ProjectContext,
  environment: string,
  branchName: string,
  options: ReadOptions,
) {
  requireCapability(context, 'read');
  const branch = requireBranch(context, branchName, environment);
  const { project } = context;
  const onBranch = branch.id !== context.main.id;
  const shape = options.detailed ? 'detailed' : 'plain';
  const rows = onBranch
    ? await deps.db.query<VisibleRow>(
        READ_STATEMENTS.overlay[shape],
        [project.id, environment, context.main.id, options.onlyKey ?? null, branch.id],
        {
          name: `vault.read-branch-${shape}`,
        },
      )
    : await deps.db.query<VisibleRow>(
        READ_STATEMENTS.main[shape],
        [project.id, environment, context.main.id, options.onlyKey ?? null],
        {
          name: `vault.read-main-${shape}`,
        },
      );
  const dataKey = await deps.dataKeys.unwrap(project.id, context.dataKey);
  await deps.audit.record({
    chain: context.chain,
    actor: context.caller.actor,
    action: options.onlyKey ? 'secret.read' : 'secrets.read',
    projectId: project.id,
    environment,
    branch: branch.name,
    keys: rows.map((row) => row.key),
  });
  const decrypt = (row: VisibleRow) => decryptValue(dataKey, project.id, environment, row.key, row.ciphertext);
  return { rows, onBranch, decrypt };
}

/** `{KEY: value}` of the environment through the branch. */
export async function readSecretValues(
  deps: SecretsDependencies,
  context: ProjectContext,
  environment: string,
  branchName: string,
): Promise<Record<string, string>> {
  const { rows, decrypt } = await readRows(deps, context, environment, branchName, {});
  const values: Record<string, string> = {};
  for (const row of rows) values[row.key] = decrypt(row);
  return values;
}

/** Every secret (or `onlyKey`) with its version, time and whether main's value shows through. */
export async function readSecrets(
  deps: SecretsDependencies,
  context: ProjectContext,
  environment: string,
  branchName: string,
  onlyKey?: string,
): Promise<Map<string, SecretEntry>> {
  const { rows, onBranch, decrypt } = await readRows(deps, context, environment, branchName, {
    onlyKey,
    detailed: true,
  });
  const secrets = new Map<string, SecretEntry>();
  for (const row of rows) {
    secrets.set(row.key, {
      value: decrypt(row),
      version: row.version!,
      updatedAt: new Date(row.updated_at!).toISOString(),
      inherited: onBranch && row.from_main,
    });
  }
  return secrets;
}

export interface HistoryEntry {
  version: number;
  value: string | null;
  deleted: boolean;
  updatedAt: string;
  updatedBy: string;
  description: string;
}

/** The versions of the row a branch read shows for the key (its own, else main's), newest first. */
export async function secretHistory(
  deps: SecretsDependencies,
  context: ProjectContext,
  environment: string,
  branchName: string,
  key: string,
): Promise<{ key: string; currentVersion: number; inherited: boolean; history: HistoryEntry[] }> {
  requireCapability(context, 'read');
  const branch = requireBranch(context, branchName, environment);
  const rows = await deps.db.query<{
    branch_id: string;
    current: number;
    version: number;
    ciphertext: Buffer | null;
    deleted: boolean;
    description: string;
    created_by: string;
    created_at: Date;
  }>(
    `WITH row AS (
       SELECT id, branch_id, version FROM vault.secrets
       WHERE project_id = $1::uuid AND environment = $2::text AND key = $3::text AND branch_id = ANY($4::uuid[])
       ORDER BY branch_id = $5::uuid DESC LIMIT 1
     )
     SELECT row.branch_id, row.version AS current, v.version, v.ciphertext, v.deleted, v.description, v.created_by, v.created_at
     FROM row JOIN vault.secret_versions v ON v.secret_id = row.id ORDER BY v.version DESC`,
    [context.project.id, environment, key, [...new Set([context.main.id, branch.id])], branch.id],
  );
  if (rows.length > 0) {
    await deps.audit.record({
      chain: context.chain,
      actor: context.caller.actor,
      action: 'secret.history',
      projectId: context.project.id,
      environment,
      branch: branch.name,
      keys: [key],
    });
  }
  if (rows.length === 0)
    throw notFound(
      `Secret ${key} has no history in ${environment}${branch.name === 'main' ? '' : ` (branch '${branch.name}')`}`,
    );
  const dataKey = await deps.dataKeys.unwrap(context.project.id, context.dataKey);
  return {
    key,
    currentVersion: rows[0]!.current,
    inherited: rows[0]!.branch_id !== branch.id,
    history: rows.map((row) => ({
      version: row.version,
      value: row.ciphertext ? decryptValue(dataKey, context.project.id, environment, key, row.ciphertext) : null,
      deleted: row.deleted,
      updatedAt: new Date(row.created_at).toISOString(),
      updatedBy: row.created_by,
      description: row.description,
    })),
  };
}
