import type { Queryable } from '../db/database.js';
import { type BranchRef, type ProjectContext, requireBranch, requireCapability } from './access.js';
import { encryptValue } from './crypto/secret-values.js';
import { invalid, isUniqueViolation, notFound, VaultError, type VersionConflict } from './errors.js';
import type { WriteInput } from './inputs.js';
import { parsed, version } from './names.js';
import type { SecretsDependencies } from './secrets.js';

/**
 * Changes to the secrets of one (environment, branch): check-and-set writes, deletions
 * (tombstones in a branch) and rollbacks, each a new version of the branch's own row, with its
 * audit entry, in one statement under row locks.
 */
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
    if (isUniqueViolation(error)) throw new ConcurrentCreate();
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
