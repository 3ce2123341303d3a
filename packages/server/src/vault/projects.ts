import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import { memberRoleSql } from '../privacy/membership.js';
import {
  type Caller,
  type ProjectContext,
  type ProjectRow,
  refuseIfAwaitingTwoFactor,
  workspaceChain,
} from './access.js';
import type { DataKeys } from './crypto/data-keys.js';
import { conflictIfTaken, forbidden, notFound } from './errors.js';
import type { CreateProjectInput } from './inputs.js';
import { DEFAULT_ENVIRONMENTS, idOrUndefined, MAIN_BRANCH } from './names.js';
import { type ProjectRole, projectRole } from './roles.js';

export interface Project {
  id: string;
  name: string;
  description: string;
  workspace: 'personal' | 'organisation';
  dataControllerId: string | null;
  role: ProjectRole;
  environments: string[];
  branches: string[];
  createdAt: string;
  updatedAt: string;
}

const ADMINISTERING_ROLES = new Set<ProjectRole>(['owner', 'admin']);

function toProject(row: ProjectRow & { environments: string[]; branches: string[] }, role: ProjectRole): Project {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    workspace: row.data_controller_id ? 'organisation' : 'personal',
    dataControllerId: row.data_controller_id,
    role,
    environments: [...new Set([...DEFAULT_ENVIRONMENTS, ...row.environments])],
    branches: row.branches,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

const SUMMARY_COLUMNS = `p.id, p.name, p.description, p.owner_user_id, p.data_controller_id, p.created_at, p.updated_at,
  ARRAY(SELECT DISTINCT environment FROM vault.secrets s WHERE s.project_id = p.id AND NOT s.deleted ORDER BY 1) AS environments,
  ARRAY(SELECT name FROM vault.branches b WHERE b.project_id = p.id ORDER BY b.name <> 'main', b.name) AS branches`;

export async function describeProject(db: Database, context: ProjectContext): Promise<Project> {
  const [row] = await db.query<ProjectRow & { environments: string[]; branches: string[] }>(
    `SELECT ${SUMMARY_COLUMNS} FROM vault.projects p WHERE p.id = $1`,
    [context.project.id],
  );
  if (!row) throw notFound(`Project ${context.project.id} not found`);
  return toProject(row, context.role);
}

/** The caller's projects: their personal workspace's and those of every organisation they belong to. */
export async function listProjects(db: Database, caller: Caller, rawDataControllerId?: unknown): Promise<Project[]> {
  if (caller.serviceAccount)
    throw forbidden('Service accounts are locked to a single project and cannot list projects');
  const controllerFilter =
    rawDataControllerId === undefined
      ? null
      : (idOrUndefined(rawDataControllerId) ?? '00000000-0000-0000-0000-000000000000');
  const rows = await db.query<ProjectRow & { environments: string[]; branches: string[]; member_role: string | null }>(
    `SELECT ${SUMMARY_COLUMNS}, CASE WHEN p.owner_user_id = $1 THEN 'owner' ELSE m.role END AS member_role
     FROM vault.projects p
     LEFT JOIN LATERAL (${memberRoleSql({ controllerId: 'p.data_controller_id', userId: '$1' })}) m ON true
     WHERE (p.owner_user_id = $1 OR m.role IS NOT NULL) AND ($2::uuid IS NULL OR p.data_controller_id = $2::uuid)
     ORDER BY p.created_at, p.id`,
    [caller.userId, controllerFilter],
  );
  return rows.map((row) => toProject(row, projectRole(row.member_role ?? '')));
}

/**
 * Creates a project with its main branch and its data key, in the caller's personal workspace
 * or in an organisation the caller administers.
 */
export async function createProject(
  db: Database,
  dataKeys: DataKeys,
  caller: Caller,
  input: CreateProjectInput,
): Promise<Project> {
  if (caller.serviceAccount || !caller.userId) throw forbidden('Service accounts cannot create projects');
  const { name, description } = input;
  let dataControllerId: string | null = null;
  let role: ProjectRole = 'owner';
  if (input.dataControllerId !== undefined && input.dataControllerId !== null) {
    dataControllerId = idOrUndefined(input.dataControllerId) ?? null;
    const [membership] = dataControllerId
      ? await db.query<{ role: string }>(memberRoleSql({ controllerId: '$1', userId: '$2' }), [
          dataControllerId,
          caller.userId,
        ])
      : [];
    if (!membership) {
      if (dataControllerId) await refuseIfAwaitingTwoFactor(db, { controllerId: dataControllerId }, caller.userId);
      throw notFound(`Data controller ${String(input.dataControllerId).slice(0, 64)} not found`);
    }
    role = projectRole(membership.role);
    if (!ADMINISTERING_ROLES.has(role))
      throw forbidden(
        `Your role in this organisation (${membership.role}) may not create projects; ask an owner or admin`,
      );
  }
  // The id is chosen first: the data key's wrapping is bound to it.
  const projectId = randomUUID();
  const { stored } = await dataKeys.create(projectId);
  return conflictIfTaken(`A project named "${name}" already exists in this workspace`, () =>
    db.transaction(async (tx) => {
      const [row] = await tx.query<ProjectRow>(
        `INSERT INTO vault.projects (id, name, description, owner_user_id, data_controller_id, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, name, description, owner_user_id, data_controller_id, created_at, updated_at`,
        [projectId, name, description, dataControllerId ? null : caller.userId, dataControllerId, caller.userId],
      );
      await tx.query('INSERT INTO vault.data_keys (project_id, wrapped_key, master_key_id) VALUES ($1, $2, $3)', [
        projectId,
        stored.wrapped,
        stored.masterKeyId,
      ]);
      await tx.query(
        "INSERT INTO vault.branches (project_id, name, description, created_by) VALUES ($1, 'main', 'The default branch', $2)",
        [projectId, caller.userId],
      );
      await tx.query("SELECT vault.record_audit($1, $2, 'project.create', $3::uuid, NULL, NULL, '{}', $4::jsonb)", [
        workspaceChain(row!),
        caller.actor,
        projectId,
        JSON.stringify({ name }),
      ]);
      return toProject({ ...row!, environments: [], branches: [MAIN_BRANCH] }, role);
    }),
  );
}
