import type { Database } from '../db/database.js';
import { type ProjectContext, requireCapability } from './access.js';
import { conflictIfTaken, invalid, notFound } from './errors.js';
import type { CreateBranchInput } from './inputs.js';
import { MAIN_BRANCH } from './names.js';

export interface Branch {
  id: string;
  name: string;
  description: string;
  baseEnv: string | null;
  projectId: string;
  createdAt: string;
}

/** The columns a row is read with, in SELECT and RETURNING alike. */
const BRANCH_COLUMNS = 'id, name, description, base_env, project_id, created_at';
interface BranchRow {
  id: string;
  name: string;
  description: string;
  base_env: string | null;
  project_id: string;
  created_at: Date;
}

const toBranch = (row: BranchRow): Branch => ({
  id: row.id,
  name: row.name,
  description: row.description,
  baseEnv: row.base_env,
  projectId: row.project_id,
  createdAt: new Date(row.created_at).toISOString(),
});

export async function listBranches(db: Database, context: ProjectContext): Promise<Branch[]> {
  requireCapability(context, 'read');
  const rows = await db.query<BranchRow>(
    `SELECT ${BRANCH_COLUMNS} FROM vault.branches WHERE project_id = $1 ORDER BY name <> 'main', name`,
    [context.project.id],
  );
  return rows.map(toBranch);
}

/** A new, empty overlay: it shows main until keys are written to it. */
export async function createBranch(db: Database, context: ProjectContext, input: CreateBranchInput): Promise<Branch> {
  requireCapability(context, 'write');
  const { name, description, baseEnv } = input;
  return conflictIfTaken(`Branch '${name}' already exists in this project`, () =>
    db.transaction(async (tx) => {
      const [row] = await tx.query<BranchRow>(
        `INSERT INTO vault.branches (project_id, name, description, base_env, created_by) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${BRANCH_COLUMNS}`,
        [context.project.id, name, description, baseEnv, context.caller.userId ?? null],
      );
      await tx.query("SELECT vault.record_audit($1, $2, 'branch.create', $3::uuid, $4, $5, '{}', '{}'::jsonb)", [
        context.chain,
        context.caller.actor,
        context.project.id,
        baseEnv,
        name,
      ]);
      return toBranch(row!);
    }),
  );
}

/** Deletes a branch and its overrides; main stays. */
export async function deleteBranch(db: Database, context: ProjectContext, name: string): Promise<void> {
  requireCapability(context, 'write');
  if (name === MAIN_BRANCH) throw invalid('The main branch cannot be deleted');
  await db.transaction(async (tx) => {
    const deleted = await tx.query('DELETE FROM vault.branches WHERE project_id = $1 AND name = $2 RETURNING id', [
      context.project.id,
      name,
    ]);
    if (deleted.length === 0) throw notFound(`Branch '${name}' not found in project ${context.project.id}`);
    await tx.query("SELECT vault.record_audit($1, $2, 'branch.delete', $3::uuid, NULL, $4, '{}', '{}'::jsonb)", [
      context.chain,
      context.caller.actor,
      context.project.id,
      name,
    ]);
  });
}
