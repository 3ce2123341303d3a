import type { Database, Queryable } from '../db/database.js';
import { type BranchRef, type ProjectContext, requireBranch, requireCapability } from './access.js';
import type { AuditRecorder } from './audit-recorder.js';
import type { DataKeys } from './crypto/data-keys.js';
import { decryptValue, encryptValue } from './crypto/secret-values.js';
import { invalid, notFound, VaultError, type VersionConflict } from './errors.js';
import type { WriteInput } from './inputs.js';
import { parsed, version } from './names.js';

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

interface LockedRow {
  id: string;
  branch_id: string;
  key: string;
  version: number;
  deleted: boolean;
  ciphertext: Buffer | null;
}

/**
 * The rows of `keys` in main and the branch, locked until the transaction ends — main's first,
 * in every writer, so writers of a branch and of main never wait on each other in a cycle.
 */
async function lockRows(
  tx: Queryable,
  context: ProjectContext,
  environment: string,
  branch: BranchRef,
  keys: readonly string[],
) {
  const rows = await tx.query<LockedRow>(
    `SELECT id, branch_id, key, version, deleted, ciphertext FROM vault.secrets
     WHERE project_id = $1::uuid AND environment = $2::text AND branch_id = ANY($3::uuid[]) AND key = ANY($4::text[])
     ORDER BY branch_id = $5::uuid DESC, key FOR UPDATE`,
    [context.project.id, environment, [...new Set([context.main.id, branch.id])], keys, context.main.id],
  );
  const own = new Map<string, LockedRow>();
  const inherited = new Map<string, LockedRow>();
  for (const row of rows) (row.branch_id === branch.id ? own : inherited).set(row.key, row);
  return {
    own,
    /** The live version seen through the branch (0: absent or deleted). */
    current(key: string): number {
      const mine = own.get(key);
      if (mine) return mine.deleted ? 0 : mine.version;
      const base = inherited.get(key);
      return base && !base.deleted ? base.version : 0;
    },
    /** The next version: above every version this key has shown through the branch. */
    next(key: string): number {
      return Math.max(own.get(key)?.version ?? 0, inherited.get(key)?.version ?? 0) + 1;
    },
  };
}

interface Change {
  key: string;
  version: number;
  /** null: a deletion (a tombstone). */
  ciphertext: Buffer | null;
}

// Upsert the branch's rows, record each new version and the audit entry (sealed later): one statement.
const WRITE_SQL = `WITH input AS (
  SELECT * FROM unnest($4::text[], $5::int[], $6::text[]) AS t(key, version, ciphertext)
), written AS (
  INSERT INTO vault.secrets AS s (project_id, branch_id, environment, key, version, ciphertext, deleted, updated_by, updated_at)
  SELECT $1::uuid, $2::uuid, $3::text, i.key, i.version, decode(i.ciphertext, 'base64'), i.ciphertext IS NULL, $7::text, now() FROM input i
  ON CONFLICT (branch_id, environment, key) DO UPDATE SET
    version = EXCLUDED.version, ciphertext = EXCLUDED.ciphertext, deleted = EXCLUDED.deleted,
    updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
  RETURNING s.id, s.key, s.version, s.ciphertext, s.deleted
), history AS (
  INSERT INTO vault.secret_versions (secret_id, version, project_id, ciphertext, deleted, description, created_by)
  SELECT w.id, w.version, $1::uuid, w.ciphertext, w.deleted, $8::text, $7::text FROM written w
), audit AS MATERIALIZED (
  SELECT vault.record_audit($9::text, $7::text, $10::text, $1::uuid, $3::text, $11::text, $4::text[], $12::jsonb) AS id
)
SELECT w.key, w.version FROM written w CROSS JOIN audit ORDER BY w.key`;

async function applyChanges(
  tx: Queryable,
  context: ProjectContext,
  environment: string,
  branch: BranchRef,
  changes: readonly Change[],
  audit: { action: string; description: string; metadata?: Record<string, unknown> },
): Promise<Record<string, number>> {
  try {
    const rows = await tx.query<{ key: string; version: number }>(WRITE_SQL, [
      context.project.id,
      branch.id,
      environment,
      changes.map((change) => change.key),
      changes.map((change) => change.version),
      changes.map((change) => (change.ciphertext ? change.ciphertext.toString('base64') : null)),
      context.caller.actor,
      audit.description,
      context.chain,
      audit.action,
      branch.name,
      JSON.stringify(audit.metadata ?? {}),
    ]);
    return Object.fromEntries(rows.map((row) => [row.key, row.version]));
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new ConcurrentCreate();
    throw error;
  }
}

/** Two writers created the same row at once: neither could lock a row that did not exist yet. */
class ConcurrentCreate extends Error {}

const WRITE_ATTEMPTS = 3;

/**
 * Runs a write transaction again when it lost a race to create a row: the row exists now, so
 * the retry locks it and computes its version (or its check-and-set conflict) properly.
 */
async function retryingCreateRaces<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      // A deadlock cannot come from our lock order, but costs nothing to survive the same way.
      if (!(error instanceof ConcurrentCreate) && (error as { code?: string }).code !== '40P01') throw error;
      if (attempt === WRITE_ATTEMPTS)
        throw new VaultError(
          'conflict',
          'Other writes kept changing these secrets at the same time; read them again and retry',
          [],
        );
    }
  }
}

/** Writes every key atomically; with expectedVersions, only if none changed since it was read. */
export async function writeSecrets(
  deps: SecretsDependencies,
  context: ProjectContext,
  environment: string,
  branchName: string,
  { secrets, expectedVersions: expected }: Pick<WriteInput, 'secrets' | 'expectedVersions'>,
): Promise<Record<string, number>> {
  requireCapability(context, 'write');
  const branch = requireBranch(context, branchName, environment);
  const dataKey = await deps.dataKeys.unwrap(context.project.id, context.dataKey);
  const keys = [...secrets.keys()];
  // Encrypt before the transaction opens: row locks are held only for the statements.
  const ciphertexts = new Map(
    keys.map((key) => [key, encryptValue(dataKey, context.project.id, environment, key, secrets.get(key)!)]),
  );
  return retryingCreateRaces(() =>
    deps.db.transaction(async (tx) => {
      const rows = await lockRows(tx, context, environment, branch, keys);
      const conflicts: VersionConflict[] = [];
      for (const [key, version] of expected) {
        const actual = rows.current(key);
        if (actual !== version) conflicts.push({ key, expected: version, actual });
      }
      if (conflicts.length > 0) {
        throw new VaultError(
          'conflict',
          `Conflict: ${conflicts.length} of the secrets changed since you read them (${conflicts.map((c) => c.key).join(', ')}); nothing was written. Read them again and retry`,
          conflicts,
        );
      }
      const changes = keys.map((key) => ({ key, version: rows.next(key), ciphertext: ciphertexts.get(key)! }));
      return applyChanges(tx, context, environment, branch, changes, { action: 'secrets.write', description: '' });
    }),
  );
}

/** Deletes a key; in a branch, a tombstone hides main's key without touching main. */
export async function deleteSecret(
  deps: SecretsDependencies,
  context: ProjectContext,
  environment: string,
  branchName: string,
  key: string,
): Promise<number> {
  requireCapability(context, 'write');
  const branch = requireBranch(context, branchName, environment);
  return retryingCreateRaces(() =>
    deps.db.transaction(async (tx) => {
      const rows = await lockRows(tx, context, environment, branch, [key]);
      if (rows.current(key) === 0)
        throw notFound(
          `Secret ${key} not found in ${environment}${branch.name === 'main' ? '' : ` (branch '${branch.name}')`}`,
        );
      const versions = await applyChanges(
        tx,
        context,
        environment,
        branch,
        [{ key, version: rows.next(key), ciphertext: null }],
        {
          action: 'secret.delete',
          description: 'Deleted',
        },
      );
      return versions[key]!;
    }),
  );
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

/** Makes an earlier version's value current again, as a new version of the branch's own row. */
export async function rollbackSecret(
  deps: SecretsDependencies,
  context: ProjectContext,
  environment: string,
  branchName: string,
  key: string,
  rawVersion: unknown,
): Promise<number> {
  requireCapability(context, 'write');
  const branch = requireBranch(context, branchName, environment);
  const target = parsed(version(key), rawVersion);
  return retryingCreateRaces(() =>
    deps.db.transaction(async (tx) => {
      const rows = await lockRows(tx, context, environment, branch, [key]);
      const own = rows.own.get(key);
      if (!own)
        throw notFound(
          `Secret ${key} has no versions of its own in branch '${branch.name}' (it is inherited from main); roll it back in main`,
        );
      if (!own.deleted && own.version === target) throw invalid(`Secret ${key} is already at version ${target}`);
      const [old] = await tx.query<{ ciphertext: Buffer | null }>(
        'SELECT ciphertext FROM vault.secret_versions WHERE secret_id = $1 AND version = $2',
        [own.id, target],
      );
      if (!old) throw notFound(`Secret ${key} has no version ${target}`);
      if (!old.ciphertext)
        throw invalid(`Version ${target} of ${key} is a deletion; roll back to a version that has a value`);
      const versions = await applyChanges(
        tx,
        context,
        environment,
        branch,
        [{ key, version: rows.next(key), ciphertext: Buffer.from(old.ciphertext) }],
        {
          action: 'secret.rollback',
          description: `Rolled back to version ${target}`,
          metadata: { toVersion: target },
        },
      );
      return versions[key]!;
    }),
  );
}
